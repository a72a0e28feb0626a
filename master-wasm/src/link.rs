//! The customer's end of the relay link across socket reconnects: control and sealed frames,
//! sequence numbers that survive a new socket, and the sealed reliable frames kept until the
//! relay confirms it has them (a resume resends the rest).

use std::collections::VecDeque;

use shared_protocol::crypto::Sealer;
use shared_protocol::{CustomerMsg, Delivery, Envelope};

use crate::socket::RelaySocket;

/// Sent frames kept for a resume. The relay receives them continuously, so only the frames in
/// flight when a connection drops are ever resent.
const KEEP_FRAMES: usize = 512;

#[derive(Default)]
pub struct Link {
    pub socket: Option<RelaySocket>,
    routing: u32,
    reliable_seq: u64,
    ephemeral_seq: u64,
    sent: VecDeque<(u64, Vec<u8>)>,
}

/// The relay needs frames this side no longer has.
#[derive(Debug)]
pub struct TooFarBehind;

impl Link {
    /// The routing part the relay allocated; stamped on every later envelope.
    pub fn set_routing(&mut self, routing: u32) {
        self.routing = routing;
    }

    /// Each new key exchange starts a new sequence space (new keys: no nonce repeats).
    pub fn restart_sequences(&mut self) {
        self.reliable_seq = 0;
        self.ephemeral_seq = 0;
        self.sent.clear();
    }

    /// Sends a control message (sequence number 0); false when no socket is open.
    pub fn send_control(&self, msg: CustomerMsg) -> bool {
        let frame = Envelope::new(self.routing, Delivery::Reliable, 0, msg).encode();
        self.socket.as_ref().is_some_and(|s| s.send(&frame))
    }

    /// Seals `plaintext` under the next sequence number of its class. Reliable frames are kept
    /// for a resume even when no socket is open right now.
    pub fn send_sealed(&mut self, sealer: &Sealer, delivery: Delivery, plaintext: &[u8]) {
        let counter = match delivery {
            Delivery::Reliable => &mut self.reliable_seq,
            Delivery::Ephemeral => &mut self.ephemeral_seq,
        };
        *counter += 1;
        let seq = *counter;
        let sealed = sealer.seal(self.routing, delivery, seq, plaintext);
        let frame =
            Envelope::new(self.routing, delivery, seq, CustomerMsg::Sealed(sealed)).encode();
        if let Some(s) = &self.socket {
            s.send(&frame);
        }
        if delivery == Delivery::Reliable {
            self.sent.push_back((seq, frame));
            if self.sent.len() > KEEP_FRAMES {
                self.sent.pop_front();
            }
        }
    }

    /// After a resume: the relay has our reliable frames through `last`; send the rest.
    pub fn resend_after(&mut self, last: u64) -> Result<(), TooFarBehind> {
        self.sent.retain(|(seq, _)| *seq > last);
        if last < self.reliable_seq && self.sent.front().is_none_or(|(seq, _)| *seq != last + 1) {
            return Err(TooFarBehind);
        }
        if let Some(s) = &self.socket {
            for (_, frame) in &self.sent {
                s.send(frame);
            }
        }
        Ok(())
    }
}
