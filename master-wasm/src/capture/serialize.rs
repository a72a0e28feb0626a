//! What of one node may leave the customer's page. This is the privacy and safety boundary:
//! scripts, hidden inputs and the widget are never sent; inline handlers and `javascript:` URLs
//! are dropped; password values are masked, whatever the page does.

use shared_protocol::page::{FormValue, Namespace, NodeData, NodeId};
use shared_protocol::safety::is_unsafe_attribute;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement, Node};

/// Marks the widget's host element (and only it); it and everything in it is never captured.
pub const WIDGET_ATTR: &str = "data-cobrowse-widget";
/// Marks anything else the customer module adds to the page (the hover rules); never captured.
pub const OWN_ATTR: &str = "data-cobrowse-own";

/// Longest masked run; longer secrets are not worth a longer placeholder.
const MASK_MAX: usize = 64;

/// Elements that are never sent, children included. `tag` is `el`'s local name (read once:
/// every read is a call out of wasm and a string copy, and this runs for every element).
fn is_dropped_element(el: &Element, tag: &str) -> bool {
    if el.has_attribute(WIDGET_ATTR) || el.has_attribute(OWN_ATTR) {
        return true;
    }
    match tag {
        "script" | "noscript" => true,
        "input" => el
            .get_attribute("type")
            .is_some_and(|t| t.eq_ignore_ascii_case("hidden")),
        _ => false,
    }
}

/// Describes `node` for the agent, or `None` when it (and its subtree) must not be captured.
pub fn describe(node: &Node) -> Option<NodeData> {
    match node.node_type() {
        Node::ELEMENT_NODE => {
            let el: &Element = node.unchecked_ref();
            let tag = el.local_name();
            if is_dropped_element(el, &tag) {
                return None;
            }
            let masked = is_password_input(el, &tag);
            Some(NodeData::Element {
                ns: Namespace::from_uri(el.namespace_uri().as_deref()),
                attrs: safe_attributes(el, masked),
                tag,
            })
        }
        Node::TEXT_NODE => Some(NodeData::Text(node.node_value().unwrap_or_default())),
        Node::COMMENT_NODE => Some(NodeData::Comment(String::new())),
        Node::DOCUMENT_TYPE_NODE => {
            let dt: &web_sys::DocumentType = node.unchecked_ref();
            Some(NodeData::Doctype {
                name: dt.name(),
                public_id: dt.public_id(),
                system_id: dt.system_id(),
            })
        }
        _ => None,
    }
}

/// The attributes of `el` that are safe to send, masked where needed.
fn safe_attributes(el: &Element, masked: bool) -> Vec<(String, String)> {
    let map = el.attributes();
    let mut out = Vec::with_capacity(map.length() as usize);
    for i in 0..map.length() {
        let Some(attr) = map.item(i) else { continue };
        let name = attr.name();
        let value = attr.value();
        if let Some(value) = safe_attribute(&name, value, masked) {
            out.push((name, value));
        }
    }
    out
}

/// One attribute as it may be sent, or `None` when it is dropped.
pub fn safe_attribute(name: &str, value: String, masked_control: bool) -> Option<String> {
    // Our own hover marker is local state of each side, never page content.
    if is_unsafe_attribute(name, &value) || super::is_marker(name) {
        return None;
    }
    if masked_control && name.eq_ignore_ascii_case("value") {
        return Some(mask_text(&value));
    }
    Some(value)
}

/// Controls whose value is always masked (password inputs).
pub(crate) fn is_masked_control(el: &Element) -> bool {
    is_password_input(el, &el.local_name())
}

fn is_password_input(el: &Element, tag: &str) -> bool {
    tag == "input"
        && el
            .get_attribute("type")
            .is_some_and(|t| t.eq_ignore_ascii_case("password"))
}

/// Whether a node with this description has a live value to capture (a form control).
pub fn has_form_value(data: &NodeData) -> bool {
    matches!(data, NodeData::Element { tag, .. } if matches!(tag.as_str(), "input" | "textarea" | "select"))
}

/// Replaces every character with a bullet, keeping the length (up to a cap) so layout holds.
pub fn mask_text(text: &str) -> String {
    "•".repeat(text.chars().count().min(MASK_MAX))
}

/// The live value of a form control (properties, not attributes), masked where needed.
pub fn form_value(id: NodeId, node: &Node) -> Option<FormValue> {
    if let Some(input) = node.dyn_ref::<HtmlInputElement>() {
        let value = input.value();
        let value = if is_masked_control(input) {
            mask_text(&value)
        } else {
            value
        };
        return Some(FormValue {
            id,
            value,
            checked: input.checked(),
        });
    }
    if let Some(area) = node.dyn_ref::<HtmlTextAreaElement>() {
        return Some(FormValue {
            id,
            value: area.value(),
            checked: false,
        });
    }
    if let Some(select) = node.dyn_ref::<HtmlSelectElement>() {
        return Some(FormValue {
            id,
            value: select.value(),
            checked: false,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handlers_and_srcdoc_are_dropped_and_password_values_masked() {
        assert_eq!(safe_attribute("onclick", "x()".into(), false), None);
        assert_eq!(safe_attribute("ONLOAD", "x()".into(), false), None);
        assert_eq!(safe_attribute("srcdoc", "<b>".into(), false), None);
        assert_eq!(
            safe_attribute("href", "javascript:void(0)".into(), false),
            None
        );
        assert_eq!(
            safe_attribute("value", "hunter2".into(), true).as_deref(),
            Some("•••••••")
        );
        assert_eq!(
            safe_attribute("value", "visible".into(), false).as_deref(),
            Some("visible")
        );
    }

    #[test]
    fn masks_keep_length_up_to_a_cap() {
        assert_eq!(mask_text("abc"), "•••");
        assert_eq!(mask_text("").len(), 0);
        assert_eq!(mask_text(&"x".repeat(500)).chars().count(), MASK_MAX);
    }
}
