//! A browser's end of its session link, the same for the customer's module and the console,
//! without I/O: sequence numbers per delivery class that survive a new socket, the sealed
//! reliable frames kept until the relay confirms it has them (a resume resends the rest, or
//! says it cannot), and the schedule of reconnect attempts. The driver sends the frames this
//! hands back on whatever socket it has.

use std::collections::VecDeque;

use crate::crypto::Sealer;
use crate::{Delivery, Direction, Envelope};

/// Delays between reconnect attempts after a drop (ms); after the last, the link is lost. The
/// relay's grace period decides whether the last ones still find the session.
pub const RECONNECT_DELAYS_MS: [u32; 8] = [250, 500, 1000, 2000, 4000, 8000, 8000, 8000];

/// The relay asked for frames this side no longer keeps: the peer needs a fresh start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooFarBehind;

/// The sending half of a link for messages of type `M` (`CustomerMsg` or `AgentMsg`).
pub struct Link<M> {
    routing: u32,
    reliable_seq: u64,
    ephemeral_seq: u64,
    /// Sealed reliable frames by sequence number, oldest first, at most `keep`.
    kept: VecDeque<(u64, Vec<u8>)>,
    keep: usize,
    _messages: std::marker::PhantomData<fn(M)>,
}

impl<M: Direction> Link<M> {
    /// A link that keeps the last `keep` reliable frames for a resume.
    pub fn new(keep: usize) -> Self {
        Self {
            routing: 0,
            reliable_seq: 0,
            ephemeral_seq: 0,
            kept: VecDeque::new(),
            keep,
            _messages: std::marker::PhantomData,
        }
    }

    /// The routing part the relay allocated; stamped on every later envelope.
    pub fn set_routing(&mut self, routing: u32) {
        self.routing = routing;
    }

    pub fn routing(&self) -> u32 {
        self.routing
    }

    /// Each new key exchange starts a new sequence space (new keys: no nonce repeats).
    pub fn restart_sequences(&mut self) {
        self.reliable_seq = 0;
        self.ephemeral_seq = 0;
        self.kept.clear();
    }

    /// The last reliable sequence number sealed.
    pub fn last_reliable(&self) -> u64 {
        self.reliable_seq
    }

    /// A control message's frame (sequence number 0, never kept: the relay answers it).
    pub fn control(&self, msg: M) -> Vec<u8> {
        Envelope::new(self.routing, Delivery::Reliable, 0, msg).encode()
    }

    /// Seals `plaintext` under the next sequence number of its class, as the message `wrap`
    /// makes of the sealed bytes. A reliable frame is kept for a resume.
    pub fn seal(
        &mut self,
        sealer: &Sealer,
        delivery: Delivery,
        plaintext: &[u8],
        wrap: impl FnOnce(Vec<u8>) -> M,
    ) -> Vec<u8> {
        let counter = match delivery {
            Delivery::Reliable => &mut self.reliable_seq,
            Delivery::Ephemeral => &mut self.ephemeral_seq,
        };
        *counter += 1;
        let seq = *counter;
        let sealed = sealer.seal(self.routing, delivery, seq, plaintext);
        let frame = Envelope::new(self.routing, delivery, seq, wrap(sealed)).encode();
        if delivery == Delivery::Reliable {
            self.kept.push_back((seq, frame.clone()));
            if self.kept.len() > self.keep {
                self.kept.pop_front();
            }
        }
        frame
    }

    /// After a resume: the relay has our reliable frames through `last`. Forgets those and
    /// returns the rest, in order, to send again; an error when some after `last` are gone.
    pub fn resend_after(&mut self, last: u64) -> Result<Vec<&[u8]>, TooFarBehind> {
        self.kept.retain(|(seq, _)| *seq > last);
        let next_kept = self.kept.front().map(|(seq, _)| *seq);
        if last < self.reliable_seq && next_kept != Some(last + 1) {
            return Err(TooFarBehind);
        }
        Ok(self
            .kept
            .iter()
            .map(|(_, frame)| frame.as_slice())
            .collect())
    }
}

/// The delay before reconnect attempt `attempt` (from 0), in ms; `None` once every attempt
/// of [`RECONNECT_DELAYS_MS`] was made.
pub fn reconnect_delay_ms(attempt: usize) -> Option<u32> {
    RECONNECT_DELAYS_MS.get(attempt).copied()
}

#[cfg(test)]
#[path = "link_tests.rs"]
mod tests;
