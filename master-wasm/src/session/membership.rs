//! This browser's membership of its session at the relay: the connection (see
//! [`Connection`]), the ticket that names the session (see [`Ticket`]) and whether this page
//! load continues one. It creates the session or takes it back on each new connection, resends
//! what the relay missed after a drop, and keeps what the tab's next page needs.

use shared_protocol::code::SECRET_SPACE;
use shared_protocol::key_guard::KeyGuard;
use shared_protocol::texts::WidgetText;
use shared_protocol::transport::Transport;
use shared_protocol::{CustomerMsg, JoinCode, PageInfo};
use wasm_bindgen::JsValue;

use super::connection::{Closed, Connection};
use super::describe_js;
use super::outbound::{Outbound, SharedOutbound};
use super::ticket::Ticket;
use crate::browser::{first_session_in_tab, random_below, window};
use crate::persist::Saved;
use crate::socket::SocketEvent;

pub struct Membership {
    out: SharedOutbound,
    conn: Connection,
    ticket: Ticket,
    /// This page load continues a session: the next resume is a reload (new keys).
    reloaded: bool,
}

/// Why the session cannot go on (the text the customer is shown).
pub type Broken = String;

impl Membership {
    pub fn new(relay_url: &str, out: SharedOutbound) -> Self {
        Self {
            out,
            conn: Connection::default(),
            ticket: Ticket::new(relay_url),
            reloaded: false,
        }
    }

    pub fn ticket(&self) -> &Ticket {
        &self.ticket
    }

    /// Takes the session of an earlier page of this tab back: same code, new keys.
    pub fn continue_saved(&mut self, saved: &Saved) {
        *self.out.borrow_mut() = Outbound::new(saved.guard.clone());
        self.out.borrow_mut().set_routing(saved.code.routing);
        self.ticket.continued(saved);
        self.reloaded = true;
    }

    pub fn open(&mut self, on_event: impl FnMut(SocketEvent) + 'static) -> Result<(), JsValue> {
        self.conn.open(&self.ticket, &self.out, on_event)
    }

    /// A new connection is open: create the session (`here` is this page), or take ours back.
    pub fn opened(&mut self, here: impl FnOnce() -> PageInfo) {
        self.conn.opened();
        let last_received = self.out.borrow().last_received();
        let msg = match self.ticket.resume(last_received, self.reloaded) {
            Some(resume) => CustomerMsg::Resume(resume),
            None => CustomerMsg::Create {
                page: here(),
                user_agent: window().navigator().user_agent().unwrap_or_default(),
                first_session: first_session_in_tab(),
            },
        };
        self.out.borrow().send_control(msg);
    }

    /// The connection closed; `None` when it was not the current one.
    pub fn closed(&mut self, code: u16, reason: String) -> Option<Closed> {
        if !self.out.borrow().has_socket() {
            return None;
        }
        self.out.borrow_mut().set_socket(None);
        Some(self.conn.closed(code, reason, self.ticket.resumable()))
    }

    /// See [`Connection::retry`].
    pub fn retry(
        &mut self,
        attempt: usize,
        restarting: bool,
        due: impl FnOnce() + 'static,
    ) -> Option<WidgetText> {
        self.conn.retry(attempt, restarting, due)
    }

    pub fn restarting(&self) -> bool {
        self.conn.restarting()
    }

    /// The relay created our session under the routing part `routing`; a random secret
    /// completes its code.
    pub fn created(
        &mut self,
        session_id: [u8; 16],
        routing: u32,
        resume_token: [u8; 16],
    ) -> Result<JoinCode, Broken> {
        let secret = random_below(SECRET_SPACE as u32)
            .map_err(|e| format!("No secure randomness: {}", describe_js(&e)))?;
        let code = JoinCode::new(routing, secret as u16)
            .ok_or_else(|| "The server sent an invalid session code.".to_string())?;
        self.out.borrow_mut().set_routing(routing);
        self.ticket.created(code, session_id, resume_token);
        self.conn.start_heartbeat(&self.out);
        Ok(code)
    }

    /// The relay took our session back: true when this was a page load's first connection
    /// (keys start over); otherwise what the relay missed is sent again.
    pub fn resumed(&mut self, last_received: u64, lost: bool) -> Result<bool, Broken> {
        self.conn.resumed();
        if std::mem::take(&mut self.reloaded) {
            self.conn.start_heartbeat(&self.out);
            return Ok(true);
        }
        let mut out = self.out.borrow_mut();
        if out.resend_after(last_received).is_err() {
            return Err("the connection was lost too long.".into());
        }
        if lost {
            out.accept_gap();
        }
        Ok(false)
    }

    /// How this browser reaches the relay now, once the connection is open.
    pub fn open_transport(&self) -> Option<Transport> {
        self.conn.open_transport()
    }

    /// The relay named the node that runs the session: the next connections ask for it.
    pub fn set_node(&mut self, node: String, write_consent: Option<[u8; 16]>) {
        if self.ticket.set_node(node) {
            self.save(write_consent);
        }
    }

    /// Keeps what a page load of this tab needs to continue the session.
    pub fn save(&self, write_consent: Option<[u8; 16]>) {
        let guard = self.out.borrow().keys().guard().clone();
        self.ticket.save(&guard, write_consent);
    }

    /// The page is going away while in a session: say so before the socket closes.
    pub fn leaving(&self) {
        if self.ticket.resumable() {
            self.out.borrow().send_control(CustomerMsg::Leaving);
        }
    }

    /// Out of the session: no socket, no keys (the next session on this page keys with its
    /// own agent from scratch), nothing kept for the next page.
    pub fn end(&mut self) {
        *self.out.borrow_mut() = Outbound::new(KeyGuard::default());
        self.ticket.clear();
        self.conn.stop();
        self.reloaded = false;
        Saved::clear();
    }
}
