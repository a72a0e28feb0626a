//! The elements the agent's actions address, found in the mirror of the current epoch: by
//! node id, or (for a click whose id is gone) at the point. Only captured elements can be
//! targets, so nothing the agent never saw (the co-browse widget, say) can be acted on.

use std::rc::Rc;

use shared_protocol::agent_control::Refusal;
use shared_protocol::page::{NodeId, DOCUMENT};
use wasm_bindgen::JsCast;
use web_sys::Element;

use super::PageStream;
use crate::agent_control::Scopes;
use crate::privacy::Scope;

/// An element the agent addressed, with its id and privacy scope.
pub struct Target {
    pub element: Element,
    pub id: NodeId,
    pub scope: Scope,
}

impl PageStream {
    /// The element `id` names in `epoch` (the document's root element for [`DOCUMENT`]), or
    /// the one at `point` when the id is gone.
    pub fn target(
        &self,
        epoch: u32,
        id: Option<NodeId>,
        point: Option<(i32, i32)>,
    ) -> Result<Target, Refusal> {
        let inner = self.inner.borrow();
        let by_id = id.filter(|_| epoch == inner.epoch).and_then(|id| {
            let node = inner.mirror.node(id)?;
            let element = match id {
                DOCUMENT => inner.doc.document_element()?,
                _ => node.dyn_ref::<Element>()?.clone(),
            };
            Some(Target {
                element,
                id,
                scope: inner.mirror.scope(id),
            })
        });
        if let Some(t) = by_id {
            return Ok(t);
        }
        let (x, y) = point.ok_or(Refusal::NoTarget)?;
        let element = inner
            .doc
            .element_from_point(x as f32, y as f32)
            .ok_or(Refusal::NoTarget)?;
        let id = inner.mirror.id_of(&element).ok_or(Refusal::NoTarget)?;
        Ok(Target {
            element,
            id,
            scope: inner.mirror.scope(id),
        })
    }

    /// Each captured element's privacy scope, as the mirror has it when asked (while the agent's
    /// action runs, page handlers may add elements; those are not captured yet: `None`).
    pub fn scopes(&self) -> Scopes {
        let inner = self.inner.clone();
        Rc::new(move |el: &Element| {
            let inner = inner.try_borrow().ok()?;
            let id = inner.mirror.id_of(el)?;
            Some(inner.mirror.scope(id))
        })
    }

    /// The epoch whose ids the agent's actions should use.
    pub fn epoch(&self) -> u32 {
        self.inner.borrow().epoch
    }
}
