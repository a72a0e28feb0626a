//! A watch over what the page does while an agent's action runs: a page handler answering the
//! agent's (allowed) click may click a read-only checkbox or submit a form itself. Capture
//! listeners on the window cancel, before any of the page's own listeners below it, every
//! click whose activation the agent may not run and every submission the agent may not make.
//! Only what happens synchronously during the action is the agent's; the customer's own
//! clicks and submissions never pass here.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::Reflect;
use shared_protocol::agent_control::{ActionKind, Refusal};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AddEventListenerOptions, Element, Event, EventTarget};

use super::activation::activation;
use super::restrictions::may_activate;
use super::{Allowances, ScopeOf, Scopes};

const WATCHED: [&str; 2] = ["click", "submit"];

/// Runs `action` with the watch on `el`'s window; the first refusal the watch made, if any.
pub fn watched<T>(
    el: &Element,
    scopes: &Scopes,
    allow: Allowances,
    action: impl FnOnce() -> T,
) -> (T, Option<Refusal>) {
    let Some(target) = el
        .owner_document()
        .and_then(|d| d.default_view())
        .map(EventTarget::from)
    else {
        return (action(), None);
    };
    let refused: Rc<Cell<Option<Refusal>>> = Rc::default();
    let scopes = scopes.clone();
    let seen = refused.clone();
    let callback = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
        if let Err(why) = judge(&event, &*scopes, allow) {
            event.prevent_default();
            event.stop_immediate_propagation();
            if seen.get().is_none() {
                seen.set(Some(why));
            }
        }
    });
    let options = AddEventListenerOptions::new();
    options.set_capture(true);
    options.set_passive(false);
    for kind in WATCHED {
        let _ = target.add_event_listener_with_callback_and_add_event_listener_options(
            kind,
            callback.as_ref().unchecked_ref(),
            &options,
        );
    }
    let out = action();
    for kind in WATCHED {
        let _ = target.remove_event_listener_with_callback_and_bool(
            kind,
            callback.as_ref().unchecked_ref(),
            true,
        );
    }
    drop(callback);
    (out, refused.get())
}

/// Whether the agent's action may let `event` go on.
fn judge(event: &Event, scopes: ScopeOf, allow: Allowances) -> Result<(), Refusal> {
    let Some(target) = event.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
        return Ok(());
    };
    if event.type_() == "submit" {
        if !allow.submit {
            return Err(Refusal::ReadOnly);
        }
        // The button that submits, when there is one, must be one the agent may press.
        return match Reflect::get(event, &"submitter".into())
            .ok()
            .and_then(|s| s.dyn_into::<Element>().ok())
        {
            Some(submitter) => may_activate(&submitter, scopes, allow),
            None => Ok(()),
        };
    }
    for activated in activation(&target, &ActionKind::Click { x: 0, y: 0 }).elements {
        may_activate(&activated, scopes, allow)?;
    }
    Ok(())
}
