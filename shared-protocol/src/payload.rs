//! Payloads inside sealed frames: postcard, deflated when large.
//!
//! Layout: one tag byte, then the body. `RAW` bodies are postcard; `DEFLATE` bodies are the
//! deflated length (4 bytes, little endian), raw deflate of postcard, then zeros up to a whole
//! number of [`PAD_TO`] bytes. Compression happens before sealing (ciphertext does not
//! compress) and only above [`COMPRESS_FROM`] bytes, where it pays for its time: snapshots,
//! stylesheets, big batches. Inflating stops at [`MAX_PAYLOAD_LEN`], so a small hostile frame
//! cannot expand into gigabytes.
//!
//! Why the padding: compressing before sealing lets whoever sees frame lengths (the relay) and
//! can put text of its choice on the page beside a secret learn the secret a character at a
//! time, as in CRIME: a right guess deflates a byte or so shorter. Masked values never reach
//! the compressor (they are replaced before capture), but what the agent may see and the relay
//! may not does. Measured by `tests/compression_oracle.rs`: without padding the right guess of
//! the next digit is the single shortest frame at most positions; with 256-byte buckets at
//! almost none, so an attacker has to move its text across a bucket edge byte by byte, with
//! ~256 times the page loads per character it needs already.

use serde::{de::DeserializeOwned, Serialize};

use crate::DecodeError;

const RAW: u8 = 0;
const DEFLATE: u8 = 1;

/// Payloads smaller than this go out as they are: deflate's gain there is a few bytes.
pub const COMPRESS_FROM: usize = 1024;
/// Level 1 (fastest): a 100k-node snapshot is several MB of postcard, compressed on the
/// customer's main thread; higher levels cost 3–5× the time for ~10 % fewer bytes.
const LEVEL: u8 = 1;
/// Deflated payloads are padded to a multiple of this many bytes (at most 25 % more for the
/// smallest, a fraction of a percent for a snapshot).
pub const PAD_TO: usize = 256;
/// The largest payload a frame may inflate to.
pub const MAX_PAYLOAD_LEN: usize = 64 * 1024 * 1024;

/// Encodes a payload that goes inside a sealed frame (page content).
pub fn encode_payload<T: Serialize>(value: &T) -> Vec<u8> {
    let plain = postcard::to_allocvec(value).expect("postcard encoding into a Vec");
    if plain.len() >= COMPRESS_FROM {
        let packed = miniz_oxide::deflate::compress_to_vec(&plain, LEVEL);
        let padded = (1 + 4 + packed.len()).next_multiple_of(PAD_TO);
        if padded < plain.len() {
            let mut out = Vec::with_capacity(padded);
            out.push(DEFLATE);
            out.extend_from_slice(&(packed.len() as u32).to_le_bytes());
            out.extend_from_slice(&packed);
            out.resize(padded, 0);
            return out;
        }
    }
    raw(&plain)
}

/// Encodes a payload that is never deflated: the agent's messages (its pointer, actions and
/// typed text) are small, and the customer's module, which only reads those, then carries no
/// inflater (7.5 KB of its code).
pub fn encode_plain_payload<T: Serialize>(value: &T) -> Vec<u8> {
    raw(&postcard::to_allocvec(value).expect("postcard encoding into a Vec"))
}

/// A `RAW` payload of postcard bytes `plain`.
fn raw(plain: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(plain.len() + 1);
    out.push(RAW);
    out.extend_from_slice(plain);
    out
}

/// Decodes a payload written by [`encode_plain_payload`]; a deflated one is refused, never
/// inflated. Never panics.
pub fn decode_plain_payload<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    match bytes.split_first() {
        None => Err(DecodeError::Empty),
        Some((&RAW, body)) => finish(body),
        Some((&DEFLATE, _)) => Err(DecodeError::Malformed(
            "a deflated payload where only plain ones are accepted",
        )),
        Some(_) => Err(DecodeError::Malformed("unknown payload encoding")),
    }
}

/// The postcard bytes inside a payload (inflated when it was deflated); never panics.
pub fn payload_plain(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, DecodeError> {
    let (&tag, body) = bytes.split_first().ok_or(DecodeError::Empty)?;
    match tag {
        RAW => Ok(std::borrow::Cow::Borrowed(body)),
        DEFLATE => {
            miniz_oxide::inflate::decompress_to_vec_with_limit(deflated(body)?, MAX_PAYLOAD_LEN)
                .map(std::borrow::Cow::Owned)
                .map_err(|e| match e.status {
                    miniz_oxide::inflate::TINFLStatus::HasMoreOutput => DecodeError::Oversized {
                        len: MAX_PAYLOAD_LEN + 1,
                        max: MAX_PAYLOAD_LEN,
                    },
                    _ => DecodeError::Malformed("corrupt compressed payload"),
                })
        }
        _ => Err(DecodeError::Malformed("unknown payload encoding")),
    }
}

/// The deflate stream of a `DEFLATE` body, without its length and padding.
fn deflated(body: &[u8]) -> Result<&[u8], DecodeError> {
    let (len, rest) = body.split_first_chunk::<4>().ok_or(DecodeError::Malformed(
        "compressed payload without its length",
    ))?;
    rest.get(..u32::from_le_bytes(*len) as usize)
        .ok_or(DecodeError::Malformed(
            "compressed payload shorter than its length",
        ))
}

/// Decodes a payload taken out of a sealed frame; never panics.
pub fn decode_payload<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    finish(&payload_plain(bytes)?)
}

/// One whole value from postcard bytes, nothing after it.
fn finish<T: DeserializeOwned>(body: &[u8]) -> Result<T, DecodeError> {
    let (value, trailing) = postcard::take_from_bytes::<T>(body)?;
    if !trailing.is_empty() {
        return Err(DecodeError::TrailingBytes(trailing.len()));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_payloads_stay_raw_and_large_ones_are_deflated() {
        let small = encode_payload(&"hello".to_string());
        assert_eq!(small[0], RAW);
        let big: Vec<String> = (0..500)
            .map(|i| format!("<div class=row>{i}</div>"))
            .collect();
        let packed = encode_payload(&big);
        assert_eq!(packed[0], DEFLATE);
        assert_eq!(packed.len() % PAD_TO, 0, "padded to a whole bucket");
        assert!(packed.len() < postcard::to_allocvec(&big).unwrap().len() / 3);
        assert_eq!(decode_payload::<Vec<String>>(&packed).unwrap(), big);
        assert_eq!(decode_payload::<String>(&small).unwrap(), "hello");
    }

    #[test]
    fn plain_payloads_are_never_deflated_and_refuse_deflated_ones() {
        let big: Vec<String> = (0..500)
            .map(|i| format!("<div class=row>{i}</div>"))
            .collect();
        let plain = encode_plain_payload(&big);
        assert_eq!(plain[0], RAW);
        assert_eq!(decode_plain_payload::<Vec<String>>(&plain).unwrap(), big);
        assert_eq!(decode_payload::<Vec<String>>(&plain).unwrap(), big);
        let deflated = encode_payload(&big);
        assert_eq!(deflated[0], DEFLATE, "the case refused below exists");
        assert!(matches!(
            decode_plain_payload::<Vec<String>>(&deflated),
            Err(DecodeError::Malformed(_))
        ));
        assert!(matches!(
            decode_plain_payload::<String>(&[]),
            Err(DecodeError::Empty)
        ));
    }

    #[test]
    fn incompressible_payloads_go_raw() {
        let mut x = 0x9e3779b97f4a7c15u64;
        let noise: Vec<u8> = (0..4096)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let out = encode_payload(&noise);
        assert_eq!(out[0], RAW);
        assert_eq!(decode_payload::<Vec<u8>>(&out).unwrap(), noise);
    }

    #[test]
    fn bad_payloads_are_typed_errors() {
        assert_eq!(decode_payload::<u32>(&[]), Err(DecodeError::Empty));
        assert!(matches!(
            decode_payload::<u32>(&[7, 1]),
            Err(DecodeError::Malformed("unknown payload encoding"))
        ));
        for bad in [
            &[DEFLATE, 0xff, 0xff, 0xff][..],
            &[DEFLATE, 3, 0, 0, 0, 0xff, 0xff, 0xff],
            &[DEFLATE, 9, 0, 0, 0, 0, 0],
        ] {
            assert!(
                matches!(decode_payload::<u32>(bad), Err(DecodeError::Malformed(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_deflate_bomb_stops_at_the_limit() {
        let zeros = vec![0u8; MAX_PAYLOAD_LEN + 4096];
        let packed = miniz_oxide::deflate::compress_to_vec(&zeros, 9);
        let mut bomb = vec![DEFLATE];
        bomb.extend((packed.len() as u32).to_le_bytes());
        bomb.extend(packed);
        assert!(bomb.len() < 200 * 1024);
        assert!(matches!(
            decode_payload::<Vec<u8>>(&bomb),
            Err(DecodeError::Oversized { .. })
        ));
    }
}
