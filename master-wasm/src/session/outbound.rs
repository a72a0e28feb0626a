//! What the customer's browser sends and opens, and with what: the link to the relay
//! (numbering, frames kept for a resume, the socket it is on now), the keys with the agent
//! (the exchange and its guard, the channel's sealer and opener) and the session's routing.
//!
//! The session and the page stream's sink share it (`Rc<RefCell<Outbound>>`): the stream
//! pushes a part while the session is busy handling a message, and the part is sealed and sent
//! here. So no borrow of it is held across a call into the stream, and the sealer is never
//! cloned (its nonces count up in one place).

use std::cell::RefCell;
use std::rc::Rc;

use shared_protocol::exchange::Keys;
use shared_protocol::key_guard::KeyGuard;
use shared_protocol::page::CustomerPageMsg;
use shared_protocol::payload::encode_payload;
use shared_protocol::{CustomerMsg, Delivery, Role};

use crate::link::{Link, TooFarBehind};
use crate::socket::RelaySocket;

/// The session's sending side, shared with the stream's sink.
pub type SharedOutbound = Rc<RefCell<Outbound>>;

pub struct Outbound {
    link: Link,
    /// The key exchanges with the agent, and their guard: the exchanges that failed for the
    /// whole session (each confirmation we sent that never confirmed back gave whoever
    /// answered one offline guess), and the proof a later exchange must carry once one was
    /// verified. The guard survives page loads; a new session starts a new one.
    keys: Keys,
    /// The routing part of the session's code (0 before the relay allocated one).
    routing: u32,
}

impl Outbound {
    /// A new session's (or a page load's, with the guard it kept) sending side: no socket,
    /// no keys yet.
    pub fn new(guard: KeyGuard) -> Self {
        Self {
            link: Link::default(),
            keys: Keys::new(Role::Customer, guard),
            routing: 0,
        }
    }

    pub fn shared(guard: KeyGuard) -> SharedOutbound {
        Rc::new(RefCell::new(Self::new(guard)))
    }

    /// The routing part the relay allocated; stamped on every later envelope.
    pub fn set_routing(&mut self, routing: u32) {
        self.routing = routing;
        self.link.set_routing(routing);
    }

    pub fn set_socket(&mut self, socket: Option<RelaySocket>) {
        self.link.socket = socket;
    }

    pub fn has_socket(&self) -> bool {
        self.link.socket.is_some()
    }

    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    pub fn keys_mut(&mut self) -> &mut Keys {
        &mut self.keys
    }

    /// Keys verified: each new exchange starts a new sequence space (no nonce repeats).
    pub fn restart_sequences(&mut self) {
        self.link.restart_sequences();
    }

    /// Sends a control message (sequence number 0); false when no socket is open.
    pub fn send_control(&self, msg: CustomerMsg) -> bool {
        self.link.send_control(msg)
    }

    /// Page content goes out only sealed, and only once the agent's code is verified.
    pub fn send_page(&mut self, msg: &CustomerPageMsg) {
        self.send_sealed(Delivery::Reliable, msg);
    }

    /// Like [`Outbound::send_page`], on the ephemeral channel (only the latest matters).
    pub fn send_ephemeral(&mut self, msg: &CustomerPageMsg) {
        self.send_sealed(Delivery::Ephemeral, msg);
    }

    fn send_sealed(&mut self, delivery: Delivery, msg: &CustomerPageMsg) {
        if let Some(channel) = self.keys.channel() {
            self.link
                .send_sealed(&channel.sealer, delivery, &encode_payload(msg));
        }
    }

    /// Opens a sealed frame from the agent; `None` without keys or when it does not open
    /// (it is dropped: the customer's page is never affected by it).
    pub fn open(&mut self, delivery: Delivery, seq: u64, sealed: &[u8]) -> Option<Vec<u8>> {
        let channel = self.keys.channel_mut()?;
        channel
            .opener
            .open(self.routing, delivery, seq, sealed)
            .ok()
    }

    /// The agent's frames were dropped on the way (it sends only resync requests): go on.
    pub fn accept_gap(&mut self) {
        if let Some(channel) = self.keys.channel_mut() {
            channel.opener.accept_gap();
        }
    }

    /// The last reliable frame received from the agent (0 before any).
    pub fn last_received(&self) -> u64 {
        self.keys
            .channel()
            .map_or(0, |channel| channel.opener.last_reliable())
    }

    /// After a resume: the relay has our reliable frames through `last`; send the rest.
    pub fn resend_after(&mut self, last: u64) -> Result<(), TooFarBehind> {
        self.link.resend_after(last)
    }
}
