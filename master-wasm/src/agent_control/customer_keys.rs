//! The customer's typing, watched so that an agent's action never moves the focus out of a
//! password or masked field while the customer is typing in it: their next keystrokes would
//! land, in clear and seen by the agent, in whatever field the agent focused. Such an action
//! is refused (the agent is told to try again when the customer pauses), not deferred: a
//! click replayed seconds later may land on a page that has changed since.

use std::cell::{Cell, RefCell};

use shared_protocol::agent_control::{ActionKind, Key, Refusal};
use wasm_bindgen::JsCast;
use web_sys::{Element, KeyboardEvent};

use super::ScopeOf;
use crate::browser::{now_ms, window, Listener};
use crate::privacy::was_password_field;

/// How long after the customer's last key the focus counts as theirs (ms).
pub const TYPING_PAUSE_MS: f64 = 1_000.0;

thread_local! {
    static LAST_KEY_AT: Cell<f64> = const { Cell::new(f64::NEG_INFINITY) };
    static WATCH: RefCell<Option<Listener>> = const { RefCell::new(None) };
}

/// Records a key of the customer's at `now` (the page's clock, [`now_ms`]).
pub fn note_key_at(now: f64) {
    LAST_KEY_AT.with(|at| at.set(now));
}

/// Watches the customer's keys on this page (once; later calls change nothing). Only keys
/// from the customer's keyboard count: events a script dispatches (the agent's own keys among
/// them) are not trusted by the browser.
pub fn watch() {
    WATCH.with(|w| {
        if w.borrow().is_some() {
            return;
        }
        let listener = Listener::new(window().as_ref(), "keydown", true, |event| {
            if event.is_trusted() && event.dyn_ref::<KeyboardEvent>().is_some() {
                note_key_at(now_ms());
            }
        });
        *w.borrow_mut() = Some(listener);
    });
}

/// Whether the agent's `kind` on `el` may go on: refused when it would take the focus from a
/// password or masked field the customer typed in within [`TYPING_PAUSE_MS`].
pub fn may_move_focus(el: &Element, kind: &ActionKind, scopes: ScopeOf) -> Result<(), Refusal> {
    let moves_focus = matches!(
        kind,
        ActionKind::Click { .. }
            | ActionKind::Type { .. }
            | ActionKind::Key(Key::Tab | Key::ShiftTab)
    );
    let Some(active) = el.owner_document().and_then(|d| d.active_element()) else {
        return Ok(());
    };
    if !moves_focus || &active == el {
        return Ok(());
    }
    let protected =
        was_password_field(&active) || scopes(&active).is_none_or(|s| s.masked() || s.blocked());
    let typing = LAST_KEY_AT.with(|at| now_ms() - at.get() < TYPING_PAUSE_MS);
    if protected && typing {
        return Err(Refusal::CustomerTyping);
    }
    Ok(())
}
