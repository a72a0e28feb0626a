//! Decoding a sealed payload's plaintext as `AgentPageMsg` never panics, and round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared_protocol::payload::{decode_payload, encode_payload};
use shared_protocol::page::AgentPageMsg;

fuzz_target!(|data: &[u8]| {
    if let Ok(msg) = decode_payload::<AgentPageMsg>(data) {
        let again: AgentPageMsg = decode_payload(&encode_payload(&msg)).expect("re-encoded payload decodes");
        assert_eq!(again, msg);
    }
});
