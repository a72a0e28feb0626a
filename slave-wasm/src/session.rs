//! One agent session on the console side: what it holds ([`Session`], shared by the
//! connection's handler, the view's input and the timers), the connection's events, and how it
//! ends. What it does lives beside it: the relay's messages in [`crate::session_relay`], the
//! customer's page frames and the pointers in [`crate::session_page`], the key exchange in
//! [`crate::session_keys`], numbering, heartbeats and reconnects in [`crate::session_link`],
//! the mode and write-mode actions in [`crate::session_control`].

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use shared_protocol::code_attempts::CodeAttempts;
use shared_protocol::exchange::Keys;
use shared_protocol::link::Link;
use shared_protocol::page_state::Unshown;
use shared_protocol::texts::ConsoleText;
use shared_protocol::transport::CLOSE_WEBSOCKET_AVAILABLE;
use shared_protocol::{AgentMsg, JoinCode};
use yew::prelude::*;

use crate::connection::{ConnEvent, Connection};
use crate::debug;
use crate::rebuild::Rebuilder;
use crate::session_tasks::SessionTasks;
use crate::settings::ConsoleSettings;
use crate::state::{Action, Console};
use crate::typing_hold::TypingHold;

/// Everything a connection's event handler needs.
#[derive(Clone)]
pub(crate) struct Session {
    pub(crate) dispatch: UseReducerDispatcher<Console>,
    /// This session's connection to the relay (each session has its own).
    pub(crate) conn: Rc<RefCell<Option<Connection>>>,
    /// Its heartbeat and reconnect timers.
    pub(crate) tasks: Rc<RefCell<SessionTasks>>,
    pub(crate) rebuilder: Rc<RefCell<Option<Rebuilder>>>,
    pub(crate) frame: NodeRef,
    /// The code as the agent typed it; its secret part keys the exchange.
    pub(crate) code: JoinCode,
    pub(crate) token: String,
    /// The key exchanges with the customer's browser, and their guard (the exchanges that
    /// failed for the whole session, and the proof a later one must carry once one verified).
    pub(crate) keys: Rc<RefCell<Keys>>,
    /// The failures each code's exchanges counted on this console page, all joins together:
    /// a join starts from its code's (see `shared_protocol::code_attempts`).
    pub(crate) attempts: Rc<RefCell<CodeAttempts>>,
    pub(crate) ended: Rc<Cell<bool>>,
    /// From `Joined`: lets a new connection take this agent's place after a drop.
    pub(crate) resume_token: Rc<Cell<Option<[u8; 16]>>>,
    /// The relay node that runs the session (`RelayMsg::Node`): reconnections ask for it.
    pub(crate) node: Rc<RefCell<Option<String>>>,
    /// From `Joined`: binds every key exchange to this session.
    pub(crate) session_id: Rc<Cell<[u8; 16]>>,
    /// The customer's write-mode consent while it lasts: shown back when the customer's next
    /// page starts in pointer mode, so write mode continues there.
    pub(crate) write_consent: Rc<Cell<Option<[u8; 16]>>>,
    /// The page's values of fields the agent is typing into, held back meanwhile.
    pub(crate) typing: Rc<RefCell<TypingHold>>,
    /// After a `Gap`: page frames are ignored until a fresh snapshot arrives.
    pub(crate) awaiting_snapshot: Rc<Cell<bool>>,
    /// The customer's pointer marker over the view.
    pub(crate) cursor: NodeRef,
    /// Numbering under the current keys, and the reliable frames kept for a resume.
    pub(crate) sent: Rc<RefCell<Link<AgentMsg>>>,
    pub(crate) reconnects: Rc<Cell<usize>>,
    /// The relay said it is restarting: the status says so while reconnecting.
    pub(crate) restarting: Rc<Cell<bool>>,
    /// How long recent page frames took to apply (µs), reported with the next heartbeat.
    pub(crate) render_micros: Rc<RefCell<Vec<u32>>>,
    /// The fidelity report as last shown.
    pub(crate) unshown: RefCell<Vec<Unshown>>,
    /// Texts and what the relay allows.
    pub(crate) settings: Rc<ConsoleSettings>,
}

pub(crate) fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

impl Session {
    pub(crate) fn on_event(&self, event: ConnEvent) {
        match event {
            ConnEvent::Opened(transport) => self.dispatch.dispatch(Action::OwnTransport(transport)),
            ConnEvent::Relay { seq, delivery, msg } => self.on_relay(delivery, seq, msg),
            ConnEvent::BadFrame(why) => {
                self.fail((self.settings).text(ConsoleText::BadFrame, &[("why", &why.to_string())]))
            }
            ConnEvent::Closed { code } => {
                if self.ended.get() || self.conn.borrow().is_none() {
                    return;
                }
                self.conn.borrow_mut().take();
                // Said once by a stopping relay; true until a resume succeeds.
                if code == shared_protocol::CLOSE_RESTARTING {
                    self.restarting.set(true);
                }
                if code == CLOSE_WEBSOCKET_AVAILABLE && self.resume_token.get().is_some() {
                    // Polling found the WebSocket working again: resume over it at once.
                    self.reopen();
                } else if self.resume_token.get().is_some() {
                    self.reconnect();
                } else {
                    self.fail("The connection to the co-browse server was lost.".into());
                }
            }
        }
    }

    pub(crate) fn send(&self, msg: AgentMsg) {
        if let Some(conn) = self.conn.borrow().as_ref() {
            conn.send_control(msg);
        }
    }

    pub(crate) fn fail(&self, why: String) {
        debug::log(&format!("failed: {why}"));
        self.stop();
        self.dispatch.dispatch(Action::Failed(why));
    }

    /// Over for this console: its connection closes and its timers stop (a pending reconnect
    /// too), so nothing of it acts on a later session.
    pub(crate) fn stop(&self) {
        self.ended.set(true);
        self.resume_token.set(None);
        self.tasks.borrow_mut().stop();
        self.conn.borrow_mut().take();
    }
}
