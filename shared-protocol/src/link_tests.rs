//! The link's numbering, keeping and resending, natively: what both browsers relied on
//! Chromium alone to check.

use proptest::prelude::*;

use super::*;
use crate::crypto::{Handshake, Opener};
use crate::{AgentMsg, CustomerMsg, Role};

const ROUTING: u32 = 4242;

/// A customer's sealer and the agent's opener for it.
fn channel() -> (Sealer, Opener) {
    let session = [3; 16];
    let c = Handshake::start(Role::Customer, 1234, session);
    let a = Handshake::start(Role::Agent, 1234, session);
    let (cm, am) = (c.message().to_vec(), a.message().to_vec());
    let (c, a) = (c.finish(&am).unwrap(), a.finish(&cm).unwrap());
    let (cc, ac) = (c.confirmation(), a.confirmation());
    let (_, opener) = a.confirm(&cc).unwrap();
    let (sealer, _) = c.confirm(&ac).unwrap();
    (sealer, opener)
}

fn link() -> Link<CustomerMsg> {
    let mut link = Link::new(4);
    link.set_routing(ROUTING);
    link
}

fn seqs(frames: &[&[u8]]) -> Vec<u64> {
    frames
        .iter()
        .map(|f| Envelope::<CustomerMsg>::decode(f).unwrap().seq)
        .collect()
}

#[test]
fn each_class_is_numbered_from_one_and_the_peer_opens_it() {
    let (sealer, mut opener) = channel();
    let mut link = link();
    let control = Envelope::<CustomerMsg>::decode(&link.control(CustomerMsg::Exit)).unwrap();
    assert_eq!((control.session, control.seq), (ROUTING, 0));
    for (delivery, expected) in [
        (Delivery::Reliable, 1),
        (Delivery::Ephemeral, 1),
        (Delivery::Reliable, 2),
    ] {
        let frame = link.seal(&sealer, delivery, b"page", CustomerMsg::Sealed);
        let env = Envelope::<CustomerMsg>::decode(&frame).unwrap();
        assert_eq!(
            (env.session, env.delivery, env.seq),
            (ROUTING, delivery, expected)
        );
        let CustomerMsg::Sealed(sealed) = env.msg else {
            panic!("sealed")
        };
        let opened = opener.open(ROUTING, delivery, env.seq, &sealed).unwrap();
        assert_eq!(opened, b"page");
    }
    assert_eq!(link.last_reliable(), 2);
    link.restart_sequences();
    let frame = link.seal(&sealer, Delivery::Reliable, b"x", CustomerMsg::Sealed);
    assert_eq!(
        seqs(&[&frame]),
        [1],
        "a new key exchange numbers from 1 again"
    );
    assert_eq!(link.resend_after(0).map(|f| seqs(&f)), Ok(vec![1]));
}

#[test]
fn a_resume_resends_what_the_relay_lacks_or_says_it_cannot() {
    let (sealer, _) = channel();
    let mut link = link();
    for _ in 0..6 {
        link.seal(&sealer, Delivery::Reliable, b"p", CustomerMsg::Sealed);
        link.seal(&sealer, Delivery::Ephemeral, b"m", CustomerMsg::Sealed);
    }
    // Four kept (3..=6): the relay has 4, so 5 and 6 go again.
    assert_eq!(link.resend_after(4).map(|f| seqs(&f)), Ok(vec![5, 6]));
    // What it confirmed is forgotten; all confirmed: nothing to send.
    assert_eq!(link.resend_after(6).map(|f| seqs(&f)), Ok(vec![]));
    assert_eq!(link.resend_after(1), Err(TooFarBehind), "2..=4 are gone");
}

#[test]
fn the_agents_link_frames_agent_messages() {
    let (sealer, _) = channel();
    let mut link: Link<AgentMsg> = Link::new(2);
    link.set_routing(7);
    let frame = link.seal(&sealer, Delivery::Reliable, b"r", AgentMsg::Sealed);
    let env = Envelope::<AgentMsg>::decode(&frame).unwrap();
    assert_eq!((env.role, env.seq), (Role::Agent, 1));
}

#[test]
fn reconnects_follow_the_schedule_then_stop() {
    let delays: Vec<u32> = (0..).map_while(reconnect_delay_ms).collect();
    assert_eq!(delays, RECONNECT_DELAYS_MS);
    assert_eq!(reconnect_delay_ms(RECONNECT_DELAYS_MS.len()), None);
}

/// One sealer for every case (a SPAKE2 exchange per case would take most of the time).
fn shared_sealer() -> &'static Sealer {
    static SEALER: std::sync::OnceLock<Sealer> = std::sync::OnceLock::new();
    SEALER.get_or_init(|| channel().0)
}

proptest! {
    /// Any order of sends and resumes: a resume at `last` gives exactly the kept frames after
    /// it, in order, or `TooFarBehind` exactly when one of them is no longer kept.
    #[test]
    fn resumes_in_any_order_resend_exactly_the_missing_frames(
        steps in proptest::collection::vec((any::<bool>(), 0u64..40), 1..60),
    ) {
        let sealer = shared_sealer();
        let mut link = link();
        let mut confirmed = 0u64;
        for (send, back) in steps {
            if send {
                link.seal(sealer, Delivery::Reliable, b"p", CustomerMsg::Sealed);
                continue;
            }
            // The relay never confirms more than was sent, nor less than it confirmed before.
            let last = (confirmed + back % 5).min(link.last_reliable());
            let sent = link.last_reliable();
            match link.resend_after(last) {
                Ok(frames) => {
                    let expected: Vec<u64> = (last + 1..=sent).collect();
                    prop_assert_eq!(seqs(&frames), expected);
                    prop_assert!(sent - last <= 4, "only kept frames can be resent");
                }
                Err(TooFarBehind) => prop_assert!(sent - last > 4),
            }
            confirmed = last;
        }
    }
}
