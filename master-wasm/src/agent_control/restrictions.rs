//! Which elements the agent may act on, decided in the customer's browser for every action:
//! nothing masked or blocked, nothing marked read-only, and (by default, as in the reference)
//! no submit button, whether addressed or reached through what the action activates. The
//! customer's own use of the page is never restricted.

use shared_protocol::agent_control::{ActionKind, Key, Refusal};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlButtonElement, HtmlInputElement};

use super::activation::activation;
use super::ScopeOf;
use crate::privacy::{was_password_field, Scope};

/// What the page's restrictions allow beyond the defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Allowances {
    /// The relay's `agent_can_submit`: submit buttons are actionable too.
    pub submit: bool,
}

/// Whether the agent may do `kind` on `el`, with `scopes` giving each element's privacy
/// scope: `el` itself, whatever a click or Enter on it would activate, and, for typing into
/// editable content, every element inside it (the typed text replaces them).
pub fn check(
    el: &Element,
    scopes: ScopeOf,
    kind: &ActionKind,
    allow: Allowances,
) -> Result<(), Refusal> {
    let scope = scopes(el).ok_or(Refusal::Private)?;
    check_addressed(el, scope, kind, allow)?;
    let activation = activation(el, kind);
    if activation.submits_form && !allow.submit {
        return Err(Refusal::ReadOnly);
    }
    for activated in &activation.elements {
        may_activate(activated, scopes, allow)?;
    }
    if matches!(kind, ActionKind::Type { .. }) && is_editable_content(el) {
        let inside = el.query_selector_all("*").map_err(|_| Refusal::Mismatch)?;
        for child in (0..inside.length()).filter_map(|i| inside.item(i)?.dyn_into::<Element>().ok())
        {
            may_change(&child, scopes)?;
        }
    }
    Ok(())
}

/// The rules on the element the agent addressed.
fn check_addressed(
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

/// Whether anything may change `el`: nothing private (masked, blocked, never captured, a
/// password field) and nothing read-only.
pub fn may_change(el: &Element, scopes: ScopeOf) -> Result<(), Refusal> {
    let scope = scopes(el).ok_or(Refusal::Private)?;
    if scope.masked() || scope.blocked() || was_password_field(el) {
        return Err(Refusal::Private);
    }
    if scope.readonly() || el.closest("[disabled]").ok().flatten().is_some() {
        return Err(Refusal::ReadOnly);
    }
    Ok(())
}

/// Whether the agent's action may run `el`'s activation behaviour, however it is reached.
pub fn may_activate(el: &Element, scopes: ScopeOf, allow: Allowances) -> Result<(), Refusal> {
    may_change(el, scopes)?;
    if !allow.submit && submit_control(el).is_some() {
        return Err(Refusal::ReadOnly);
    }
    Ok(())
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
    is_editable_content(el)
}

/// Editable content (not a form field): typing replaces everything inside it.
pub fn is_editable_content(el: &Element) -> bool {
    !el.has_type::<HtmlInputElement>()
        && !el.has_type::<web_sys::HtmlTextAreaElement>()
        && el
            .dyn_ref::<web_sys::HtmlElement>()
            .is_some_and(|h| h.is_content_editable())
}
