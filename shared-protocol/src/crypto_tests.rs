//! Tests of the key exchange and the sealed frames: right and wrong codes, garbage, replays and reordering, gaps.

use super::*;

const SESSION: [u8; 16] = [7; 16];

/// One side's ends of the channel.
type Ends = (Sealer, Opener);

fn channel(customer_secret: u16, agent_secret: u16) -> Result<(Ends, Ends), CryptoError> {
    let c = Handshake::start(Role::Customer, customer_secret, SESSION);
    let a = Handshake::start(Role::Agent, agent_secret, SESSION);
    let (cm, am) = (c.message().to_vec(), a.message().to_vec());
    let (c, a) = (c.finish(&am)?, a.finish(&cm)?);
    let (cc, ac) = (c.confirmation(), a.confirmation());
    // Each side checks the other's confirmation.
    let agent_side = a.confirm(&cc)?;
    let customer_side = c.confirm(&ac)?;
    Ok((customer_side, agent_side))
}

#[test]
fn the_same_code_gives_a_working_channel_both_ways() {
    let ((c_seal, mut c_open), (a_seal, mut a_open)) = channel(1234, 1234).unwrap();
    let frame = c_seal.seal(42, Delivery::Reliable, 1, b"page");
    assert_eq!(
        a_open.open(42, Delivery::Reliable, 1, &frame).unwrap(),
        b"page"
    );
    let back = a_seal.seal(42, Delivery::Reliable, 1, b"resync");
    assert_eq!(
        c_open.open(42, Delivery::Reliable, 1, &back).unwrap(),
        b"resync"
    );
    assert!(
        !frame.windows(4).any(|w| w == b"page"),
        "ciphertext hides the plaintext"
    );
}

#[test]
fn a_wrong_code_fails_verification_on_both_sides() {
    let c = Handshake::start(Role::Customer, 1234, SESSION);
    let a = Handshake::start(Role::Agent, 1235, SESSION);
    let (cm, am) = (c.message().to_vec(), a.message().to_vec());
    let (c, a) = (c.finish(&am).unwrap(), a.finish(&cm).unwrap());
    let (cc, ac) = (c.confirmation(), a.confirmation());
    assert_eq!(a.confirm(&cc).err(), Some(CryptoError::VerificationFailed));
    assert_eq!(c.confirm(&ac).err(), Some(CryptoError::VerificationFailed));
}

#[test]
fn another_session_id_fails_verification() {
    let c = Handshake::start(Role::Customer, 1234, SESSION);
    let a = Handshake::start(Role::Agent, 1234, [8; 16]);
    let (cm, am) = (c.message().to_vec(), a.message().to_vec());
    let (c, a) = (c.finish(&am).unwrap(), a.finish(&cm).unwrap());
    assert!(a.confirm(&c.confirmation()).is_err());
}

#[test]
fn garbage_handshake_messages_are_refused() {
    let c = Handshake::start(Role::Customer, 1, SESSION);
    assert_eq!(c.finish(&[1, 2, 3]).err(), Some(CryptoError::BadHandshake));
}

#[test]
fn replayed_reordered_and_forged_frames_are_refused() {
    let ((seal, _), (_, mut open)) = channel(5, 5).unwrap();
    let f1 = seal.seal(1, Delivery::Reliable, 1, b"one");
    let f2 = seal.seal(1, Delivery::Reliable, 2, b"two");
    let f3 = seal.seal(1, Delivery::Reliable, 3, b"three");
    assert_eq!(
        open.open(1, Delivery::Reliable, 2, &f2).err(),
        Some(CryptoError::OutOfOrder {
            got: 2,
            expected: 1
        })
    );
    open.open(1, Delivery::Reliable, 1, &f1).unwrap();
    assert_eq!(
        open.open(1, Delivery::Reliable, 1, &f1).err(),
        Some(CryptoError::Replayed { got: 1, last: 1 })
    );
    // A frame presented under another sequence number, session or class fails.
    assert_eq!(
        open.open(1, Delivery::Reliable, 2, &f3).err(),
        Some(CryptoError::Forged)
    );
    assert_eq!(
        open.open(2, Delivery::Reliable, 2, &f2).err(),
        Some(CryptoError::Forged)
    );
    let mut flipped = f2.clone();
    flipped[0] ^= 1;
    assert_eq!(
        open.open(1, Delivery::Reliable, 2, &flipped).err(),
        Some(CryptoError::Forged)
    );
    open.open(1, Delivery::Reliable, 2, &f2).unwrap();
    open.open(1, Delivery::Reliable, 3, &f3).unwrap();
}

#[test]
fn after_a_reported_gap_the_next_frame_may_skip_once() {
    let ((seal, _), (_, mut open)) = channel(5, 5).unwrap();
    open.open(
        1,
        Delivery::Reliable,
        1,
        &seal.seal(1, Delivery::Reliable, 1, b"a"),
    )
    .unwrap();
    let f5 = seal.seal(1, Delivery::Reliable, 5, b"e");
    assert!(open.open(1, Delivery::Reliable, 5, &f5).is_err());
    open.accept_gap();
    assert_eq!(open.open(1, Delivery::Reliable, 5, &f5).unwrap(), b"e");
    let f7 = seal.seal(1, Delivery::Reliable, 7, b"g");
    assert!(
        open.open(1, Delivery::Reliable, 7, &f7).is_err(),
        "only once"
    );
    assert!(
        open.open(1, Delivery::Reliable, 5, &f5).is_err(),
        "never back"
    );
}

#[test]
fn ephemeral_frames_may_skip_but_never_go_back() {
    let ((seal, _), (_, mut open)) = channel(9, 9).unwrap();
    let e5 = seal.seal(1, Delivery::Ephemeral, 5, b"five");
    let e3 = seal.seal(1, Delivery::Ephemeral, 3, b"three");
    assert_eq!(open.open(1, Delivery::Ephemeral, 5, &e5).unwrap(), b"five");
    assert!(matches!(
        open.open(1, Delivery::Ephemeral, 3, &e3),
        Err(CryptoError::Replayed { .. })
    ));
    // Ephemeral and reliable sequence spaces are separate.
    let r1 = seal.seal(1, Delivery::Reliable, 1, b"r");
    assert_eq!(open.open(1, Delivery::Reliable, 1, &r1).unwrap(), b"r");
}
