//! The console's link to the relay: sealed frames numbered per key exchange and kept for a
//! resend, heartbeats that carry render latency, and reconnect-and-resume after a drop.

use std::collections::VecDeque;

use shared_protocol::{AgentMsg, Delivery, Envelope, Resume, HEARTBEAT_INTERVAL_SECS};

use yew::Callback;

use crate::connection::Connection;
use crate::session::Session;
use crate::state::Action;
use shared_protocol::exchange::Channel;

/// Sealed reliable frames sent (numbered from 1 per key exchange), kept for a resend.
#[derive(Default)]
pub(crate) struct SentFrames {
    pub(crate) last_seq: u64,
    pub(crate) frames: VecDeque<(u64, Vec<u8>)>,
}

/// Sent frames kept for a resume (the agent sends few: resync requests).
const KEEP_FRAMES: usize = 64;
/// Reconnect attempts after a drop, with these delays (ms).
const RECONNECT_DELAYS_MS: [u32; 8] = [250, 500, 1000, 2000, 4000, 8000, 8000, 8000];

impl Session {
    /// Seals a page message for the customer and keeps it until a resume confirms delivery.
    pub(crate) fn send_sealed(&self, plaintext: &[u8]) {
        let keys = self.keys.borrow();
        let Some(Channel { sealer, .. }) = keys.channel() else {
            return;
        };
        let mut sent = self.sent.borrow_mut();
        sent.last_seq += 1;
        let seq = sent.last_seq;
        let sealed = sealer.seal(self.code.routing, Delivery::Reliable, seq, plaintext);
        let frame = Envelope::new(
            self.code.routing,
            Delivery::Reliable,
            seq,
            AgentMsg::Sealed(sealed),
        )
        .encode();
        if let Some(conn) = self.conn.borrow().as_ref() {
            conn.send_frame(frame.clone());
        }
        sent.frames.push_back((seq, frame));
        if sent.frames.len() > KEEP_FRAMES {
            sent.frames.pop_front();
        }
    }

    pub(crate) fn last_received(&self) -> u64 {
        self.keys
            .borrow()
            .channel()
            .map_or(0, |channel| channel.opener.last_reliable())
    }

    pub(crate) fn start_heartbeat(&self) {
        let me = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            loop {
                gloo_timers::future::TimeoutFuture::new(HEARTBEAT_INTERVAL_SECS * 1000).await;
                if me.ended.get() || me.resume_token.get().is_none() {
                    break;
                }
                me.send(AgentMsg::Heartbeat {
                    last_received: me.last_received(),
                });
                let micros = std::mem::take(&mut *me.render_micros.borrow_mut());
                if !micros.is_empty() {
                    me.send(AgentMsg::RenderLatency { micros });
                }
            }
        });
    }

    /// Opens a new connection that takes this agent's place back.
    pub(crate) fn reconnect(&self) {
        let attempt = self.reconnects.get();
        let Some(delay) = RECONNECT_DELAYS_MS.get(attempt) else {
            return self.fail("The connection to the co-browse server was lost.".into());
        };
        self.reconnects.set(attempt + 1);
        let status = match self.restarting.get() {
            true => "restarting",
            false => "reconnecting",
        };
        self.dispatch
            .dispatch(Action::Interrupted(self.settings.text(status, &[])));
        let me = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(*delay).await;
            let Some(resume_token) = me.resume_token.get() else {
                return;
            };
            let resume = AgentMsg::Resume {
                token: me.token.clone(),
                resume: Resume {
                    routing: me.code.routing,
                    resume_token,
                    last_received: me.last_received(),
                    reloaded: false,
                },
            };
            let handler = me.clone();
            let on_event = Callback::from(move |e| handler.on_event(e));
            let node = me.node.borrow().clone();
            match Connection::open(me.code.routing, resume, node.as_deref(), on_event) {
                Ok(c) => *me.conn.borrow_mut() = Some(c),
                Err(_) => me.reconnect(),
            }
        });
    }

    pub(crate) fn on_resumed(&self, last_received: u64, lost: bool) {
        self.reconnects.set(0);
        self.restarting.set(false);
        {
            let sent = self.sent.borrow();
            if let Some(conn) = self.conn.borrow().as_ref() {
                for (_, frame) in sent.frames.iter().filter(|(seq, _)| *seq > last_received) {
                    conn.send_frame(frame.clone());
                }
            }
        }
        self.dispatch.dispatch(Action::Restored);
        if lost {
            if let Some(channel) = self.keys.borrow_mut().channel_mut() {
                channel.opener.accept_gap();
            }
            self.resync("frames were lost while the connection was down".into());
        }
    }
}
