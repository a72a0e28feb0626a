//! Typed decoding errors: every way a frame can be wrong has a name, so the relay can close a
//! socket with a precise reason and the browsers can show one.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    #[error("frame is empty")]
    Empty,
    #[error("frame of {len} bytes exceeds the limit of {max} bytes")]
    Oversized { len: usize, max: usize },
    #[error("protocol version {got} is not supported (this side speaks version {supported})")]
    UnsupportedVersion { got: u16, supported: u16 },
    #[error(
        "frame claims to come from {got:?} but this endpoint only accepts frames from {expected:?}"
    )]
    WrongRole {
        got: crate::Role,
        expected: crate::Role,
    },
    #[error("frame ends too early")]
    Truncated,
    #[error("unknown message kind")]
    UnknownKind,
    #[error("{0} trailing bytes after the message")]
    TrailingBytes(usize),
    #[error("malformed frame: {0}")]
    Malformed(&'static str),
}

impl From<postcard::Error> for DecodeError {
    fn from(e: postcard::Error) -> Self {
        use postcard::Error as P;
        match e {
            P::DeserializeUnexpectedEnd => DecodeError::Truncated,
            // Derived enums report an out-of-range variant index through serde's custom error.
            P::DeserializeBadEnum | P::SerdeDeCustom => DecodeError::UnknownKind,
            P::DeserializeBadVarint => DecodeError::Malformed("bad varint"),
            P::DeserializeBadUtf8 => DecodeError::Malformed("bad UTF-8 in a string"),
            P::DeserializeBadBool => DecodeError::Malformed("bad boolean"),
            P::DeserializeBadOption => DecodeError::Malformed("bad option tag"),
            P::DeserializeBadChar => DecodeError::Malformed("bad char"),
            _ => DecodeError::Malformed("undecodable payload"),
        }
    }
}
