//! The customer's end of the relay link across socket reconnects: the shared link
//! (`shared_protocol::link`: numbering, frames kept for a resume) and the socket it is on now.

use shared_protocol::crypto::Sealer;
use shared_protocol::link::Link as Numbered;
pub use shared_protocol::link::TooFarBehind;
use shared_protocol::{CustomerMsg, Delivery};

use crate::socket::RelaySocket;

/// Sent frames kept for a resume. The relay receives them continuously, so only the frames in
/// flight when a connection drops are ever resent.
const KEEP_FRAMES: usize = 512;

pub struct Link {
    pub socket: Option<RelaySocket>,
    numbered: Numbered<CustomerMsg>,
}

impl Default for Link {
    fn default() -> Self {
        Self {
            socket: None,
            numbered: Numbered::new(KEEP_FRAMES),
        }
    }
}

impl Link {
    /// The routing part the relay allocated; stamped on every later envelope.
    pub fn set_routing(&mut self, routing: u32) {
        self.numbered.set_routing(routing);
    }

    /// Each new key exchange starts a new sequence space (new keys: no nonce repeats).
    pub fn restart_sequences(&mut self) {
        self.numbered.restart_sequences();
    }

    /// Sends a control message (sequence number 0); false when no socket is open.
    pub fn send_control(&self, msg: CustomerMsg) -> bool {
        let frame = self.numbered.control(msg);
        self.socket.as_ref().is_some_and(|s| s.send(&frame))
    }

    /// Seals `plaintext` under the next sequence number of its class. Reliable frames are kept
    /// for a resume even when no socket is open right now.
    pub fn send_sealed(&mut self, sealer: &Sealer, delivery: Delivery, plaintext: &[u8]) {
        let frame = self
            .numbered
            .seal(sealer, delivery, plaintext, CustomerMsg::Sealed);
        if let Some(s) = &self.socket {
            s.send(&frame);
        }
    }

    /// After a resume: the relay has our reliable frames through `last`; send the rest.
    pub fn resend_after(&mut self, last: u64) -> Result<(), TooFarBehind> {
        let frames = self.numbered.resend_after(last)?;
        if let Some(s) = &self.socket {
            for frame in frames {
                s.send(frame);
            }
        }
        Ok(())
    }
}
