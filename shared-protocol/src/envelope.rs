//! One envelope per binary WebSocket frame.
//!
//! Layout (postcard varints): `version, role, session, delivery, seq, message`. The version and
//! role come first so a peer of another version, or a frame sent to the wrong endpoint, gets a
//! clear error before anything else is read.

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::DecodeError;

/// Bumped on every incompatible change of any message in this crate.
pub const PROTOCOL_VERSION: u16 = 8;

/// No frame may be larger than this; a bigger one is refused before it is decoded.
pub const MAX_FRAME_LEN: usize = 16 * 1024 * 1024;

/// Who sent a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    Customer,
    Agent,
    Relay,
}

/// How the relay may treat a frame under pressure. Each class has its own sequence space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Delivery {
    /// Ordered, never dropped: DOM, forms, styles, control.
    Reliable,
    /// Only the latest matters (pointer moves, scroll in motion); may be coalesced or dropped.
    Ephemeral,
}

/// A message type that travels in one direction; its role is checked on decode.
pub trait Direction: Serialize + DeserializeOwned {
    const ROLE: Role;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope<M> {
    pub version: u16,
    pub role: Role,
    /// The routing part of the join code; 0 before the relay has allocated one.
    pub session: u32,
    pub delivery: Delivery,
    /// Numbers the sender's sealed frames, per delivery class, from 1; it is the AEAD nonce and
    /// the resume point. Control frames carry 0.
    pub seq: u64,
    pub msg: M,
}

impl<M: Direction> Envelope<M> {
    pub fn new(session: u32, delivery: Delivery, seq: u64, msg: M) -> Self {
        Self {
            version: PROTOCOL_VERSION,
            role: M::ROLE,
            session,
            delivery,
            seq,
            msg,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        // Serializing our own types into a Vec cannot fail.
        postcard::to_allocvec(self).expect("postcard encoding into a Vec")
    }

    /// Decodes a frame meant for an endpoint that accepts `M`; never panics.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        if bytes.is_empty() {
            return Err(DecodeError::Empty);
        }
        if bytes.len() > MAX_FRAME_LEN {
            return Err(DecodeError::Oversized {
                len: bytes.len(),
                max: MAX_FRAME_LEN,
            });
        }
        let (version, rest) = postcard::take_from_bytes::<u16>(bytes)?;
        if version != PROTOCOL_VERSION {
            return Err(DecodeError::UnsupportedVersion {
                got: version,
                supported: PROTOCOL_VERSION,
            });
        }
        let (role, _) = postcard::take_from_bytes::<Role>(rest)?;
        if role != M::ROLE {
            return Err(DecodeError::WrongRole {
                got: role,
                expected: M::ROLE,
            });
        }
        let (envelope, trailing) = postcard::take_from_bytes::<Self>(bytes)?;
        if !trailing.is_empty() {
            return Err(DecodeError::TrailingBytes(trailing.len()));
        }
        Ok(envelope)
    }
}
