//! One side of a session: its socket's outbox (absent while it is away), the token that lets
//! it come back, and a bounded ring of the sealed reliable frames sent to it, so a resumed
//! connection loses nothing that the ring still holds.

use std::collections::VecDeque;

use super::Outbox;

/// Most frames and bytes kept per direction. Clients acknowledge with every heartbeat, so in
/// normal operation the ring holds only the last few seconds.
pub const RING_FRAMES: usize = 1024;
pub const RING_BYTES: usize = 4 * 1024 * 1024;

pub struct Peer {
    pub outbox: Option<Outbox>,
    pub resume_token: [u8; 16],
    /// Last sealed reliable sequence number received from this side.
    pub last_from: u64,
    /// Counts departures, so a grace timer only acts on the absence it was started for.
    pub away_epoch: u64,
    ring: Ring,
}

impl Peer {
    pub fn new(outbox: Outbox) -> Self {
        Self {
            outbox: Some(outbox),
            resume_token: rand::random(),
            last_from: 0,
            away_epoch: 0,
            ring: Ring::default(),
        }
    }

    pub fn is(&self, outbox: &Outbox) -> bool {
        self.outbox.as_ref().is_some_and(|o| o.same_channel(outbox))
    }

    /// Keeps a reliable frame sent to this side until it is acknowledged.
    pub fn keep(&mut self, seq: u64, frame: Vec<u8>) {
        self.ring.push(seq, frame);
    }

    /// This side has everything up to `seq`.
    pub fn acknowledged(&mut self, seq: u64) {
        self.ring.trim_through(seq);
    }

    /// Frames after `last`, and whether some were already dropped from the ring.
    pub fn replay_after(&self, last: u64) -> (Vec<Vec<u8>>, bool) {
        self.ring.after(last)
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

    fn after(&self, last: u64) -> (Vec<Vec<u8>>, bool) {
        let frames = self
            .frames
            .iter()
            .filter(|(s, _)| *s > last)
            .map(|(_, f)| f.clone())
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

    #[test]
    fn replays_what_came_after_the_last_received_frame() {
        let mut p = peer();
        for seq in 1..=5 {
            p.keep(seq, vec![seq as u8]);
        }
        assert_eq!(p.replay_after(3), (vec![vec![4], vec![5]], false));
        p.acknowledged(4);
        assert_eq!(p.replay_after(4), (vec![vec![5]], false));
        assert_eq!(p.replay_after(5), (vec![], false));
    }

    #[test]
    fn a_full_ring_drops_the_oldest_and_says_so() {
        let mut p = peer();
        for seq in 1..=(RING_FRAMES as u64 + 10) {
            p.keep(seq, vec![0; 8]);
        }
        let (frames, lost) = p.replay_after(5);
        assert!(lost);
        assert_eq!(frames.len(), RING_FRAMES);
        let (_, lost) = p.replay_after(10);
        assert!(!lost, "nothing after 10 was dropped");
        let mut big = peer();
        for seq in 1..=5 {
            big.keep(seq, vec![0; RING_BYTES / 2]);
        }
        assert!(big.replay_after(0).1, "bounded by bytes too");
    }
}
