//! One side of a session: its socket's outbox (absent while it is away), the token that lets
//! it come back, and a bounded ring of the sealed reliable frames sent to it, so a resumed
//! connection loses nothing that the ring still holds.

use std::collections::VecDeque;

use tokio::sync::mpsc::error::TrySendError;

use super::{Frame, Outbox, Outgoing, QUEUE_LEN};

/// Queue slots kept free for control frames (key exchange, notices): data frames use only the
/// rest, so a side flooded with page frames still hears the session's control messages.
pub const CONTROL_RESERVE: usize = 32;

/// Most frames and bytes kept per direction. Clients acknowledge with every heartbeat, so in
/// normal operation the ring holds only the last few seconds.
pub const RING_FRAMES: usize = 1024;
pub const RING_BYTES: usize = 4 * 1024 * 1024;

pub struct Peer {
    pub outbox: Option<Outbox>,
    /// Handed to the client once; zero for a side restored from another node's record.
    pub resume_token: [u8; 16],
    /// What a resume is checked against (records in Redis keep only this).
    pub token_hash: [u8; 32],
    /// Taken over from a node that died or drained: what this side sent and received before
    /// is unknown here, so its next resume resends nothing and counts as a gap.
    pub restored: bool,
    /// Last sealed reliable sequence number received from this side.
    pub last_from: u64,
    /// The other side started over on a new page: until this side answers the new key
    /// exchange, what it seals is under the old page's keys and numbering. Routed, such a
    /// frame would set `last_from` past the new numbering's first frames, which would then be
    /// taken for resends (and the new page cannot open it anyway).
    pub stale_keys: bool,
    /// Counts departures, so a grace timer only acts on the absence it was started for.
    pub away_epoch: u64,
    /// Said it is leaving its page (`CustomerMsg::Leaving`): its next absence may be long.
    pub leaving: bool,
    /// When it went away last (Unix ms; meaningful while `outbox` is `None`).
    pub away_since: crate::store::Millis,
    /// The queue was full: reliable frames wait in the ring until it drains.
    overflowed: bool,
    /// The last reliable frame put in the queue.
    last_queued: u64,
    /// The latest ephemeral frame that found no room (older ones are superseded).
    pending_ephemeral: Option<Frame>,
    ring: Ring,
}

/// What became of a frame handed to a peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivered {
    Queued,
    /// Kept in the ring only (away, or catching up).
    Kept,
    /// An ephemeral frame held as the latest, replacing any older one.
    Coalesced,
    Dropped,
}

/// How an overflowed peer came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatchUp {
    /// Everything it missed was still in the ring and is queued now.
    Complete,
    /// The ring had dropped some: it was told (`Gap`) and needs a fresh snapshot.
    Lost,
}

impl Peer {
    pub fn new(outbox: Outbox) -> Self {
        let resume_token = rand::random();
        Self {
            outbox: Some(outbox),
            resume_token,
            token_hash: crate::cluster::token_hash(&resume_token),
            restored: false,
            last_from: 0,
            stale_keys: false,
            away_epoch: 0,
            leaving: false,
            away_since: 0,
            overflowed: false,
            last_queued: 0,
            pending_ephemeral: None,
            ring: Ring::default(),
        }
    }

    /// A side of a session taken over from another node: away, known only by its token's hash.
    pub fn restored(token_hash: [u8; 32]) -> Self {
        Self {
            outbox: None,
            resume_token: [0; 16],
            token_hash,
            restored: true,
            last_from: 0,
            stale_keys: false,
            away_epoch: 1,
            leaving: false,
            // Away since it was taken over, as far as this node knows.
            away_since: crate::store::now_millis(),
            overflowed: false,
            last_queued: 0,
            pending_ephemeral: None,
            ring: Ring::default(),
        }
    }

    pub fn is(&self, outbox: &Outbox) -> bool {
        self.outbox.as_ref().is_some_and(|o| o.same_channel(outbox))
    }

    /// Keeps a reliable frame for this side until it is acknowledged, and queues it unless the
    /// side is away or catching up. Never waits: a slow side cannot hold up the other.
    pub fn deliver_reliable(&mut self, seq: u64, frame: Frame) -> Delivered {
        self.ring.push(seq, frame.clone());
        let Some(outbox) = &self.outbox else {
            return Delivered::Kept;
        };
        if self.overflowed || outbox.capacity() <= CONTROL_RESERVE {
            self.overflowed = true;
            return Delivered::Kept;
        }
        match outbox.try_send(Outgoing::Frame(frame)) {
            Ok(()) => {
                self.last_queued = seq;
                Delivered::Queued
            }
            Err(TrySendError::Full(_)) => {
                self.overflowed = true;
                Delivered::Kept
            }
            Err(TrySendError::Closed(_)) => Delivered::Kept,
        }
    }

    /// Queues an ephemeral frame if there is room, else holds it as the latest.
    pub fn deliver_ephemeral(&mut self, frame: Frame) -> Delivered {
        let Some(outbox) = &self.outbox else {
            return Delivered::Dropped;
        };
        if self.overflowed || outbox.capacity() <= CONTROL_RESERVE {
            self.pending_ephemeral = Some(frame);
            return Delivered::Coalesced;
        }
        match outbox.try_send(Outgoing::Frame(frame)) {
            Ok(()) => Delivered::Queued,
            Err(TrySendError::Full(Outgoing::Frame(f))) => {
                self.pending_ephemeral = Some(f);
                Delivered::Coalesced
            }
            Err(_) => Delivered::Dropped,
        }
    }

    /// Once an overflowed side's queue has drained to half, queues what it missed in order.
    /// If the ring had to drop some of it, queues `gap` instead and returns [`CatchUp::Lost`].
    pub fn catch_up(&mut self, gap: impl FnOnce() -> Vec<u8>) -> Option<CatchUp> {
        let outbox = self.outbox.clone()?;
        if !self.overflowed {
            if let Some(f) = self.pending_ephemeral.take() {
                if let Err(TrySendError::Full(Outgoing::Frame(f))) =
                    outbox.try_send(Outgoing::Frame(f))
                {
                    self.pending_ephemeral = Some(f);
                }
            }
            return None;
        }
        if outbox.capacity() < QUEUE_LEN / 2 {
            return None;
        }
        let (missed, lost) = self.ring.after_with_seq(self.last_queued);
        let outcome = if lost {
            let _ = outbox.try_send(Outgoing::Frame(gap().into()));
            self.last_queued = self.ring.newest().unwrap_or(self.last_queued);
            CatchUp::Lost
        } else {
            for (seq, frame) in missed {
                if outbox.capacity() <= CONTROL_RESERVE
                    || outbox.try_send(Outgoing::Frame(frame)).is_err()
                {
                    // Still slow: the rest waits for the next check.
                    return None;
                }
                self.last_queued = seq;
            }
            CatchUp::Complete
        };
        self.overflowed = false;
        self.pending_ephemeral = None;
        Some(outcome)
    }

    /// Forgets the numbering of both directions (new keys after a page reload).
    pub fn restart(&mut self) {
        self.ring = Ring::default();
        self.last_from = 0;
        self.last_queued = 0;
        self.overflowed = false;
        self.pending_ephemeral = None;
    }

    /// Queues, on a resumed connection, the frames after `last` (as many as fit; the rest
    /// follows through [`Peer::catch_up`]); returns whether the ring had dropped some.
    pub fn replay(&mut self, last: u64) -> bool {
        let Some(outbox) = self.outbox.clone() else {
            return false;
        };
        let (missed, lost) = self.ring.after_with_seq(last);
        self.last_queued = last;
        self.overflowed = false;
        self.pending_ephemeral = None;
        for (seq, frame) in missed {
            if outbox.capacity() <= CONTROL_RESERVE
                || outbox.try_send(Outgoing::Frame(frame)).is_err()
            {
                self.overflowed = true;
                break;
            }
            self.last_queued = seq;
        }
        lost
    }

    /// This side has everything up to `seq`.
    pub fn acknowledged(&mut self, seq: u64) {
        self.ring.trim_through(seq);
    }

    /// Whether frames after `last` were already dropped from the ring.
    pub fn lost_after(&self, last: u64) -> bool {
        self.ring.dropped_through > last
    }
}

#[derive(Default)]
struct Ring {
    frames: VecDeque<(u64, Frame)>,
    bytes: usize,
    /// The newest sequence number dropped for lack of room.
    dropped_through: u64,
}

impl Ring {
    fn push(&mut self, seq: u64, frame: Frame) {
        self.bytes += frame.len();
        self.frames.push_back((seq, frame));
        while self.frames.len() > RING_FRAMES || self.bytes > RING_BYTES {
            let Some((old, f)) = self.frames.pop_front() else {
                break;
            };
            self.bytes -= f.len();
            self.dropped_through = old;
        }
    }

    fn trim_through(&mut self, seq: u64) {
        while self.frames.front().is_some_and(|(s, _)| *s <= seq) {
            let (_, f) = self.frames.pop_front().expect("checked");
            self.bytes -= f.len();
        }
    }

    fn newest(&self) -> Option<u64> {
        self.frames.back().map(|(s, _)| *s)
    }

    fn after_with_seq(&self, last: u64) -> (Vec<(u64, Frame)>, bool) {
        let frames = self
            .frames
            .iter()
            .filter(|(s, _)| *s > last)
            .cloned()
            .collect();
        (frames, self.dropped_through > last)
    }
}

#[cfg(test)]
#[path = "peer_tests.rs"]
mod tests;
