//! One side of a session: its socket's outbox (absent while it is away), the token that lets
//! it come back, and a bounded ring of the sealed reliable frames sent to it, so a resumed
//! connection loses nothing that the ring still holds.

use std::collections::VecDeque;

use tokio::sync::mpsc::error::TrySendError;

use super::{Outbox, Outgoing, QUEUE_LEN};

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
    pending_ephemeral: Option<Vec<u8>>,
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
    pub fn deliver_reliable(&mut self, seq: u64, frame: Vec<u8>) -> Delivered {
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
    pub fn deliver_ephemeral(&mut self, frame: Vec<u8>) -> Delivered {
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
            let _ = outbox.try_send(Outgoing::Frame(gap()));
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
    frames: VecDeque<(u64, Vec<u8>)>,
    bytes: usize,
    /// The newest sequence number dropped for lack of room.
    dropped_through: u64,
}

impl Ring {
    fn push(&mut self, seq: u64, frame: Vec<u8>) {
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

    fn after_with_seq(&self, last: u64) -> (Vec<(u64, Vec<u8>)>, bool) {
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
mod tests {
    use super::*;

    fn peer() -> Peer {
        Peer::new(tokio::sync::mpsc::channel(1).0)
    }

    /// The frames the ring holds after `last`, and whether some were dropped.
    fn frames_after(p: &Peer, last: u64) -> (Vec<Vec<u8>>, bool) {
        let (frames, lost) = p.ring.after_with_seq(last);
        (frames.into_iter().map(|(_, f)| f).collect(), lost)
    }

    /// Queue slots data frames may use.
    const DATA_SLOTS: usize = QUEUE_LEN - CONTROL_RESERVE;

    /// A connected peer and the receiving end of its queue.
    fn connected() -> (Peer, tokio::sync::mpsc::Receiver<Outgoing>) {
        let (tx, rx) = tokio::sync::mpsc::channel(QUEUE_LEN);
        (Peer::new(tx), rx)
    }

    fn drain(rx: &mut tokio::sync::mpsc::Receiver<Outgoing>) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while let Ok(Outgoing::Frame(f)) = rx.try_recv() {
            out.push(f);
        }
        out
    }

    #[test]
    fn a_slow_side_overflows_into_the_ring_and_catches_up_in_order() {
        let (mut p, mut rx) = connected();
        let total = DATA_SLOTS as u64 + 100;
        for seq in 1..=total {
            p.deliver_reliable(seq, seq.to_le_bytes().to_vec());
        }
        assert_eq!(p.catch_up(Vec::new), None, "the queue is still full");
        let first = drain(&mut rx);
        assert_eq!(first.len(), DATA_SLOTS, "control keeps its reserve");
        assert_eq!(p.catch_up(Vec::new), Some(CatchUp::Complete));
        let rest = drain(&mut rx);
        let seqs: Vec<u64> = first
            .iter()
            .chain(&rest)
            .map(|f| u64::from_le_bytes(f[..8].try_into().unwrap()))
            .collect();
        assert_eq!(
            seqs,
            (1..=total).collect::<Vec<_>>(),
            "nothing lost, nothing twice"
        );
        assert_eq!(p.deliver_reliable(total + 1, vec![0; 8]), Delivered::Queued);
    }

    #[test]
    fn a_side_too_slow_for_the_ring_gets_a_gap() {
        let (mut p, mut rx) = connected();
        for seq in 1..=(QUEUE_LEN + RING_FRAMES + 10) as u64 {
            p.deliver_reliable(seq, vec![1]);
        }
        drain(&mut rx);
        assert_eq!(p.catch_up(|| b"gap".to_vec()), Some(CatchUp::Lost));
        assert_eq!(drain(&mut rx), vec![b"gap".to_vec()]);
    }

    #[test]
    fn ephemeral_frames_coalesce_to_the_latest_while_full() {
        let (mut p, mut rx) = connected();
        for _ in 0..DATA_SLOTS {
            assert_eq!(p.deliver_ephemeral(vec![0]), Delivered::Queued);
        }
        assert_eq!(p.deliver_ephemeral(vec![1]), Delivered::Coalesced);
        assert_eq!(p.deliver_ephemeral(vec![2]), Delivered::Coalesced);
        drain(&mut rx);
        assert_eq!(p.catch_up(Vec::new), None);
        assert_eq!(
            drain(&mut rx),
            vec![vec![2]],
            "only the latest position is sent"
        );
    }

    #[test]
    fn replays_what_came_after_the_last_received_frame() {
        let mut p = peer();
        for seq in 1..=5 {
            p.deliver_reliable(seq, vec![seq as u8]);
        }
        assert_eq!(frames_after(&p, 3), (vec![vec![4], vec![5]], false));
        p.acknowledged(4);
        assert_eq!(frames_after(&p, 4), (vec![vec![5]], false));
        assert_eq!(frames_after(&p, 5), (vec![], false));
    }

    #[test]
    fn a_full_ring_drops_the_oldest_and_says_so() {
        let mut p = peer();
        for seq in 1..=(RING_FRAMES as u64 + 10) {
            p.deliver_reliable(seq, vec![0; 8]);
        }
        let (frames, lost) = frames_after(&p, 5);
        assert!(lost);
        assert_eq!(frames.len(), RING_FRAMES);
        let (_, lost) = frames_after(&p, 10);
        assert!(!lost, "nothing after 10 was dropped");
        let mut big = peer();
        for seq in 1..=5 {
            big.deliver_reliable(seq, vec![0; RING_BYTES / 2]);
        }
        assert!(frames_after(&big, 0).1, "bounded by bytes too");
    }
}
