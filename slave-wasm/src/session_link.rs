//! The console's link to the relay: sealed frames numbered per key exchange and kept for a
//! resend (the shared `shared_protocol::link`), heartbeats that carry render latency, and
//! reconnect-and-resume after a drop. Their timers are the session's own
//! ([`crate::session_tasks`]).

use shared_protocol::exchange::Channel;
use shared_protocol::link::{reconnect_delay_ms, TooFarBehind};
use shared_protocol::texts::ConsoleText;
use shared_protocol::{AgentMsg, Delivery, Resume, HEARTBEAT_INTERVAL_SECS};

use yew::Callback;

use crate::connection::Connection;
use crate::session::Session;
use crate::state::Action;

/// Sent frames kept for a resume (the agent sends few: resync requests and actions).
pub(crate) const KEEP_FRAMES: usize = 64;

impl Session {
    /// Seals a page message for the customer and keeps it until a resume confirms delivery.
    pub(crate) fn send_sealed(&self, plaintext: &[u8]) {
        self.send_sealed_as(Delivery::Reliable, plaintext);
    }

    /// Seals `plaintext` under the next sequence number of `delivery` (the shared link keeps a
    /// reliable one for a resume) and sends it if connected.
    pub(crate) fn send_sealed_as(&self, delivery: Delivery, plaintext: &[u8]) {
        let keys = self.keys.borrow();
        let Some(Channel { sealer, .. }) = keys.channel() else {
            return;
        };
        let frame = self
            .sent
            .borrow_mut()
            .seal(sealer, delivery, plaintext, AgentMsg::Sealed);
        if let Some(conn) = self.conn.borrow().as_ref() {
            conn.send_frame(frame);
        }
    }

    pub(crate) fn last_received(&self) -> u64 {
        self.keys
            .borrow()
            .channel()
            .map_or(0, |channel| channel.opener.last_reliable())
    }

    /// Heartbeats every [`HEARTBEAT_INTERVAL_SECS`] with what was received and how fast
    /// frames applied, until the session stops.
    pub(crate) fn start_heartbeat(&self) {
        let me = self.clone();
        self.tasks
            .borrow_mut()
            .heartbeat(HEARTBEAT_INTERVAL_SECS * 1000, move || {
                me.send(AgentMsg::Heartbeat {
                    last_received: me.last_received(),
                });
                let micros = std::mem::take(&mut *me.render_micros.borrow_mut());
                if !micros.is_empty() {
                    me.send(AgentMsg::RenderLatency { micros });
                }
            });
    }

    /// Opens a new connection that takes this agent's place back.
    pub(crate) fn reconnect(&self) {
        let attempt = self.reconnects.get();
        let Some(delay) = reconnect_delay_ms(attempt) else {
            return self.fail("The connection to the co-browse server was lost.".into());
        };
        self.reconnects.set(attempt + 1);
        let status = match self.restarting.get() {
            true => ConsoleText::Restarting,
            false => ConsoleText::Reconnecting,
        };
        self.dispatch
            .dispatch(Action::Interrupted(self.settings.text(status, &[])));
        let me = self.clone();
        self.tasks
            .borrow_mut()
            .reconnect_after(delay, move || me.reopen());
    }

    /// Opens the new connection now, resuming with what was received so far.
    pub(crate) fn reopen(&self) {
        let Some(resume_token) = self.resume_token.get() else {
            return;
        };
        let resume = AgentMsg::Resume {
            token: self.token.clone(),
            resume: Resume {
                routing: self.code.routing,
                resume_token,
                last_received: self.last_received(),
                reloaded: false,
            },
        };
        let handler = self.clone();
        let on_event = Callback::from(move |e| handler.on_event(e));
        let node = self.node.borrow().clone();
        match Connection::open(self.code.routing, resume, node.as_deref(), on_event) {
            Ok(c) => *self.conn.borrow_mut() = Some(c),
            Err(_) => self.reconnect(),
        }
    }

    pub(crate) fn on_resumed(&self, last_received: u64, lost: bool) {
        self.reconnects.set(0);
        self.restarting.set(false);
        self.tasks.borrow_mut().reconnected();
        let resent = match self.sent.borrow_mut().resend_after(last_received) {
            Ok(frames) => {
                if let Some(conn) = self.conn.borrow().as_ref() {
                    for frame in frames {
                        conn.send_frame(frame.to_vec());
                    }
                }
                true
            }
            Err(TooFarBehind) => false,
        };
        self.dispatch.dispatch(Action::Restored);
        if !resent {
            // Some of the agent's frames (actions, requests) never reached the customer: the
            // view starts over from a fresh snapshot rather than assume they did.
            self.resync("frames to the customer were lost while the connection was down".into());
        }
        if lost {
            if let Some(channel) = self.keys.borrow_mut().channel_mut() {
                channel.opener.accept_gap();
            }
            self.resync("frames were lost while the connection was down".into());
        }
    }
}
