//! Payloads inside sealed frames: postcard, deflated when large.
//!
//! Layout: one tag byte, then the body. `RAW` bodies are postcard; `DEFLATE` bodies are raw
//! deflate of postcard. Compression happens before sealing (ciphertext does not compress) and
//! only above [`COMPRESS_FROM`] bytes, where it pays for its time: snapshots, stylesheets, big
//! batches. Inflating stops at [`MAX_PAYLOAD_LEN`], so a small hostile frame cannot expand into
//! gigabytes.

use serde::{de::DeserializeOwned, Serialize};

use crate::DecodeError;

const RAW: u8 = 0;
const DEFLATE: u8 = 1;

/// Payloads smaller than this go out as they are: deflate's gain there is a few bytes.
pub const COMPRESS_FROM: usize = 1024;
/// Level 1 (fastest): a 100k-node snapshot is several MB of postcard, compressed on the
/// customer's main thread; higher levels cost 3–5× the time for ~10 % fewer bytes.
const LEVEL: u8 = 1;
/// The largest payload a frame may inflate to.
pub const MAX_PAYLOAD_LEN: usize = 64 * 1024 * 1024;

/// Encodes a payload that goes inside a sealed frame (page content).
pub fn encode_payload<T: Serialize>(value: &T) -> Vec<u8> {
    let plain = postcard::to_allocvec(value).expect("postcard encoding into a Vec");
    if plain.len() >= COMPRESS_FROM {
        let packed = miniz_oxide::deflate::compress_to_vec(&plain, LEVEL);
        if packed.len() < plain.len() {
            let mut out = Vec::with_capacity(packed.len() + 1);
            out.push(DEFLATE);
            out.extend_from_slice(&packed);
            return out;
        }
    }
    let mut out = Vec::with_capacity(plain.len() + 1);
    out.push(RAW);
    out.extend_from_slice(&plain);
    out
}

/// The postcard bytes inside a payload (inflated when it was deflated); never panics.
pub fn payload_plain(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, DecodeError> {
    let (&tag, body) = bytes.split_first().ok_or(DecodeError::Empty)?;
    match tag {
        RAW => Ok(std::borrow::Cow::Borrowed(body)),
        DEFLATE => miniz_oxide::inflate::decompress_to_vec_with_limit(body, MAX_PAYLOAD_LEN)
            .map(std::borrow::Cow::Owned)
            .map_err(|e| match e.status {
                miniz_oxide::inflate::TINFLStatus::HasMoreOutput => DecodeError::Oversized {
                    len: MAX_PAYLOAD_LEN + 1,
                    max: MAX_PAYLOAD_LEN,
                },
                _ => DecodeError::Malformed("corrupt compressed payload"),
            }),
        _ => Err(DecodeError::Malformed("unknown payload encoding")),
    }
}

/// Decodes a payload taken out of a sealed frame; never panics.
pub fn decode_payload<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    let body = payload_plain(bytes)?;
    let (value, trailing) = postcard::take_from_bytes::<T>(&body)?;
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
        assert!(packed.len() < postcard::to_allocvec(&big).unwrap().len() / 3);
        assert_eq!(decode_payload::<Vec<String>>(&packed).unwrap(), big);
        assert_eq!(decode_payload::<String>(&small).unwrap(), "hello");
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
        assert!(matches!(
            decode_payload::<u32>(&[DEFLATE, 0xff, 0xff, 0xff]),
            Err(DecodeError::Malformed(_))
        ));
    }

    #[test]
    fn a_deflate_bomb_stops_at_the_limit() {
        let zeros = vec![0u8; MAX_PAYLOAD_LEN + 4096];
        let mut bomb = vec![DEFLATE];
        bomb.extend(miniz_oxide::deflate::compress_to_vec(&zeros, 9));
        assert!(bomb.len() < 200 * 1024);
        assert!(matches!(
            decode_payload::<Vec<u8>>(&bomb),
            Err(DecodeError::Oversized { .. })
        ));
    }
}
