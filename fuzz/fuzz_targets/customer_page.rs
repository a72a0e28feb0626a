//! Decoding a sealed payload's plaintext as `CustomerPageMsg` never panics, and round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared_protocol::payload::{decode_payload, encode_payload};
use shared_protocol::page::CustomerPageMsg;

fuzz_target!(|data: &[u8]| {
    if let Ok(msg) = decode_payload::<CustomerPageMsg>(data) {
        let again: CustomerPageMsg = decode_payload(&encode_payload(&msg)).expect("re-encoded payload decodes");
        assert_eq!(again, msg);
    }
});
