//! The customer's element states in the agent's view: `:hover` under the customer's pointer
//! (found again whenever what is under it may have changed, as the browser does: after a
//! scroll, a change of the page, a resize),
//! `:focus`/`:focus-within` of the focused element, `:active` while the customer presses. Each
//! is a marker attribute that the snapshot's state twins (the page's rules rewritten for the
//! markers) style as the real state would.
//!
//! The view's nodes belong to the iframe's realm: no `instanceof` checks (`dyn_ref`) on them.

use shared_css::{ACTIVE_ATTR, FOCUS_ATTR, FOCUS_WITHIN_ATTR, HOVER_ATTR};
use web_sys::{Document, Element, Node};

#[derive(Default)]
pub struct StateMarks {
    /// Where the customer's pointer is (viewport coordinates), while it is over the page.
    pointer: Option<(i32, i32)>,
    /// Under the customer's pointer, with their ancestors.
    hovered: Vec<Element>,
    /// The focused element and its ancestors.
    focused: Vec<Element>,
    /// The pressed element and its ancestors.
    pressed: Vec<Element>,
}

impl StateMarks {
    /// A new document: the old elements are gone (the pointer stays where it is).
    pub fn forget(&mut self) {
        self.hovered.clear();
        self.focused.clear();
        self.pressed.clear();
    }

    /// Marks what is under the customer's pointer (its viewport coordinates) as hovered.
    pub fn hover_at(&mut self, doc: &Document, x: i32, y: i32, gone: bool) {
        self.pointer = (!gone).then_some((x, y));
        let chain = if gone {
            Vec::new()
        } else {
            chain_from(doc.element_from_point(x as f32, y as f32))
        };
        for old in &self.hovered {
            if !chain.contains(old) {
                let _ = old.remove_attribute(HOVER_ATTR);
            }
        }
        for el in &chain {
            let _ = el.set_attribute(HOVER_ATTR, "");
        }
        self.hovered = chain;
    }

    /// Finds again what is under the pointer where it last was: the page under it scrolled,
    /// changed or was laid out anew at another width, and the customer's browser moved
    /// `:hover` without the pointer moving.
    pub fn rehover(&mut self, doc: &Document) {
        if let Some((x, y)) = self.pointer {
            self.hover_at(doc, x, y, false);
        }
    }

    /// The focus marker on `node`, the focus-within marker on it and its ancestors.
    pub fn focus(&mut self, node: Option<&Node>) {
        for el in self.focused.drain(..) {
            let _ = el.remove_attribute(FOCUS_ATTR);
            let _ = el.remove_attribute(FOCUS_WITHIN_ATTR);
        }
        let Some(el) = node.and_then(as_element) else {
            return;
        };
        let _ = el.set_attribute(FOCUS_ATTR, "");
        self.focused = chain_from(Some(el));
        for e in &self.focused {
            let _ = e.set_attribute(FOCUS_WITHIN_ATTR, "");
        }
    }

    /// The active marker on `node` and its ancestors (as `:active` applies), or on nothing.
    pub fn press(&mut self, node: Option<&Node>) {
        for el in self.pressed.drain(..) {
            let _ = el.remove_attribute(ACTIVE_ATTR);
        }
        self.pressed = chain_from(node.and_then(as_element));
        for el in &self.pressed {
            let _ = el.set_attribute(ACTIVE_ATTR, "");
        }
    }
}

/// By node type, not `instanceof`: the node is from the view's realm.
fn as_element(node: &Node) -> Option<Element> {
    (node.node_type() == Node::ELEMENT_NODE)
        .then(|| wasm_bindgen::JsCast::unchecked_into(node.clone()))
}

fn chain_from(first: Option<Element>) -> Vec<Element> {
    let mut chain = Vec::new();
    let mut next = first;
    while let Some(el) = next {
        next = el.parent_element();
        chain.push(el);
    }
    chain
}
