//! What moves: the agent's pointer shown on the customer's page (its hover, its click as
//! `:active` for a moment), and the customer's pointer and in-motion scroll positions taken
//! once per frame for the ephemeral channel.

use std::rc::Rc;

use shared_protocol::page::{Pointer, ScrollPos};

use super::{Inner, PageStream, AGENT_PRESS_MS};
use crate::browser::Timeout;
use crate::capture::scroll_position;

/// What moved during the last frame, sent as ephemeral frames.
#[derive(Debug, Default, PartialEq)]
pub struct Motion {
    pub pointer: Option<Pointer>,
    pub scrolls: Vec<ScrollPos>,
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

    /// The pointer and the scroll positions in motion since the last call.
    pub fn take_motion(&self) -> Motion {
        let mut inner = self.inner.borrow_mut();
        let Inner {
            mirror,
            moving,
            pointer,
            walk,
            ..
        } = &mut *inner;
        if walk.is_some() {
            // Positions name ids the agent does not have yet: they go once it does.
            return Motion {
                pointer: pointer.take(),
                scrolls: Vec::new(),
            };
        }
        let mut seen = std::collections::HashSet::new();
        let scrolls = moving
            .drain(..)
            .filter_map(|node| {
                let id = mirror.id_of(&node)?;
                seen.insert(id)
                    .then(|| scroll_position(id, &node))
                    .flatten()
            })
            .collect();
        Motion {
            pointer: pointer.take(),
            scrolls,
        }
    }
}
