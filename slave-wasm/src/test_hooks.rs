//! What the end-to-end tests reach into the console with, built only with the `test-hooks`
//! feature (`make wasm-test`; `make wasm` and `make release` build without it, so no shipped
//! console has any of this). Each hook also needs its flag in the console's URL, as before:
//!
//! - `debug=1&record=1`: the plaintext of every page frame the console opens is kept in
//!   `window.cobrowseRecorded` (an array of `Uint8Array`s), so the leak tests can search all
//!   the agent received.
//! - `debug=1`: `window.cobrowseCraft(kind, selector)` sends what the console's UI would not
//!   (see [`CraftHook`]): how the tests play a modified console against the customer's checks.
//!   `window.cobrowseLastLog` holds the console's last log line.
//! - always: `window.cobrowseLiveTimers` counts the session timers alive (heartbeats,
//!   reconnect delays), so a test can see that none outlives its session.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use shared_protocol::agent_control::ActionKind;
use shared_protocol::page::AgentPageMsg;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlIFrameElement;

use crate::debug;
use crate::session::Session;
use crate::session_tasks::CurrentSession;
use crate::view_input::ViewEvent;

thread_local! {
    /// Whether the URL asks for recording, read once (a cache, not state).
    static RECORDING: Cell<Option<bool>> = const { Cell::new(None) };
    /// Session timers alive now (mirrored in `window.cobrowseLiveTimers`).
    static LIVE_TIMERS: Cell<i32> = const { Cell::new(0) };
}

/// A session timer started (`1`) or stopped (`-1`).
pub(crate) fn count_timer(change: i32) {
    let live = LIVE_TIMERS.with(|n| {
        n.set(n.get() + change);
        n.get()
    });
    if let Some(w) = web_sys::window() {
        let _ = js_sys::Reflect::set(&w, &"cobrowseLiveTimers".into(), &live.into());
    }
}

fn recording() -> bool {
    RECORDING.with(|cell| {
        let value = cell
            .get()
            .unwrap_or_else(|| debug::enabled() && debug::url_has("record=1"));
        cell.set(Some(value));
        value
    })
}

/// Keeps an opened frame's payload, inflated to its postcard bytes, when recording.
pub(crate) fn record(payload: &[u8]) {
    if !recording() {
        return;
    }
    let Ok(plain) = shared_protocol::payload::payload_plain(payload) else {
        return;
    };
    let Some(window) = web_sys::window() else {
        return;
    };
    let key = JsValue::from_str("cobrowseRecorded");
    let mut list = js_sys::Reflect::get(&window, &key).unwrap_or_default();
    if !js_sys::Array::is_array(&list) {
        list = js_sys::Array::new().into();
        let _ = js_sys::Reflect::set(&window, &key, &list);
    }
    list.unchecked_into::<js_sys::Array>()
        .push(&js_sys::Uint8Array::from(&plain[..]));
}

/// Keeps the console's last log line in `window.cobrowseLastLog`.
pub(crate) fn note_log(message: &str) {
    if let Some(w) = web_sys::window() {
        let _ = js_sys::Reflect::set(&w, &"cobrowseLastLog".into(), &message.into());
    }
}

/// `window.cobrowseCraft(kind, selector)`, for the console's life (one per console, not one
/// per join): sends to the current session, whatever the mode, a click (`"click"`) on the
/// view's element matching `selector`, or a write-mode request (`"request"`); `true` when it
/// was sent. The customer's browser must refuse what the mode does not allow. Removed from
/// `window` when dropped.
#[must_use = "the hook is removed when this is dropped"]
pub struct CraftHook {
    _hook: Closure<dyn Fn(String, String) -> bool>,
}

impl CraftHook {
    /// Installs the hook when the URL has `debug=1`; it acts on the session in `current`.
    pub(crate) fn install(current: Rc<RefCell<Option<CurrentSession>>>) -> Option<Self> {
        if !debug::enabled() {
            return None;
        }
        let hook = Closure::<dyn Fn(String, String) -> bool>::new(
            move |kind: String, selector: String| match current.borrow().as_ref() {
                Some(session) => craft(session, &kind, &selector),
                None => false,
            },
        );
        let window = web_sys::window()?;
        let _ = js_sys::Reflect::set(&window, &"cobrowseCraft".into(), hook.as_ref());
        Some(Self { _hook: hook })
    }
}

impl Drop for CraftHook {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            let _ = js_sys::Reflect::delete_property(&window, &"cobrowseCraft".into());
        }
    }
}

fn craft(session: &Session, kind: &str, selector: &str) -> bool {
    if kind == "request" {
        session.send_page(&AgentPageMsg::RequestWrite);
        return true;
    }
    let Some(doc) = session
        .frame
        .cast::<HtmlIFrameElement>()
        .and_then(|f| f.content_document())
    else {
        return false;
    };
    let Some(el) = doc.query_selector(selector).ok().flatten() else {
        return false;
    };
    let target = session
        .rebuilder
        .try_borrow()
        .ok()
        .and_then(|r| r.as_ref().and_then(|r| r.id_of(&el)));
    let r = el.get_bounding_client_rect();
    session.on_view_event(ViewEvent::Act {
        target,
        kind: ActionKind::Click {
            x: (r.left() + r.width() / 2.0) as i32,
            y: (r.top() + r.height() / 2.0) as i32,
        },
    });
    target.is_some()
}
