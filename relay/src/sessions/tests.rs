//! Tests of the session registry: the lifecycle, failed verifications, resumes, unique routing codes, sealed frames passed through.

use super::*;
use shared_protocol::{Delivery, Envelope, KeyExchange, RelayMsg};

fn outbox() -> (Outbox, mpsc::Receiver<Outgoing>) {
    mpsc::channel(QUEUE_LEN)
}

fn decoded(rx: &mut mpsc::Receiver<Outgoing>) -> Vec<RelayMsg> {
    let mut out = Vec::new();
    while let Ok(o) = rx.try_recv() {
        if let Outgoing::Frame(f) = o {
            out.push(Envelope::<RelayMsg>::decode(&f).unwrap().msg);
        }
    }
    out
}

#[test]
fn waiting_then_active_then_ended_and_never_rejoined() {
    let reg = Registry::default();
    let (c, mut crx) = outbox();
    let s = reg.create(c).unwrap();
    assert_eq!(s.phase(), Phase::Waiting);
    let (a, mut arx) = outbox();
    let joined = reg.join(s.routing, "agent-1", a).unwrap();
    assert_eq!(joined.id, s.id);
    assert_eq!(s.phase(), Phase::Active);
    let (a2, _) = outbox();
    assert_eq!(
        reg.join(s.routing, "agent-2", a2).unwrap_err(),
        JoinError::AlreadyJoined
    );
    assert!(reg.end(&s, EndReason::AgentExit));
    assert!(!reg.end(&s, EndReason::CustomerExit), "ends once");
    assert_eq!(s.phase(), Phase::Ended(EndReason::AgentExit));
    let (a3, _) = outbox();
    assert_eq!(
        reg.join(s.routing, "agent-1", a3).unwrap_err(),
        JoinError::UnknownCode
    );
    let ended = RelayMsg::Ended {
        reason: EndReason::AgentExit,
    };
    assert_eq!(decoded(&mut crx), vec![ended.clone()]);
    assert_eq!(decoded(&mut arx), vec![ended]);
    assert!(reg.is_empty());
}

#[test]
fn failed_verifications_remove_the_agent_then_end_the_session() {
    let reg = Registry::default();
    let (c, mut crx) = outbox();
    let s = reg.create(c).unwrap();
    for expected_left in [2u8, 1] {
        let (a, mut arx) = outbox();
        reg.join(s.routing, "agent", a.clone()).unwrap();
        assert!(s.is_agent(&a));
        assert_eq!(
            s.verification_failed(),
            VerifyOutcome::Retry {
                attempts_left: expected_left
            }
        );
        assert_eq!(s.phase(), Phase::Waiting);
        assert!(!s.is_agent(&a));
        let notice = RelayMsg::VerificationFailed {
            attempts_left: expected_left,
        };
        assert_eq!(decoded(&mut arx), vec![notice.clone()]);
        assert_eq!(decoded(&mut crx), vec![notice]);
    }
    let (a, _arx) = outbox();
    reg.join(s.routing, "agent", a).unwrap();
    assert_eq!(s.verification_failed(), VerifyOutcome::Exhausted);
}

#[tokio::test]
async fn an_away_side_resumes_with_its_token_and_misses_nothing() {
    let reg = Registry::default();
    let (c, _crx) = outbox();
    let s = reg.create(c).unwrap();
    let (a, mut arx) = outbox();
    reg.join(s.routing, "agent", a.clone()).unwrap();
    s.forward(Side::Customer, Delivery::Reliable, 1, vec![1]);
    let (epoch, navigating) = s.went_away(Side::Agent, &a).expect("the agent was there");
    assert!(!navigating);
    assert!(s.still_away(Side::Agent, epoch));
    // Frames sent while the agent is away are kept for it.
    s.forward(Side::Customer, Delivery::Reliable, 2, vec![2]);
    s.forward(Side::Customer, Delivery::Reliable, 3, vec![3]);
    let token = s.agent_resume_token().unwrap();
    let (a2, mut a2rx) = outbox();
    assert_eq!(
        s.resume(Side::Agent, &[0; 16], 1, false, a2.clone()).err(),
        Some(ResumeError::BadToken)
    );
    let resumed = s.resume(Side::Agent, &token, 1, false, a2).unwrap();
    assert!(!resumed.lost);
    // `Resumed` first, then exactly the frames after the last one received, in order.
    let mut frames = Vec::new();
    while let Ok(Outgoing::Frame(f)) = a2rx.try_recv() {
        let env = Envelope::<RelayMsg>::decode(&f).unwrap();
        frames.push((env.seq, env.msg));
    }
    assert!(matches!(
        frames[0].1,
        RelayMsg::Resumed {
            last_received: 0,
            lost: false,
            peer_present: true
        }
    ));
    assert_eq!(
        frames[1..].iter().map(|(seq, _)| *seq).collect::<Vec<_>>(),
        vec![2, 3]
    );
    // A frame resent by a client after a resume is not routed twice.
    assert_eq!(
        s.forward(Side::Customer, Delivery::Reliable, 3, vec![3]),
        Forwarded::Duplicate
    );
    assert!(!s.still_away(Side::Agent, epoch));
    // The first frame went to the old socket before it dropped.
    assert_eq!(decoded(&mut arx), vec![RelayMsg::Sealed(vec![1])]);
}

#[test]
fn routing_codes_are_unique_among_live_sessions() {
    let reg = Registry::default();
    let mut seen = std::collections::HashSet::new();
    let mut keep = Vec::new();
    for _ in 0..2000 {
        let (c, rx) = outbox();
        let s = reg.create(c).unwrap();
        assert!(s.routing < ROUTING_SPACE);
        assert!(seen.insert(s.routing));
        keep.push(rx);
    }
    assert_eq!(reg.len(), 2000);
}

#[tokio::test]
async fn sealed_frames_keep_sender_sequence_and_class() {
    let reg = Registry::default();
    let (c, _crx) = outbox();
    let s = reg.create(c).unwrap();
    let (a, mut arx) = outbox();
    reg.join(s.routing, "agent", a).unwrap();
    assert_eq!(
        s.forward(Side::Customer, Delivery::Reliable, 7, vec![1, 2]),
        Forwarded::Delivered
    );
    let Outgoing::Frame(f) = arx.recv().await.unwrap() else {
        panic!("a frame")
    };
    let env = Envelope::<RelayMsg>::decode(&f).unwrap();
    assert_eq!((env.seq, env.delivery), (7, Delivery::Reliable));
    assert_eq!(env.msg, RelayMsg::Sealed(vec![1, 2]));
}

/// The customer reloads while the console, not yet told, still seals under the old page's keys:
/// that frame is not routed, and the console's first frame under the new keys (sequence 1
/// again) is routed, not taken for a resend.
#[test]
fn frames_sealed_before_the_customer_reloaded_do_not_shadow_the_new_keys() {
    let reg = Registry::default();
    let (c, _crx) = outbox();
    let s = reg.create(c).unwrap();
    let (a, mut arx) = outbox();
    reg.join(s.routing, "agent", a).unwrap();
    for seq in 1..=2 {
        assert_eq!(
            s.forward(Side::Agent, Delivery::Reliable, seq, vec![seq as u8]),
            Forwarded::Delivered
        );
    }
    let (c2, mut c2rx) = outbox();
    s.resume(Side::Customer, &s.customer_resume_token(), 0, true, c2)
        .unwrap();
    // Sent before the console read `PeerReloaded`: under the old keys.
    assert_eq!(
        s.forward(Side::Agent, Delivery::Reliable, 3, vec![3]),
        Forwarded::Stale
    );
    assert_eq!(
        s.forward(Side::Agent, Delivery::Ephemeral, 0, vec![30]),
        Forwarded::Stale
    );
    let spake = |exchange| KeyExchange::Spake {
        exchange,
        message: vec![exchange as u8],
        proof: vec![],
    };
    s.key_from(Side::Customer, spake(9));
    // The new page's own key message does not lift the console's stop; the console's does.
    assert_eq!(
        s.forward(Side::Agent, Delivery::Reliable, 4, vec![4]),
        Forwarded::Stale
    );
    s.key_from(Side::Agent, spake(9));
    // The console's first frame under the new keys reaches the new page, then the next.
    for seq in 1..=2 {
        assert_eq!(
            s.forward(Side::Agent, Delivery::Reliable, seq, vec![10 + seq as u8]),
            Forwarded::Delivered
        );
    }
    // Each side got the other's key message; the new page got only the new keys' frames.
    assert!(decoded(&mut arx).contains(&RelayMsg::Key(spake(9))));
    let to_page = decoded(&mut c2rx);
    let sealed: Vec<_> = to_page
        .iter()
        .filter(|m| matches!(m, RelayMsg::Sealed(_)))
        .collect();
    assert_eq!(
        sealed,
        vec![&RelayMsg::Sealed(vec![11]), &RelayMsg::Sealed(vec![12])]
    );
    assert!(to_page.contains(&RelayMsg::Key(spake(9))));
}

/// The console was away while the customer's page reloaded: the frames it resends when it
/// comes back were sealed for the old page and are not routed; its frames after it answered
/// the new page's exchange are, from sequence 1.
#[test]
fn an_away_console_resending_old_keys_frames_does_not_shadow_the_new_keys() {
    let reg = Registry::default();
    let (c, _crx) = outbox();
    let s = reg.create(c).unwrap();
    let (a, _arx) = outbox();
    reg.join(s.routing, "agent", a.clone()).unwrap();
    for seq in 1..=2 {
        s.forward(Side::Agent, Delivery::Reliable, seq, vec![seq as u8]);
    }
    s.went_away(Side::Agent, &a).expect("the agent was there");
    let (c2, mut c2rx) = outbox();
    s.resume(Side::Customer, &s.customer_resume_token(), 0, true, c2)
        .unwrap();
    let (a2, _a2rx) = outbox();
    let token = s.agent_resume_token().unwrap();
    s.resume(Side::Agent, &token, 0, false, a2).unwrap();
    // What it kept, resent: under the old keys.
    for seq in 1..=2 {
        assert_eq!(
            s.forward(Side::Agent, Delivery::Reliable, seq, vec![seq as u8]),
            Forwarded::Stale
        );
    }
    s.key_from(
        Side::Agent,
        KeyExchange::Spake {
            exchange: 5,
            message: vec![5],
            proof: vec![],
        },
    );
    assert_eq!(
        s.forward(Side::Agent, Delivery::Reliable, 1, vec![21]),
        Forwarded::Delivered
    );
    let sealed: Vec<_> = decoded(&mut c2rx)
        .into_iter()
        .filter(|m| matches!(m, RelayMsg::Sealed(_)))
        .collect();
    assert_eq!(sealed, vec![RelayMsg::Sealed(vec![21])]);
}
