//! How many guesses at the code a browser gives away over a whole session, and which new key
//! exchanges it takes part in at all. Both browsers keep one [`KeyGuard`]; the relay, which is
//! not trusted, can neither reset it nor start an exchange that it would accept.
//!
//! Each exchange lets whoever answered check one guess of the 4 secret digits: offline against
//! the agent's confirmation (sent first), online by whether the customer confirms back (it
//! confirms only once the agent's confirmation checked out). So:
//! - a **failure** is counted when this side has keys to check a guess with
//!   ([`KeyGuard::confirming`]) and taken back only when *that* exchange confirms
//!   ([`KeyGuard::confirmed`]); a genuine exchange never wipes earlier failures (a relay
//!   alternating guesses with genuine exchanges used to reset the count each time). At
//!   [`MAX_VERIFY_FAILURES`] the session ends.
//! - once an exchange has confirmed, both sides hold a **rekey key** derived from it (the relay
//!   never sees it). A later exchange (a page load of the customer) must carry a proof made with
//!   it over that exchange's id and SPAKE2 message, or this side refuses it *before* confirming:
//!   the relay cannot pose as a peer that "reloaded", so it gets no guess at all. A refused
//!   exchange counts as a failure too, so a relay that keeps trying ends the session.
//! - the customer confirms last, so it holds (and has saved) an exchange's rekey key before the
//!   agent can hold it. When the customer's page loads between its confirmation and the agent's
//!   receipt of it, the agent is left with the exchange **pending**: a proof made with that
//!   exchange's rekey key then confirms it (only the customer that checked the agent's
//!   confirmation can make one), and the new exchange is admitted. Without this, a customer who
//!   clicked a link as the agent joined was refused as an impostor.

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

#[derive(Clone, Default, PartialEq, Eq)]
pub struct KeyGuard {
    failures: u8,
    rekey: Option<RekeyKey>,
    /// The rekey keys of exchanges this side confirmed in that were not confirmed back yet
    /// (each also counted as a failure). Not saved: only the agent, whose console does not
    /// outlive a page, ever needs them.
    pending: Vec<RekeyKey>,
}

/// Says how many keys a guard holds, never the keys (a guard may end up in a log).
impl std::fmt::Debug for KeyGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyGuard")
            .field("failures", &self.failures)
            .field("rekey", &self.rekey.map(|_| "…"))
            .field("pending", &self.pending.len())
            .finish()
    }
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
        Self {
            failures,
            rekey,
            pending: Vec::new(),
        }
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
        let proves = |key: &RekeyKey| {
            proof_mac(key, peer, exchange, message)
                .verify_slice(proof)
                .is_ok()
        };
        if self.rekey.as_ref().is_some_and(proves) {
            return Ok(());
        }
        // The customer proves an exchange whose confirmation never reached the agent: it
        // confirmed. (Only the agent: the customer confirms last, so it never needs this.)
        let pending = match peer {
            Role::Customer => self.pending.iter().position(proves),
            _ => None,
        };
        if let Some(at) = pending {
            let rekey = self.pending[at];
            self.confirmed(rekey);
            return Ok(());
        }
        if self.rekey.is_some() {
            self.failures = self.failures.saturating_add(1);
            return Err(GuardError::Unproven);
        }
        Ok(())
    }

    /// This side holds an exchange's keys and is about to let the peer check its guess
    /// against them (see the module's header): one guess given away until it confirms.
    /// `rekey` is that exchange's, should its confirmation come only as a later proof.
    pub fn confirming(&mut self, rekey: RekeyKey) {
        self.failures = self.failures.saturating_add(1);
        // More than this many unconfirmed exchanges end the session anyway.
        if self.pending.len() >= usize::from(MAX_VERIFY_FAILURES) {
            self.pending.remove(0);
        }
        self.pending.push(rekey);
    }

    /// The exchange this side confirmed in is confirmed back: its failure is taken back (only
    /// its own), and its rekey key guards the next exchange. Exchanges still pending are older
    /// than the peer's latest and can no longer be proven (their failures stay).
    pub fn confirmed(&mut self, rekey: RekeyKey) {
        self.failures = self.failures.saturating_sub(1);
        self.rekey = Some(rekey);
        self.pending.clear();
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
        g.confirming(KEY);
        // A genuine exchange.
        g.admit(Role::Agent, 2, b"m2", &[]).unwrap();
        g.confirming(KEY);
        g.confirmed(KEY);
        assert_eq!(g.failures(), 1, "the guess still counts");
        assert_eq!(g.attempts_left(), MAX_VERIFY_FAILURES - 1);
    }

    #[test]
    fn after_a_confirmed_exchange_only_a_proven_one_is_admitted() {
        let mut peer = KeyGuard::default();
        peer.confirming(KEY);
        peer.confirmed(KEY);
        let mut g = KeyGuard::default();
        g.confirming(KEY);
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
            g.confirming(KEY);
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
        g.confirming(KEY);
        g.confirmed(KEY);
        g.confirming([3; 32]);
        let (failures, rekey) = g.saved();
        let restored = KeyGuard::restore(failures, rekey);
        assert_eq!(restored.saved(), (1, Some(KEY)));
        assert!(
            restored.pending.is_empty(),
            "pending keys stay with the page"
        );
    }

    #[test]
    fn a_proof_with_a_pending_exchange_confirms_it() {
        const LATER: RekeyKey = [4; 32];
        let customer = KeyGuard::restore(0, Some(LATER));
        // The agent confirmed in two exchanges; neither confirmation came back.
        let mut g = KeyGuard::default();
        g.confirming(KEY);
        g.confirming(LATER);
        assert_eq!(g.failures(), 2);
        let proof = customer.proof(Role::Customer, 9, b"next page");
        assert_eq!(g.admit(Role::Customer, 9, b"next page", &proof), Ok(()));
        assert_eq!(
            g.saved(),
            (1, Some(LATER)),
            "that one confirmed, the other not"
        );
        // From now on only that key proves.
        let stale = KeyGuard::restore(0, Some(KEY)).proof(Role::Customer, 10, b"m");
        assert_eq!(
            g.admit(Role::Customer, 10, b"m", &stale),
            Err(GuardError::Unproven)
        );
    }

    #[test]
    fn the_customer_adopts_no_pending_key_and_a_guard_never_prints_its_keys() {
        const LATER: RekeyKey = [4; 32];
        // Verified once (KEY), then derived LATER in an exchange whose confirmation never came.
        let mut customer = KeyGuard::restore(0, Some(KEY));
        customer.confirming(LATER);
        let proof = KeyGuard::restore(0, Some(LATER)).proof(Role::Agent, 9, b"m");
        assert_eq!(
            customer.admit(Role::Agent, 9, b"m", &proof),
            Err(GuardError::Unproven),
            "only the agent confirms an exchange by a later proof"
        );
        assert_eq!(customer.saved(), (2, Some(KEY)));
        let shown = format!("{customer:?}");
        assert!(shown.contains("failures: 2"), "{shown}");
        assert!(!shown.contains(&format!("{:?}", KEY[0])), "{shown}");
    }
}
