//! Tests of one side's outbox: the ring for slow sides, gaps, coalesced ephemeral frames, replays.

use super::*;

fn peer() -> Peer {
    Peer::new(tokio::sync::mpsc::channel(1).0)
}

/// The frames the ring holds after `last`, and whether some were dropped.
fn frames_after(p: &Peer, last: u64) -> (Vec<Vec<u8>>, bool) {
    let (frames, lost) = p.ring.after_with_seq(last);
    (frames.into_iter().map(|(_, f)| f.to_vec()).collect(), lost)
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
        out.push(f.to_vec());
    }
    out
}

#[test]
fn a_slow_side_overflows_into_the_ring_and_catches_up_in_order() {
    let (mut p, mut rx) = connected();
    let total = DATA_SLOTS as u64 + 100;
    for seq in 1..=total {
        p.deliver_reliable(seq, Frame::from(seq.to_le_bytes().to_vec()));
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
    assert_eq!(
        p.deliver_reliable(total + 1, Frame::from(vec![0; 8])),
        Delivered::Queued
    );
}

#[test]
fn a_side_too_slow_for_the_ring_gets_a_gap() {
    let (mut p, mut rx) = connected();
    for seq in 1..=(QUEUE_LEN + RING_FRAMES + 10) as u64 {
        p.deliver_reliable(seq, Frame::from(vec![1]));
    }
    drain(&mut rx);
    assert_eq!(p.catch_up(|| b"gap".to_vec()), Some(CatchUp::Lost));
    assert_eq!(drain(&mut rx), vec![b"gap".to_vec()]);
}

#[test]
fn ephemeral_frames_coalesce_to_the_latest_while_full() {
    let (mut p, mut rx) = connected();
    for _ in 0..DATA_SLOTS {
        assert_eq!(p.deliver_ephemeral(Frame::from(vec![0])), Delivered::Queued);
    }
    assert_eq!(
        p.deliver_ephemeral(Frame::from(vec![1])),
        Delivered::Coalesced
    );
    assert_eq!(
        p.deliver_ephemeral(Frame::from(vec![2])),
        Delivered::Coalesced
    );
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
        p.deliver_reliable(seq, Frame::from(vec![seq as u8]));
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
        p.deliver_reliable(seq, Frame::from(vec![0; 8]));
    }
    let (frames, lost) = frames_after(&p, 5);
    assert!(lost);
    assert_eq!(frames.len(), RING_FRAMES);
    let (_, lost) = frames_after(&p, 10);
    assert!(!lost, "nothing after 10 was dropped");
    let mut big = peer();
    for seq in 1..=5 {
        big.deliver_reliable(seq, Frame::from(vec![0; RING_BYTES / 2]));
    }
    assert!(frames_after(&big, 0).1, "bounded by bytes too");
}
