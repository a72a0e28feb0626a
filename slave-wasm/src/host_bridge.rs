//! The console inside an agent desktop (`shared_protocol::desktop` has the messages): a
//! `message` listener that takes the desktop's commands, only from the console's parent window
//! and only from an origin of the relay's `console_frame_ancestors` (the `hostOrigins`
//! setting), and posts the console's events back to those origins. [`use_desktop`] wires it
//! into the console: commands act as the console's own controls do, and each change of the
//! session's status and mode is posted.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Object, Reflect};
use shared_protocol::agent_control::Mode;
use shared_protocol::desktop::{check_origin, ConsoleEvent, DesktopError, DesktopMsg};
use shared_protocol::{AgentMsg, EndReason};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::MessageEvent;
use yew::prelude::*;

use crate::debug;
use crate::session_tasks::CurrentSession;
use crate::state::{Action, Console, Status};

/// The listener for the desktop's messages; removed when dropped.
#[must_use = "the console stops listening to the desktop when this is dropped"]
pub struct HostBridge {
    hosts: Vec<String>,
    on_message: Closure<dyn FnMut(MessageEvent)>,
}

impl HostBridge {
    /// Listens when the console is framed and `hosts` names at least one desktop origin; each
    /// valid command goes to `act`.
    pub fn install(hosts: Vec<String>, act: impl Fn(DesktopMsg) + 'static) -> Option<Self> {
        let window = web_sys::window()?;
        let parent = window.parent().ok().flatten()?;
        if hosts.is_empty() || JsValue::from(&parent) == JsValue::from(&window) {
            return None;
        }
        let allowed = hosts.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            // Another window of the desktop's origin (a popup it opened) is not the desktop.
            if e.source().map(JsValue::from) != Some(JsValue::from(&parent)) {
                return;
            }
            match read(&e, &allowed) {
                Ok(msg) => act(msg),
                Err(why) => debug::log(&format!("desktop: ignored {why}")),
            }
        });
        window
            .add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref())
            .ok()?;
        let bridge = Self { hosts, on_message };
        bridge.post(&ConsoleEvent::Ready);
        Some(bridge)
    }

    /// Posts `event` to the parent window, for each desktop origin (the browser delivers it
    /// only when the parent's origin is that one).
    pub fn post(&self, event: &ConsoleEvent) {
        let Some(parent) = web_sys::window().and_then(|w| w.parent().ok().flatten()) else {
            return;
        };
        let message = Object::new();
        let _ = Reflect::set(&message, &"type".into(), &event.kind().into());
        for (name, value) in event.fields() {
            let _ = Reflect::set(&message, &name.into(), &value.into());
        }
        for host in &self.hosts {
            let _ = parent.post_message(&message, host.trim_end_matches('/'));
        }
    }
}

impl Drop for HostBridge {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            let _ = window.remove_event_listener_with_callback(
                "message",
                self.on_message.as_ref().unchecked_ref(),
            );
        }
    }
}

/// The desktop's message, if its origin is allowed and it is one.
fn read(e: &MessageEvent, hosts: &[String]) -> Result<DesktopMsg, DesktopError> {
    check_origin(&e.origin(), hosts)?;
    let data = e.data();
    let field = |name: &str| {
        Reflect::get(&data, &name.into())
            .ok()
            .and_then(|v| v.as_string())
    };
    let kind = field("type").unwrap_or_default();
    DesktopMsg::parse(&kind, field("code"), field("token"))
}

/// The console's side of an agent desktop: takes the desktop's commands (when the relay names
/// desktops and the console is framed) and posts what changes.
#[hook]
pub fn use_desktop(
    hosts: Vec<String>,
    console: UseReducerHandle<Console>,
    current: Rc<RefCell<Option<CurrentSession>>>,
    on_join: Callback<(String, String)>,
) {
    // The latest join callback (a new one each render) and the desktop's token.
    let join = use_mut_ref(|| on_join.clone());
    *join.borrow_mut() = on_join;
    let bridge = use_mut_ref({
        let (join, dispatch, current) = (join.clone(), console.dispatcher(), current.clone());
        let token = Rc::new(RefCell::new(None::<String>));
        move || {
            HostBridge::install(hosts, move |msg| match msg {
                DesktopMsg::Token(t) => {
                    *token.borrow_mut() = Some(t.clone());
                    dispatch.dispatch(Action::Token(t));
                }
                DesktopMsg::Join { code, token: given } => {
                    let t = given.or_else(|| token.borrow().clone()).unwrap_or_default();
                    if let Some(given) = (!t.is_empty()).then(|| t.clone()) {
                        *token.borrow_mut() = Some(given);
                    }
                    join.borrow().emit((code, t));
                }
                DesktopMsg::End => {
                    if let Some(s) = current.borrow().as_ref() {
                        s.send(AgentMsg::Exit);
                    }
                }
                DesktopMsg::RequestWrite => {
                    if let Some(s) = current.borrow().as_ref() {
                        s.request_write();
                    }
                }
            })
        }
    });
    // What the desktop is told: each change of status, mode and notice.
    let seen = use_mut_ref(Seen::default);
    let now = Seen {
        status: console.status.clone(),
        mode: console.mode,
        notice: console.notice.clone(),
        notices: console.notices,
        end_reason: console.end_reason,
    };
    use_effect_with(now, move |now| {
        let bridge = bridge.borrow();
        let Some(bridge) = bridge.as_ref() else {
            return;
        };
        let code = current.borrow().as_ref().map(|s| s.code.to_string());
        let before = std::mem::replace(&mut *seen.borrow_mut(), now.clone());
        for event in events(&before, now, code) {
            bridge.post(&event);
        }
    });
}

/// What the desktop has been told of.
#[derive(Clone, PartialEq, Default)]
struct Seen {
    status: Status,
    mode: Mode,
    notice: Option<String>,
    /// [`crate::state::Console::notices`]: a new notice, even with the last one's text.
    notices: u32,
    end_reason: Option<EndReason>,
}

/// The events that tell the desktop how `before` became `now` (`code`: the session's).
fn events(before: &Seen, now: &Seen, code: Option<String>) -> Vec<ConsoleEvent> {
    let mut out = Vec::new();
    let in_session = |s: &Status| {
        matches!(
            s,
            Status::Verifying | Status::WaitingForPage | Status::Viewing
        )
    };
    if in_session(&now.status) && !in_session(&before.status) {
        out.push(ConsoleEvent::Joined {
            code: code.unwrap_or_default(),
        });
    }
    if now.mode != before.mode {
        out.push(ConsoleEvent::ModeChanged(now.mode));
    }
    if now.status != before.status {
        match &now.status {
            Status::Ended(why) => out.push(ConsoleEvent::Ended {
                reason: why.as_str().into(),
                text: why.describe().into(),
            }),
            Status::Failed(text) => out.push(ConsoleEvent::Notice(text.clone())),
            _ => {}
        }
    }
    if let (Some(text), true) = (&now.notice, now.notices != before.notices) {
        out.push(ConsoleEvent::Notice(text.clone()));
    }
    out
}
