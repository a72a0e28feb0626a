//! What the customer sees of the session, all of it from here: the widget's views (idle,
//! confirming, connecting, the code with a status line, ended), the status line to go back to
//! after a reconnect, the mode, and the agent's pointer and typing. (The legend of hidden fields
//! follows what the page stream pushes: see `page::ToAgent`.) The page API's events (code
//! shown, agent joined, mode changed, write mode requested, ended) are pushed from here into
//! the [`Notify`] the session was given, with the state they leave
//! ([`shared_protocol::page_api`]).

use std::cell::RefCell;
use std::rc::Rc;

use shared_protocol::agent_control::Mode;
use shared_protocol::page::Pointer;
use shared_protocol::page_api::{ApiEvent, ApiState, EndCause};
use shared_protocol::texts::{Texts, WidgetText};
use shared_protocol::JoinCode;
use web_sys::Element;

use crate::widget::{View, Widget};

/// The mounted widget, shared with the page stream's sink.
pub type SharedWidget = Rc<RefCell<Widget>>;

/// Where the page API's events go, with the state each leaves.
pub type Notify = Rc<dyn Fn(&ApiEvent, &ApiState)>;

pub struct Screen {
    widget: Option<SharedWidget>,
    texts: Texts<WidgetText>,
    /// The language of `texts`: its plural rule picks counted texts' forms.
    lang: String,
    /// The session's code while there is one: the session views show it.
    code: Option<String>,
    /// The status line to go back to once a dropped connection is resumed.
    status: String,
    /// What the page API says the session is, and where its events go.
    /// (A cell: the mode is told through shared references, as the widget is.)
    api: RefCell<ApiState>,
    notify: Notify,
}

impl Screen {
    pub fn new(texts: Texts<WidgetText>, lang: String, notify: Notify) -> Self {
        Self {
            widget: None,
            texts,
            lang,
            code: None,
            status: String::new(),
            api: RefCell::default(),
            notify,
        }
    }

    /// The session as the page API tells it.
    pub fn api_state(&self) -> ApiState {
        self.api.borrow().clone()
    }

    fn emit(&self, event: ApiEvent) {
        let state = {
            let mut api = self.api.borrow_mut();
            api.apply(&event);
            api.clone()
        };
        (self.notify)(&event, &state);
    }

    /// The customer agreed: the session is being created.
    pub fn connecting(&mut self) {
        self.api.borrow_mut().starting();
        self.show(View::Connecting);
    }

    /// The customer declined at the consent question (no session was created).
    pub fn declined(&self) {
        self.show(View::Idle);
        self.emit(ApiEvent::Ended {
            cause: EndCause::Declined,
            message: String::new(),
        });
    }

    /// An agent proved it has the code: it sees the page from now on.
    pub fn agent_joined(&self) {
        self.emit(ApiEvent::AgentJoined);
    }

    /// The agent is gone before it could see the page: the session waits again.
    pub fn agent_lost(&self) {
        self.api.borrow_mut().agent_lost();
    }

    /// This page is being left while in a session.
    pub fn navigating(&self) {
        if self.api.borrow().in_session() {
            self.emit(ApiEvent::Navigating);
        }
    }

    pub fn attach(&mut self, widget: Widget) {
        self.widget = Some(Rc::new(RefCell::new(widget)));
    }

    /// Whether the built-in widget asks the customer's consent (it is shown).
    pub fn asks_consent(&self) -> bool {
        self.widget.as_ref().is_some_and(|w| w.borrow().has_ui())
    }

    pub fn widget(&self) -> Option<SharedWidget> {
        self.widget.clone()
    }

    /// The configured text for `key`, with `{name}`s filled in.
    pub fn text(&self, key: WidgetText, values: &[(&str, &str)]) -> String {
        self.texts.fill(key, values)
    }

    pub fn show(&self, view: View) {
        if let Some(w) = &self.widget {
            w.borrow().show(&view);
        }
    }

    /// The session's code: the session views show it grouped for reading out, the page API
    /// hears its digits.
    pub fn set_code(&mut self, code: JoinCode) {
        self.code = Some(code.to_string());
        self.emit(ApiEvent::Code {
            code: code.digits(),
        });
    }

    /// Shows the session with the status `key` says, the one to return to after a reconnect.
    pub fn session(&mut self, key: WidgetText, values: &[(&str, &str)]) {
        self.status = self.text(key, values);
        self.show_status(&self.status);
    }

    /// [`Screen::session`] with a counted text (`{attempts}`): its one or other form as the
    /// customer's language says the count.
    pub fn session_counted(&mut self, keys: (WidgetText, WidgetText), attempts: u64) {
        self.status = self
            .texts
            .fill_count(keys, &self.lang, "attempts", attempts);
        self.show_status(&self.status);
    }

    /// Shows the session's status again (resumed, or the agent is back).
    pub fn restore(&self) {
        self.show_status(&self.status);
    }

    /// Shows `key` as the status for now, without making it the one to return to.
    pub fn passing(&self, key: WidgetText) {
        self.show_status(&self.text(key, &[]));
    }

    fn show_status(&self, status: &str) {
        if let Some(code) = &self.code {
            self.show(View::Session {
                code: code.clone(),
                status: status.into(),
            });
        }
    }

    /// The session is over: no legend, no code, and why.
    pub fn ended(&mut self, cause: EndCause, message: String) {
        if let Some(w) = &self.widget {
            w.borrow().show_hidden_fields("", 0);
        }
        self.code = None;
        self.show(View::Ended {
            message: message.clone(),
        });
        self.emit(ApiEvent::Ended { cause, message });
    }

    /// The mode now, and whether the customer is being asked for write mode.
    pub fn mode(&self, mode: Mode, asking: bool) {
        if let Some(w) = &self.widget {
            w.borrow().show_mode(mode, asking);
        }
        self.tell_mode(mode, asking);
    }

    /// The mode changed: in pointer mode the agent types nowhere.
    pub fn mode_changed(&self, mode: Mode, asking: bool) {
        if let Some(w) = &self.widget {
            let mut w = w.borrow_mut();
            w.show_mode(mode, asking);
            if mode == Mode::Pointer {
                w.hide_agent_typing();
            }
        }
        self.tell_mode(mode, asking);
    }

    /// The page API hears of a new question and of a mode that differs from the last it heard.
    fn tell_mode(&self, mode: Mode, asking: bool) {
        let was = self.api_state();
        if asking && !was.write_requested {
            self.emit(ApiEvent::WriteModeRequested);
        } else if !asking {
            self.api.borrow_mut().answered();
        }
        if mode != was.mode {
            self.emit(ApiEvent::ModeChanged { mode });
        }
    }

    pub fn agent_pointer(&self, pointer: Pointer) {
        if let Some(w) = &self.widget {
            w.borrow_mut().show_agent_pointer(pointer);
        }
    }

    pub fn agent_typing(&self, field: &Element) {
        if let Some(w) = &self.widget {
            w.borrow_mut().show_agent_typing(field);
        }
    }
}
