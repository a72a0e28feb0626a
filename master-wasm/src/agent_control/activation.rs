//! What the browser activates for an agent's click or Enter, found before it happens: a click
//! on a child of a button or link activates that button or link, a click on a label (or on
//! anything inside one) activates the label's control, and Enter in a form's field submits the
//! form through its default button. The restrictions are checked on these, not only on the
//! element the agent addressed.

use js_sys::{Array, Reflect};
use shared_protocol::agent_control::{ActionKind, Key};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlFormElement, HtmlInputElement};

use super::restrictions::submit_control;

/// Elements whose activation a click or Enter on a descendant runs.
const ACTIVATABLE: &str = "a[href], area[href], button, input, select, textarea, summary, label";

/// Elements that Enter activates as a click.
pub const ENTER_CLICKS: &str =
    "a[href], button, summary, input[type=button i], input[type=submit i]";

/// What `kind` on `el` would activate.
#[derive(Debug, Default)]
pub struct Activation {
    /// Elements whose activation behaviour runs (the agent's rights are checked on each).
    pub elements: Vec<Element>,
    /// A form is submitted without a button of its own (implicit submission).
    pub submits_form: bool,
}

/// What a click or Enter on `el` activates (nothing for other actions).
pub fn activation(el: &Element, kind: &ActionKind) -> Activation {
    match kind {
        ActionKind::Click { .. } => clicked(el),
        ActionKind::Key(Key::Enter) if el.matches(ENTER_CLICKS).unwrap_or(false) => clicked(el),
        ActionKind::Key(Key::Enter) => {
            match el.dyn_ref::<HtmlInputElement>().and_then(|i| i.form()) {
                Some(form) => match default_button(&form) {
                    Some(button) => Activation {
                        elements: vec![button],
                        submits_form: true,
                    },
                    None => Activation {
                        elements: Vec::new(),
                        submits_form: true,
                    },
                },
                None => Activation::default(),
            }
        }
        _ => Activation::default(),
    }
}

fn clicked(el: &Element) -> Activation {
    let mut elements = Vec::new();
    if let Some(active) = el.closest(ACTIVATABLE).ok().flatten() {
        if active.tag_name() == "LABEL" {
            // The label's `for` target, or its first labelable descendant.
            if let Some(control) = Reflect::get(&active, &"control".into())
                .ok()
                .and_then(|c| c.dyn_into::<Element>().ok())
            {
                elements.push(control);
            }
        }
        elements.push(active);
    }
    Activation {
        elements,
        submits_form: false,
    }
}

/// The form's default button: its first submit button in tree order, wherever it sits (a
/// `form=` attribute can place it outside the `<form>`).
pub fn default_button(form: &HtmlFormElement) -> Option<Element> {
    let controls = Reflect::get(form, &"elements".into()).ok()?;
    Array::from(&controls)
        .iter()
        .filter_map(|c| c.dyn_into::<Element>().ok())
        .find(|c| submit_control(c).as_ref() == Some(c))
}
