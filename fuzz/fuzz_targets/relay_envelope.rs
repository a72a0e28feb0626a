//! Decoding a frame sent to the endpoint that accepts `RelayMsg` never panics, and whatever decodes
//! encodes back to a frame that decodes the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared_protocol::{RelayMsg, Envelope};

fuzz_target!(|data: &[u8]| {
    if let Ok(envelope) = Envelope::<RelayMsg>::decode(data) {
        let again = Envelope::<RelayMsg>::decode(&envelope.encode()).expect("re-encoded frame decodes");
        assert_eq!(again, envelope);
    }
});
