//! Decoding a frame sent to the endpoint that accepts `AgentMsg` never panics, and whatever decodes
//! encodes back to a frame that decodes the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared_protocol::{AgentMsg, Envelope};

fuzz_target!(|data: &[u8]| {
    if let Ok(envelope) = Envelope::<AgentMsg>::decode(data) {
        let again = Envelope::<AgentMsg>::decode(&envelope.encode()).expect("re-encoded frame decodes");
        assert_eq!(again, envelope);
    }
});
