//! What moves: the customer's pointer and scrolling, taken once per frame for the ephemeral
//! channel (a scroll also goes reliably once settled), and the agent's pointer shown on the
//! customer's page (its hover, its click as `:active` for a moment).

use std::collections::HashSet;
use std::rc::Rc;

use shared_protocol::page::{Pointer, ScrollPos};
use web_sys::Node;

use super::{PageStream, AGENT_PRESS_MS};
use crate::browser::Timeout;
use crate::capture::{scroll_position, Mirror};

/// The customer's pointer and scrolling since the last frame.
#[derive(Default)]
pub(super) struct Motion {
    pointer: Option<Pointer>,
    /// Scrolled since the last frame, and still moving.
    moving: Vec<Node>,
    /// Everything scrolled since the last settle.
    unsettled: Vec<Node>,
    /// Fires once scrolling stopped for a moment.
    settle: Option<Timeout>,
}

impl Motion {
    pub(super) fn pointer_at(&mut self, pointer: Pointer) {
        self.pointer = Some(pointer);
    }

    /// `node` scrolled; `settle` fires when it has stopped (it replaces the previous timer).
    pub(super) fn scrolled(&mut self, node: Node, settle: Timeout) {
        self.moving.push(node.clone());
        self.unsettled.push(node);
        self.settle = Some(settle);
    }

    /// Scrolling stopped: what scrolled since the last settle.
    pub(super) fn settled(&mut self) -> Vec<Node> {
        self.settle = None;
        std::mem::take(&mut self.unsettled)
    }

    /// The pointer, and the positions of what scrolled since the last call. While a snapshot
    /// is walked, positions name ids the agent does not have yet: they wait until it does.
    pub(super) fn take(
        &mut self,
        mirror: &Mirror,
        walking: bool,
    ) -> (Option<Pointer>, Vec<ScrollPos>) {
        let pointer = self.pointer.take();
        if walking {
            return (pointer, Vec::new());
        }
        let mut seen = HashSet::new();
        let scrolls = self
            .moving
            .drain(..)
            .filter_map(|node| {
                let id = mirror.id_of(&node)?;
                seen.insert(id)
                    .then(|| scroll_position(id, &node))
                    .flatten()
            })
            .collect();
        (pointer, scrolls)
    }
}

impl PageStream {
    /// Shows the hover state under the agent's pointer (customer viewport coordinates), and
    /// its click as `:active` for a moment.
    pub fn agent_pointer(&self, pointer: &Pointer) {
        let mut marks = self.agent_hover.borrow_mut();
        let doc = self.inner.borrow().doc.clone();
        if pointer.gone {
            marks.clear();
        } else {
            marks.point_at(&doc, pointer.x, pointer.y);
        }
        if pointer.click && !pointer.gone {
            let mut press = self.agent_press.borrow_mut();
            press.0.point_at(&doc, pointer.x, pointer.y);
            let weak = Rc::downgrade(&self.agent_press);
            press.1 = Some(Timeout::new(AGENT_PRESS_MS, move || {
                if let Some(press) = weak.upgrade() {
                    press.borrow_mut().0.clear();
                }
            }));
        }
    }
}
