//! Co-browse in a Rust single-page app (Yew, Leptos, …) that links this crate: [`start`] with
//! typed [`Settings`] mounts the widget (hidden with `ui: false`) and gives a [`Session`] to
//! drive from the app's own UI, with the session's events ([`ApiEvent`]) and state
//! ([`ApiState`]) as the page API's (`window.cobrowse`) are. Nothing global is replaced: no
//! panic hook unless the app calls [`report_panics`], and no `window._cobrowse` is read.
//!
//! ```no_run
//! use master_wasm::embed::{self, ApiEvent, Settings};
//!
//! wasm_bindgen_futures::spawn_local(async {
//!     let settings = Settings {
//!         relay_url: "https://cobrowse.example.com".into(),
//!         ui: false,
//!         ..Settings::default()
//!     };
//!     let session = embed::start(settings).await.expect("co-browse starts");
//!     session.on_event(|event, _state| {
//!         if let ApiEvent::Code { code } = event {
//!             web_sys::console::log_1(&format!("read {code} to the agent").into());
//!         }
//!     });
//!     // After the app asked the customer in its own words:
//!     session.start(true).expect("a session starts");
//! });
//! ```

#![warn(missing_docs)]

use std::cell::RefCell;
use std::rc::Rc;

use serde::Deserialize;
use wasm_bindgen::JsValue;

pub use shared_protocol::agent_control::Mode;
pub use shared_protocol::ends::EndReason;
pub use shared_protocol::page_api::{ApiEvent, ApiState, EndCause, Phase};
pub use shared_protocol::privacy::PrivacyRules;

use crate::session::{self, ApiCall, Handle, Notify};

/// What the app says about co-browse on its pages (the page options of the snippet, typed).
/// Deserializes from the same camelCase keys (`relayUrl`, `ui`, `debug`, `privacy`); a key it
/// does not know is an error.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    /// The relay's base URL, `http(s)://host[:port][/prefix]`.
    pub relay_url: String,
    /// Shows the built-in widget (button, consent, code, status, write-mode question).
    /// Default `true`; with `false` the app draws its own from the events. The agent's pointer,
    /// the frame of the field the agent fills and masked fields' outlines show either way.
    pub ui: bool,
    /// Logs to the browser's console. Default `false`.
    pub debug: bool,
    /// The app's own privacy rules, added to the relay's (see the README's "Privacy").
    pub privacy: PrivacyRules,
    /// The customer's language (a BCP 47 tag); `None`: the page's `lang`, else the browser's.
    pub locale: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            relay_url: String::new(),
            ui: true,
            debug: false,
            privacy: PrivacyRules::default(),
            locale: None,
        }
    }
}

/// Why co-browse could not be set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartError {
    /// [`Settings::relay_url`] is not an `http(s)://` URL.
    BadRelayUrl(String),
    /// The relay's `cobrowse.json` could not be fetched (network, CORS).
    Unreachable(String),
    /// The relay answered `cobrowse.json` with this HTTP status.
    Refused(u16),
    /// The relay's answer is not the settings the module needs.
    BadAnswer(String),
    /// This page is in a frame: co-browsing is the top page's.
    InFrame,
    /// The widget could not be mounted (no `<body>` yet, say).
    Mount(String),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::BadRelayUrl(url) => write!(f, "the relay URL {url:?} is not http(s)"),
            StartError::Unreachable(why) => write!(f, "the relay cannot be reached: {why}"),
            StartError::Refused(status) => write!(f, "the relay answered {status}"),
            StartError::BadAnswer(why) => write!(f, "the relay's settings are unreadable: {why}"),
            StartError::InFrame => write!(f, "co-browsing is the top page's (this is a frame)"),
            StartError::Mount(why) => write!(f, "the widget cannot be mounted: {why}"),
        }
    }
}

impl std::error::Error for StartError {}

/// Why a [`Session`] call did nothing (the call was not valid now, e.g. an answer to a request
/// for write mode that is not waiting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError(pub String);

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CallError {}

type Listener = Rc<dyn Fn(&ApiEvent, &ApiState)>;

/// Co-browse on this page: start a session, end it, answer the agent, hear what happens.
/// Cloning gives another handle to the same session.
#[derive(Clone)]
pub struct Session {
    handle: Handle,
    listeners: Rc<RefCell<Vec<Listener>>>,
}

impl Session {
    /// Starts a session (a no-op while one is underway). `confirmed`: the app asked the customer
    /// itself; `false` lets the widget ask (an error when its UI is off). The code comes as
    /// [`ApiEvent::Code`].
    pub fn start(&self, confirmed: bool) -> Result<(), CallError> {
        self.call(ApiCall::Start { confirmed })
    }

    /// Ends the session ([`ApiEvent::Ended`] with [`EndReason::CustomerExit`] follows).
    pub fn exit(&self) -> Result<(), CallError> {
        self.call(ApiCall::Exit)
    }

    /// The customer's answer to [`ApiEvent::WriteModeRequested`].
    pub fn answer_write(&self, allow: bool) -> Result<(), CallError> {
        self.call(ApiCall::AnswerWrite(allow))
    }

    /// The session now.
    pub fn state(&self) -> ApiState {
        self.handle.state()
    }

    /// Calls `listener` with every event from now on, with the state it leaves. Listeners run on
    /// a later microtask than the session's own work, so they may call the session back.
    pub fn on_event(&self, listener: impl Fn(&ApiEvent, &ApiState) + 'static) {
        self.listeners.borrow_mut().push(Rc::new(listener));
    }

    fn call(&self, call: ApiCall) -> Result<(), CallError> {
        self.handle.call(call).map_err(CallError)
    }
}

/// Sets co-browse up on this page: fetches the relay's widget settings (`cobrowse.json`),
/// mounts the widget and continues a session of this tab after a page load. Once per page: a
/// second call gives the first session back.
pub async fn start(settings: Settings) -> Result<Session, StartError> {
    let relay = settings.relay_url.trim_end_matches('/').to_string();
    if !(relay.starts_with("http://") || relay.starts_with("https://")) {
        return Err(StartError::BadRelayUrl(settings.relay_url));
    }
    if crate::in_frame() {
        return Err(StartError::InFrame);
    }
    let locale = settings.locale.clone().unwrap_or_else(page_language);
    let widget = relay_settings(&relay, &locale).await?;
    crate::options::use_typed(settings.debug, settings.privacy);
    crate::debug::init();
    let listeners: Rc<RefCell<Vec<Listener>>> = Rc::default();
    let heard = listeners.clone();
    let notify: Notify = Rc::new(move |event, state| {
        let (event, state, heard) = (event.clone(), state.clone(), heard.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let now: Vec<Listener> = heard.borrow().clone();
            for listener in now {
                listener(&event, &state);
            }
        });
    });
    let handle = session::install(&relay, widget, settings.ui, notify)
        .map_err(|e| StartError::Mount(crate::session::describe_js(&e)))?;
    Ok(Session { handle, listeners })
}

/// Reports panics as the snippet does (a `cobrowse:error` event with context `panic`), by
/// replacing the panic hook: only when the app wants that for its whole module.
pub fn report_panics() {
    crate::errors::install_panic_hook();
}

/// The page's language (`<html lang>`), else the browser's.
fn page_language() -> String {
    let window = crate::browser::window();
    window
        .document()
        .and_then(|d| d.document_element())
        .and_then(|e| e.get_attribute("lang"))
        .filter(|l| !l.is_empty())
        .or_else(|| window.navigator().language())
        .unwrap_or_default()
}

/// The relay's settings for the widget in `locale`, from its `cobrowse.json`.
async fn relay_settings(
    relay: &str,
    locale: &str,
) -> Result<crate::settings::Settings, StartError> {
    let url = format!(
        "{relay}/cobrowse.json?locale={}",
        js_sys::encode_uri_component(locale)
    );
    let answer = shared_web::fetch::Request {
        method: "GET",
        url: &url,
        headers: &[],
        body: None,
        signal: None,
        keepalive: false,
        answer_header: None,
    }
    .send()
    .await
    .map_err(|e| StartError::Unreachable(crate::session::describe_js(&e)))?;
    if answer.status != 200 {
        return Err(StartError::Refused(answer.status));
    }
    let text =
        String::from_utf8(answer.body).map_err(|_| StartError::BadAnswer("not UTF-8".into()))?;
    let boot = js_sys::JSON::parse(&text)
        .map_err(|e| StartError::BadAnswer(crate::session::describe_js(&e)))?;
    let widget = js_sys::Reflect::get(&boot, &"settings".into()).unwrap_or(JsValue::UNDEFINED);
    if !widget.is_object() {
        return Err(StartError::BadAnswer("no settings".into()));
    }
    Ok(crate::settings::Settings::read(&widget))
}
