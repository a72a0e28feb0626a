//! What the agent sees, as one state changed only through [`Action`]s: the session's status,
//! the customer's viewport and page, the mode, and passing notices.

use shared_protocol::texts::ConsoleText;
use std::rc::Rc;

use shared_protocol::agent_control::Mode;
use shared_protocol::page::Viewport;
use shared_protocol::page_state::Unshown;
use shared_protocol::transport::Transport;
use shared_protocol::ui_settings::Theme;
use shared_protocol::visual_viewport::VisualViewport;
use shared_protocol::EndReason;
use yew::prelude::*;

use crate::settings::ConsoleSettings;

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Status {
    #[default]
    Idle,
    Joining,
    /// In the session; the two browsers are checking the code.
    Verifying,
    WaitingForPage,
    Viewing,
    Ended(EndReason),
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Console {
    pub token: Option<String>,
    pub status: Status,
    pub viewport: Option<Viewport>,
    /// The customer's page address (for the navigation bar).
    pub page_url: String,
    /// A passing interruption (a dropped connection) shown over the status.
    pub note: Option<String>,
    pub mode: Mode,
    /// Write mode was requested and the customer has not answered.
    pub asking: bool,
    /// The last answer or refusal from the customer's browser.
    pub notice: Option<String>,
    /// Notices given so far: the same refusal twice is two notices (never told apart by text).
    pub notices: u32,
    pub theme: Theme,
    /// Snapshots shown so far (the view's document may be re-opened by one).
    pub snapshots: u32,
    /// What the view cannot show of the page, and why (the fidelity report).
    pub unshown: Vec<Unshown>,
    /// How this console and the customer's browser reach the relay (WebSockets or polling).
    pub own_transport: Option<Transport>,
    pub customer_transport: Option<Transport>,
    /// The part of the page the customer sees when it is not all of it (a phone's pinch zoom
    /// or on-screen keyboard), outlined over the view.
    pub customer_visual: Option<VisualViewport>,
    /// Why the last session ended, when the relay ended it.
    pub end_reason: Option<EndReason>,
}

pub enum Action {
    Joining,
    Joined,
    Verified,
    PageShown {
        viewport: Viewport,
        url: String,
    },
    Resized(Viewport),
    /// The relay ended the session, for this reason.
    Ended(EndReason),
    Failed(String),
    Interrupted(String),
    Restored,
    Asking,
    /// The customer's browser says the mode is `mode` now; `notice` says why, if worth saying.
    Mode {
        mode: Mode,
        notice: Option<String>,
    },
    Notice(String),
    Theme(Theme),
    /// The fidelity report changed.
    Unshown(Vec<Unshown>),
    /// The agent's token, from an agent desktop (`crate::host_bridge`).
    Token(String),
    /// This console's connection opened by this transport.
    OwnTransport(Transport),
    /// The customer's browser says how it reaches the relay.
    CustomerTransport(Transport),
    /// The customer's browser says which part of the page the customer sees.
    CustomerVisual(Option<VisualViewport>),
}

impl Console {
    pub fn new(token: Option<String>, theme: Theme) -> Self {
        Self {
            token,
            status: Status::Idle,
            viewport: None,
            page_url: String::new(),
            note: None,
            mode: Mode::Pointer,
            asking: false,
            notice: None,
            notices: 0,
            theme,
            snapshots: 0,
            unshown: Vec::new(),
            own_transport: None,
            customer_transport: None,
            customer_visual: None,
            end_reason: None,
        }
    }
}

impl Reducible for Console {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Joining => {
                next.status = Status::Joining;
                next.end_reason = None;
            }
            Action::Joined => next.status = Status::Verifying,
            Action::Verified => next.status = Status::WaitingForPage,
            Action::PageShown { viewport, url } => {
                next.status = Status::Viewing;
                next.viewport = Some(viewport);
                next.page_url = url;
                next.note = None;
                next.snapshots += 1;
            }
            Action::Ended(reason) => {
                next.status = Status::Ended(reason);
                next.end_reason = Some(reason);
                next.leave();
            }
            Action::Failed(why) => {
                next.status = Status::Failed(why);
                next.leave();
            }
            Action::Resized(vp) => next.viewport = Some(vp),
            Action::Interrupted(why) => next.note = Some(why),
            Action::Restored => next.note = None,
            Action::OwnTransport(t) => next.own_transport = Some(t),
            Action::CustomerTransport(t) => next.customer_transport = Some(t),
            Action::CustomerVisual(v) => next.customer_visual = v,
            Action::Asking => next.asking = true,
            Action::Mode { mode, notice } => {
                next.mode = mode;
                next.asking = false;
                if notice.is_some() {
                    next.notice = notice;
                    next.notices += 1;
                }
            }
            Action::Notice(text) => {
                next.notice = Some(text);
                next.notices += 1;
            }
            Action::Theme(theme) => next.theme = theme,
            Action::Unshown(list) => next.unshown = list,
            Action::Token(token) => next.token = Some(token),
        }
        Rc::new(next)
    }
}

impl Console {
    /// Out of the session: back to pointer mode, nothing pending.
    fn leave(&mut self) {
        self.note = None;
        self.mode = Mode::Pointer;
        self.asking = false;
        self.notice = None;
        self.unshown.clear();
        self.customer_transport = None;
        self.customer_visual = None;
    }

    pub fn in_session(&self) -> bool {
        matches!(
            self.status,
            Status::Joining | Status::Verifying | Status::WaitingForPage | Status::Viewing
        )
    }

    /// Which way each side reaches the relay, in words.
    pub fn transport_text(&self, s: &ConsoleSettings) -> String {
        let word = |t: Option<Transport>| s.text(transport_key(t), &[]);
        s.text(
            ConsoleText::Transport,
            &[
                ("own", &word(self.own_transport)),
                ("customer", &word(self.customer_transport)),
            ],
        )
    }

    pub fn status_text(&self, s: &ConsoleSettings) -> String {
        if let Some(note) = &self.note {
            return note.clone();
        }
        match &self.status {
            Status::Idle => s.text(ConsoleText::Idle, &[]),
            Status::Joining => s.text(ConsoleText::Joining, &[]),
            Status::Verifying => s.text(ConsoleText::Verifying, &[]),
            Status::WaitingForPage => s.text(ConsoleText::WaitingPage, &[]),
            Status::Viewing => s.text(ConsoleText::Connected, &[]),
            Status::Ended(why) => {
                let reason = s.text(ConsoleText::reason(*why), &[]);
                s.text(ConsoleText::Ended, &[("reason", &reason)])
            }
            Status::Failed(why) => why.clone(),
        }
    }
}

fn transport_key(t: Option<Transport>) -> ConsoleText {
    match t {
        Some(Transport::WebSocket) => ConsoleText::TransportWebsocket,
        Some(Transport::Polling) => ConsoleText::TransportPolling,
        None => ConsoleText::TransportUnknown,
    }
}

/// The transport as the page's `data-` attributes name it (for tests and styles, never shown).
pub fn transport_attr(t: Option<Transport>) -> &'static str {
    match t {
        Some(Transport::WebSocket) => "websocket",
        Some(Transport::Polling) => "polling",
        None => "",
    }
}
