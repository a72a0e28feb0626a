//! End-to-end keys between the two browsers; the relay never has them.
//!
//! 1. [`Handshake`]: SPAKE2 (Ed25519) on the secret part of the join code, the customer as side
//!    A and the agent as side B, both bound to the session id. The relay carries the two
//!    messages but cannot learn the key, and an attacker gets one online guess per handshake.
//! 2. HKDF-SHA256 over the SPAKE2 key gives one AEAD key per direction and a confirmation key.
//! 3. Key confirmation: each side sends an HMAC over its role and both handshake messages; a
//!    wrong code fails here, before any page data flows.
//! 4. [`Sealer`] / [`Opener`]: ChaCha20-Poly1305; the nonce is the delivery class and sequence
//!    number, the associated data the envelope header. Reliable frames must arrive exactly in
//!    order; ephemeral frames must only move forward. Replayed, reordered or forged frames fail.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use spake2::{Ed25519Group, Identity, Password, Spake2};

use crate::{Delivery, Role, PROTOCOL_VERSION};

const ID_CUSTOMER: &[u8] = b"cobrowse customer";
const ID_AGENT: &[u8] = b"cobrowse agent";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("the key exchange message is malformed")]
    BadHandshake,
    #[error("verification failed: the code does not match")]
    VerificationFailed,
    #[error("frame {got} is out of order (expected {expected})")]
    OutOfOrder { got: u64, expected: u64 },
    #[error("frame {got} was already seen (last {last})")]
    Replayed { got: u64, last: u64 },
    #[error("a sealed frame failed authentication")]
    Forged,
}

/// One side's half-finished key exchange.
pub struct Handshake {
    role: Role,
    spake: Spake2<Ed25519Group>,
    session_id: [u8; 16],
    outbound: Vec<u8>,
}

/// Keys agreed by both sides, before confirmation.
pub struct Agreed {
    role: Role,
    confirm_key: [u8; 32],
    transcript: Vec<u8>,
    send_key: [u8; 32],
    recv_key: [u8; 32],
    rekey_key: [u8; 32],
}

impl Handshake {
    /// Starts the exchange for `role` (customer or agent) with the code's secret digits.
    pub fn start(role: Role, secret: u16, session_id: [u8; 16]) -> Self {
        // The session id is part of the password so a handshake cannot be moved to another
        // session; the secret is zero-padded so "0042" and "42" are the same code.
        let mut password = format!("{secret:04}").into_bytes();
        password.extend_from_slice(&session_id);
        let password = Password::new(&password);
        let (a, b) = (Identity::new(ID_CUSTOMER), Identity::new(ID_AGENT));
        let (spake, outbound) = match role {
            Role::Agent => Spake2::<Ed25519Group>::start_b(&password, &a, &b),
            _ => Spake2::<Ed25519Group>::start_a(&password, &a, &b),
        };
        Self {
            role,
            spake,
            session_id,
            outbound,
        }
    }

    /// The message to send to the other side.
    pub fn message(&self) -> &[u8] {
        &self.outbound
    }

    /// Finishes with the other side's message.
    pub fn finish(self, inbound: &[u8]) -> Result<Agreed, CryptoError> {
        let key = self
            .spake
            .finish(inbound)
            .map_err(|_| CryptoError::BadHandshake)?;
        let hk = Hkdf::<Sha256>::new(Some(&self.session_id), &key);
        let mut okm = [0u8; 128];
        hk.expand(b"cobrowse v1 keys", &mut okm)
            .expect("128 bytes is a valid HKDF-SHA256 length");
        let part = |i: usize| -> [u8; 32] { okm[i * 32..(i + 1) * 32].try_into().expect("32") };
        let (to_agent, to_customer, confirm_key) = (part(0), part(1), part(2));
        let rekey_key = part(3);
        let (send_key, recv_key) = match self.role {
            Role::Agent => (to_customer, to_agent),
            _ => (to_agent, to_customer),
        };
        // Both messages in a fixed order (customer's first), the same on both sides.
        let transcript = match self.role {
            Role::Agent => [inbound, self.outbound.as_slice()].concat(),
            _ => [self.outbound.as_slice(), inbound].concat(),
        };
        Ok(Agreed {
            role: self.role,
            confirm_key,
            transcript,
            send_key,
            recv_key,
            rekey_key,
        })
    }
}

type HmacSha256 = Hmac<Sha256>;

fn confirmation(key: &[u8; 32], role: Role, transcript: &[u8]) -> HmacSha256 {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(match role {
        Role::Agent => b"agent confirms",
        _ => b"customer confirms",
    });
    mac.update(transcript);
    mac
}

impl Agreed {
    /// Proves, in a later exchange of this session, that a side is the one that confirmed this
    /// one (see [`crate::key_guard`]). Only valid once [`Agreed::confirm`] succeeds.
    pub fn rekey_key(&self) -> crate::key_guard::RekeyKey {
        self.rekey_key
    }

    /// The confirmation to send: proves this side has the same keys.
    pub fn confirmation(&self) -> Vec<u8> {
        confirmation(&self.confirm_key, self.role, &self.transcript)
            .finalize()
            .into_bytes()
            .to_vec()
    }

    /// Checks the other side's confirmation (in constant time); on success, the channel.
    pub fn confirm(self, theirs: &[u8]) -> Result<(Sealer, Opener), CryptoError> {
        let peer = match self.role {
            Role::Agent => Role::Customer,
            _ => Role::Agent,
        };
        confirmation(&self.confirm_key, peer, &self.transcript)
            .verify_slice(theirs)
            .map_err(|_| CryptoError::VerificationFailed)?;
        Ok((
            Sealer {
                cipher: ChaCha20Poly1305::new(Key::from_slice(&self.send_key)),
                sender: self.role,
            },
            Opener {
                cipher: ChaCha20Poly1305::new(Key::from_slice(&self.recv_key)),
                sender: peer,
                last_reliable: 0,
                last_ephemeral: 0,
                gap_allowed: false,
            },
        ))
    }
}

fn nonce(delivery: Delivery, seq: u64) -> [u8; 12] {
    let mut n = [0u8; 12];
    n[0] = match delivery {
        Delivery::Reliable => 1,
        Delivery::Ephemeral => 2,
    };
    n[4..].copy_from_slice(&seq.to_le_bytes());
    n
}

/// The envelope fields a sealed payload is bound to.
fn associated_data(sender: Role, session: u32, delivery: Delivery, seq: u64) -> [u8; 16] {
    let mut ad = [0u8; 16];
    ad[0..2].copy_from_slice(&PROTOCOL_VERSION.to_le_bytes());
    ad[2] = sender as u8;
    ad[3] = delivery as u8;
    ad[4..8].copy_from_slice(&session.to_le_bytes());
    ad[8..16].copy_from_slice(&seq.to_le_bytes());
    ad
}

/// Seals what this side sends. The caller gives each frame its envelope's sequence number,
/// which must never repeat within a delivery class (the socket's counters guarantee it).
pub struct Sealer {
    cipher: ChaCha20Poly1305,
    sender: Role,
}

impl Sealer {
    pub fn seal(&self, session: u32, delivery: Delivery, seq: u64, plaintext: &[u8]) -> Vec<u8> {
        let aad = associated_data(self.sender, session, delivery, seq);
        self.cipher
            .encrypt(
                Nonce::from_slice(&nonce(delivery, seq)),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .expect("ChaCha20-Poly1305 encryption of an in-memory buffer")
    }
}

/// Opens what the other side sent, refusing replays, reordering and forgeries.
pub struct Opener {
    cipher: ChaCha20Poly1305,
    sender: Role,
    last_reliable: u64,
    last_ephemeral: u64,
    gap_allowed: bool,
}

impl Opener {
    pub fn open(
        &mut self,
        session: u32,
        delivery: Delivery,
        seq: u64,
        sealed: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let last = match delivery {
            Delivery::Reliable => self.last_reliable,
            Delivery::Ephemeral => self.last_ephemeral,
        };
        match delivery {
            Delivery::Reliable if seq <= last => {
                return Err(CryptoError::Replayed { got: seq, last })
            }
            Delivery::Reliable if seq != last + 1 && !self.gap_allowed => {
                return Err(CryptoError::OutOfOrder {
                    got: seq,
                    expected: last + 1,
                })
            }
            Delivery::Ephemeral if seq <= last => {
                return Err(CryptoError::Replayed { got: seq, last })
            }
            _ => {}
        }
        let aad = associated_data(self.sender, session, delivery, seq);
        let plain = self
            .cipher
            .decrypt(
                Nonce::from_slice(&nonce(delivery, seq)),
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .map_err(|_| CryptoError::Forged)?;
        match delivery {
            Delivery::Reliable => {
                self.last_reliable = seq;
                self.gap_allowed = false;
            }
            Delivery::Ephemeral => self.last_ephemeral = seq,
        }
        Ok(plain)
    }

    /// The last reliable frame opened: what a resumed connection asks the relay to continue
    /// after.
    pub fn last_reliable(&self) -> u64 {
        self.last_reliable
    }

    /// The relay lost reliable frames while this side was away: accept the next reliable frame
    /// even if numbers were skipped (never going back, so replays still fail). The caller must
    /// resynchronize what those frames carried.
    pub fn accept_gap(&mut self) {
        self.gap_allowed = true;
    }
}

#[cfg(test)]
#[path = "crypto_tests.rs"]
mod tests;
