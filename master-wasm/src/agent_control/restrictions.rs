//! Which elements the agent may act on, decided in the customer's browser for every action:
//! nothing masked or blocked, nothing marked read-only, and (by default, as in the reference)
//! no submit button. The customer's own use of the page is never restricted.

use shared_protocol::agent_control::{ActionKind, Key, Refusal};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlButtonElement, HtmlInputElement};

use crate::privacy::{was_password_field, Scope};

/// What the page's restrictions allow beyond the defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Allowances {
    /// The relay's `agent_can_submit`: submit buttons are actionable too.
    pub submit: bool,
}

/// Whether the agent may do `kind` on `el`, whose privacy scope is `scope`.
pub fn check(
    el: &Element,
    scope: Scope,
    kind: &ActionKind,
    allow: Allowances,
) -> Result<(), Refusal> {
    // A password field's value is hidden from the agent, so the field is not the agent's
    // either (its scope is not masked: only its value is).
    if scope.masked() || scope.blocked() || was_password_field(el) {
        return Err(Refusal::Private);
    }
    // Scrolling changes nothing on the page: read-only parts can be scrolled.
    if matches!(kind, ActionKind::Scroll { .. }) {
        return Ok(());
    }
    if scope.readonly() || el.closest("[disabled]").ok().flatten().is_some() {
        return Err(Refusal::ReadOnly);
    }
    let activates = matches!(kind, ActionKind::Click { .. } | ActionKind::Key(Key::Enter));
    if activates && !allow.submit && submit_control(el).is_some() {
        return Err(Refusal::ReadOnly);
    }
    match kind {
        ActionKind::Type { .. } if !is_text_field(el) => Err(Refusal::Mismatch),
        ActionKind::Select { .. } if el.tag_name() != "SELECT" => Err(Refusal::Mismatch),
        _ => Ok(()),
    }
}

/// The submit button `el` is or is inside: a `<button>` of type submit in a form, or an
/// `<input type=submit|image>`.
pub fn submit_control(el: &Element) -> Option<Element> {
    let control = el.closest("button, input").ok().flatten()?;
    if let Some(button) = control.dyn_ref::<HtmlButtonElement>() {
        return (button.type_() == "submit" && button.form().is_some()).then_some(control);
    }
    let input = control.dyn_ref::<HtmlInputElement>()?;
    matches!(input.type_().as_str(), "submit" | "image").then_some(control)
}

/// An element the agent can type into: a text-like input, a textarea, or editable content.
pub fn is_text_field(el: &Element) -> bool {
    if let Some(input) = el.dyn_ref::<HtmlInputElement>() {
        return !matches!(
            input.type_().as_str(),
            "checkbox"
                | "radio"
                | "submit"
                | "button"
                | "reset"
                | "image"
                | "file"
                | "hidden"
                | "range"
                | "color"
        ) && !input.read_only();
    }
    if let Some(area) = el.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        return !area.read_only();
    }
    el.dyn_ref::<web_sys::HtmlElement>()
        .is_some_and(|h| h.is_content_editable())
}
