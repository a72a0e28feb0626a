//! Live state of the rebuilt view that is not in the DOM: form values and scroll positions.

use shared_protocol::page::{FormValue, ScrollPos, DOCUMENT};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement, Node};

use super::{RebuildError, Rebuilder};

impl Rebuilder {
    /// Form values outside a batch (the page's values held back while the agent typed).
    pub fn apply_forms(&self, values: &[FormValue]) -> Result<(), RebuildError> {
        values.iter().try_for_each(|f| self.apply_form(f))
    }

    pub(super) fn apply_form(&self, f: &FormValue) -> Result<(), RebuildError> {
        let node = self.node(f.id)?;
        // By tag name, not `instanceof`: these nodes belong to the iframe's realm, whose
        // constructors differ from the console's.
        match node.node_name().to_ascii_lowercase().as_str() {
            "input" => {
                let input: &HtmlInputElement = node.unchecked_ref();
                // Only when it differs: setting a checkbox's value writes its attribute.
                if input.value() != f.value {
                    input.set_value(&f.value);
                }
                input.set_checked(f.checked);
            }
            "textarea" => node
                .unchecked_ref::<HtmlTextAreaElement>()
                .set_value(&f.value),
            "select" => node
                .unchecked_ref::<HtmlSelectElement>()
                .set_value(&f.value),
            _ => {}
        }
        Ok(())
    }

    /// Scrolls the view's window ([`DOCUMENT`]) and elements. Positions of nodes it does not
    /// know (an ephemeral frame racing a removal) are skipped: scrolling changes no structure.
    pub fn apply_scrolls(&self, scrolls: &[ScrollPos]) {
        for pos in scrolls {
            if pos.id == DOCUMENT {
                if let Some(w) = self.doc.default_view() {
                    w.scroll_to_with_x_and_y(pos.x as f64, pos.y as f64);
                }
            } else if let Some(node) = self.nodes.get(&pos.id) {
                // By node type, not `instanceof`: these nodes belong to the iframe's realm.
                if node.node_type() == Node::DOCUMENT_NODE {
                    // A frame's document: its window scrolls.
                    if let Some(w) = node.unchecked_ref::<web_sys::Document>().default_view() {
                        w.scroll_to_with_x_and_y(pos.x as f64, pos.y as f64);
                    }
                } else if node.node_type() == Node::ELEMENT_NODE {
                    let el: &Element = node.unchecked_ref();
                    el.set_scroll_left(pos.x);
                    el.set_scroll_top(pos.y);
                }
            }
        }
    }
}
