//! The live values of form controls (the `value` and `checked` properties, not attributes), as
//! they may leave the page: masked in a masked part of the page and in password fields (now or
//! ever), absent in a blocked one.

use shared_protocol::page::{FormValue, NodeData, NodeId};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement, Node};

use crate::privacy::{was_password_field, Policy, Scope};

/// Whether a form control's value is hidden from the agent: in a masked part of the page, or a
/// password field (now or ever).
pub(crate) fn value_is_masked(el: &Element, scope: Scope) -> bool {
    scope.masked() || was_password_field(el)
}

/// Whether a node with this description has a live value to capture (a form control).
pub fn has_form_value(data: &NodeData) -> bool {
    matches!(data, NodeData::Element { tag, .. } if matches!(tag.as_str(), "input" | "textarea" | "select"))
}

/// The live value of a form control (properties, not attributes), as it may leave the page.
pub fn form_value(id: NodeId, node: &Node, scope: Scope, policy: &Policy) -> Option<FormValue> {
    if scope.blocked() {
        return None;
    }
    if node.node_type() != Node::ELEMENT_NODE {
        return None;
    }
    // By name, not `instanceof`: a frame's elements come from another realm.
    let el: &Element = node.unchecked_ref();
    let (value, checked) = match el.local_name().as_str() {
        "input" => {
            let input: &HtmlInputElement = node.unchecked_ref();
            (input.value(), input.checked())
        }
        "textarea" => (node.unchecked_ref::<HtmlTextAreaElement>().value(), false),
        "select" => (node.unchecked_ref::<HtmlSelectElement>().value(), false),
        _ => return None,
    };
    let masked = value_is_masked(el, scope);
    Some(FormValue {
        id,
        value: policy.form_value(value, masked),
        // Which box is ticked in a masked part is private too.
        checked: checked && !masked,
    })
}
