//! The page API's bridge to JavaScript: [`Controls`], what the loader's `window.cobrowse` (and
//! the npm package) call into, and the events as plain objects for their listeners. The API
//! itself (promises, `on` / `off`, the `cobrowse:ready` event) is the loader's, a thin layer
//! over this; what the session does and the state it is in are decided in the session and in
//! [`shared_protocol::page_api`].
//!
//! An event object: `{ type, state }` plus the event's own fields: `code` (`code`), `mode`
//! (`modeChanged`: `pointer` or `write`), `reason` and `message` (`ended`). `state` is what
//! `state()` answers after the event: `{ state: 'idle' | 'waiting' | 'active', code, mode,
//! writeModeRequested }`.

use std::rc::Rc;

use js_sys::{Function, Object, Reflect};
use shared_protocol::agent_control::Mode;
use shared_protocol::page_api::{ApiEvent, ApiState};
use wasm_bindgen::prelude::*;

use crate::session::{ApiCall, Handle, Notify};

/// The installed session's controls, handed to the loader by [`crate::start`].
#[wasm_bindgen]
pub struct Controls(Handle);

#[wasm_bindgen]
impl Controls {
    /// Starts a session (a no-op while one is underway). `confirmed`: the page asked the
    /// customer itself; otherwise the widget asks (an error when its UI is off).
    pub fn start(&self, confirmed: bool) -> Result<(), JsError> {
        self.call(ApiCall::Start { confirmed })
    }

    /// Ends the session, as the widget's exit button does.
    pub fn exit(&self) -> Result<(), JsError> {
        self.call(ApiCall::Exit)
    }

    /// The customer's answer to the agent's request for write mode (an error when none waits).
    #[wasm_bindgen(js_name = answerWrite)]
    pub fn answer_write(&self, allow: bool) -> Result<(), JsError> {
        self.call(ApiCall::AnswerWrite(allow))
    }

    /// `{ state, code, mode, writeModeRequested }` now.
    pub fn state(&self) -> JsValue {
        state_object(&self.0.state()).into()
    }
}

impl Controls {
    pub fn new(handle: Handle) -> Self {
        Self(handle)
    }

    fn call(&self, call: ApiCall) -> Result<(), JsError> {
        self.0.call(call).map_err(|why| JsError::new(&why))
    }
}

/// A [`Notify`] that hands each event to `listener` as an object, on a later microtask: the
/// session is never inside its own work when the page's code runs (and may call back in).
pub fn notify_js(listener: Option<Function>) -> Notify {
    Rc::new(move |event, state| {
        let Some(listener) = listener.clone() else {
            return;
        };
        let object = event_object(event, state);
        wasm_bindgen_futures::spawn_local(async move {
            // What the listener throws is the page's (the loader catches its own listeners').
            let _ = listener.call1(&JsValue::NULL, &object);
        });
    })
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Pointer => "pointer",
        Mode::Write => "write",
    }
}

fn set(object: &Object, key: &str, value: JsValue) {
    // Setting a data property on a fresh plain object cannot fail.
    let _ = Reflect::set(object, &key.into(), &value);
}

fn state_object(state: &ApiState) -> Object {
    let object = Object::new();
    set(&object, "state", state.phase.name().into());
    let code = state.code.as_deref().map_or(JsValue::NULL, JsValue::from);
    set(&object, "code", code);
    set(&object, "mode", mode_name(state.mode).into());
    set(&object, "writeModeRequested", state.write_requested.into());
    object
}

fn event_object(event: &ApiEvent, state: &ApiState) -> JsValue {
    let object = Object::new();
    set(&object, "type", event.name().into());
    match event {
        ApiEvent::Code { code } => set(&object, "code", code.as_str().into()),
        ApiEvent::ModeChanged { mode } => set(&object, "mode", mode_name(*mode).into()),
        ApiEvent::Ended { cause, message } => {
            set(&object, "reason", cause.name().into());
            set(&object, "message", message.as_str().into());
        }
        ApiEvent::AgentJoined | ApiEvent::WriteModeRequested | ApiEvent::Navigating => {}
    }
    set(&object, "state", state_object(state).into());
    object.into()
}
