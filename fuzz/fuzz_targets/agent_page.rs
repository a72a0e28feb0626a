//! Decoding a sealed payload's plaintext as `AgentPageMsg` (as the customer's module does:
//! plain payloads only) never panics, and round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared_protocol::page::AgentPageMsg;
use shared_protocol::payload::{decode_plain_payload, encode_plain_payload};

fuzz_target!(|data: &[u8]| {
    if let Ok(msg) = decode_plain_payload::<AgentPageMsg>(data) {
        let again: AgentPageMsg =
            decode_plain_payload(&encode_plain_payload(&msg)).expect("re-encoded payload decodes");
        assert_eq!(again, msg);
    }
});
