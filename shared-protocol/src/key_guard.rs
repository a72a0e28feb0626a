//! How many guesses at the code a browser gives away over a whole session, and which new key
//! exchanges it takes part in at all. Both browsers keep one [`KeyGuard`]; the relay, which is
//! not trusted, can neither reset it nor start an exchange that it would accept.
//!
//! Each exchange in which a browser sends its key confirmation lets whoever answered check one
//! guess of the 4 secret digits offline. So:
//! - a **failure** is counted when this side confirms ([`KeyGuard::confirming`]) and taken back
//!   only when *that* exchange confirms ([`KeyGuard::confirmed`]); a genuine exchange never
//!   wipes earlier failures (a relay alternating guesses with genuine exchanges used to reset the
//!   count each time). At [`MAX_VERIFY_FAILURES`] the session ends.
//! - once an exchange has confirmed, both sides hold a **rekey key** derived from it (the relay
//!   never sees it). A later exchange (a page load of the customer) must carry a proof made with
//!   it over that exchange's id and SPAKE2 message, or this side refuses it *before* confirming:
//!   the relay cannot pose as a peer that "reloaded", so it gets no guess at all. A refused
//!   exchange counts as a failure too, so a relay that keeps trying ends the session.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::{Role, MAX_VERIFY_FAILURES};

/// A secret both sides derive from a confirmed exchange (see [`crate::crypto::Agreed`]).
pub type RekeyKey = [u8; 32];

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    #[error("the key exchange does not prove it comes from the browser that was verified")]
    Unproven,
    #[error("too many key exchanges failed; the session is over")]
    Exhausted,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyGuard {
    failures: u8,
    rekey: Option<RekeyKey>,
}

type HmacSha256 = Hmac<Sha256>;

fn proof_mac(key: &RekeyKey, sender: Role, exchange: u64, message: &[u8]) -> HmacSha256 {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(match sender {
        Role::Agent => b"agent rekeys",
        _ => b"customer rekeys",
    });
    mac.update(&exchange.to_le_bytes());
    mac.update(message);
    mac
}

impl KeyGuard {
    /// A guard restored from what a page saved (the customer's next page load).
    pub fn restore(failures: u8, rekey: Option<RekeyKey>) -> Self {
        Self { failures, rekey }
    }

    /// What a page load must keep: the failures and the rekey key.
    pub fn saved(&self) -> (u8, Option<RekeyKey>) {
        (self.failures, self.rekey)
    }

    pub fn failures(&self) -> u8 {
        self.failures
    }

    /// Exchanges this side may still fail before the session ends.
    pub fn attempts_left(&self) -> u8 {
        MAX_VERIFY_FAILURES.saturating_sub(self.failures)
    }

    pub fn exhausted(&self) -> bool {
        self.failures >= MAX_VERIFY_FAILURES
    }

    /// Whether an exchange was ever confirmed in this session (then every new one needs proof).
    pub fn verified_before(&self) -> bool {
        self.rekey.is_some()
    }

    /// The proof to send with this side's SPAKE2 message: empty before any confirmed exchange.
    pub fn proof(&self, me: Role, exchange: u64, message: &[u8]) -> Vec<u8> {
        self.rekey
            .map(|k| {
                proof_mac(&k, me, exchange, message)
                    .finalize()
                    .into_bytes()
                    .to_vec()
            })
            .unwrap_or_default()
    }

    /// Whether to take part in the peer's exchange. After a confirmed exchange, only one that
    /// proves it comes from the same peer; a refusal counts as a failure.
    pub fn admit(
        &mut self,
        peer: Role,
        exchange: u64,
        message: &[u8],
        proof: &[u8],
    ) -> Result<(), GuardError> {
        if self.exhausted() {
            return Err(GuardError::Exhausted);
        }
        if let Some(key) = &self.rekey {
            if proof_mac(key, peer, exchange, message)
                .verify_slice(proof)
                .is_err()
            {
                self.failures = self.failures.saturating_add(1);
                return Err(GuardError::Unproven);
            }
        }
        Ok(())
    }

    /// This side is about to send its confirmation: one guess given away until it confirms.
    pub fn confirming(&mut self) {
        self.failures = self.failures.saturating_add(1);
    }

    /// The exchange this side confirmed in is confirmed back: its failure is taken back (only
    /// its own), and its rekey key guards the next exchange.
    pub fn confirmed(&mut self, rekey: RekeyKey) {
        self.failures = self.failures.saturating_sub(1);
        self.rekey = Some(rekey);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: RekeyKey = [9; 32];

    #[test]
    fn a_genuine_exchange_does_not_wipe_earlier_failures() {
        let mut g = KeyGuard::default();
        // A guess: confirmed by us, never back.
        g.admit(Role::Agent, 1, b"m1", &[]).unwrap();
        g.confirming();
        // A genuine exchange.
        g.admit(Role::Agent, 2, b"m2", &[]).unwrap();
        g.confirming();
        g.confirmed(KEY);
        assert_eq!(g.failures(), 1, "the guess still counts");
        assert_eq!(g.attempts_left(), MAX_VERIFY_FAILURES - 1);
    }

    #[test]
    fn after_a_confirmed_exchange_only_a_proven_one_is_admitted() {
        let mut peer = KeyGuard::default();
        peer.confirming();
        peer.confirmed(KEY);
        let mut g = KeyGuard::default();
        g.confirming();
        g.confirmed(KEY);
        // The relay posing as the customer again: no proof, a proof for another message, or
        // a proof from the other direction.
        assert_eq!(
            g.admit(Role::Customer, 7, b"relay", &[]),
            Err(GuardError::Unproven)
        );
        let other = peer.proof(Role::Customer, 7, b"genuine");
        assert_eq!(
            g.admit(Role::Customer, 7, b"relay", &other),
            Err(GuardError::Unproven)
        );
        let mirrored = peer.proof(Role::Agent, 7, b"relay");
        assert_eq!(
            g.admit(Role::Customer, 7, b"relay", &mirrored),
            Err(GuardError::Unproven)
        );
        assert!(g.exhausted(), "each refusal counted: {}", g.failures());
        // The real peer after a page load.
        let mut g = KeyGuard::restore(0, Some(KEY));
        let proof = peer.proof(Role::Customer, 8, b"genuine");
        assert_eq!(g.admit(Role::Customer, 8, b"genuine", &proof), Ok(()));
    }

    #[test]
    fn the_limit_ends_it_whatever_comes_next() {
        let mut g = KeyGuard::default();
        for _ in 0..MAX_VERIFY_FAILURES {
            g.admit(Role::Agent, 1, b"m", &[]).unwrap();
            g.confirming();
        }
        assert_eq!(
            g.admit(Role::Agent, 2, b"m", &[]),
            Err(GuardError::Exhausted)
        );
        assert_eq!(g.attempts_left(), 0);
    }

    #[test]
    fn saved_and_restored_alike() {
        let mut g = KeyGuard::default();
        g.confirming();
        g.confirmed(KEY);
        g.confirming();
        let (failures, rekey) = g.saved();
        assert_eq!(KeyGuard::restore(failures, rekey), g);
    }
}
