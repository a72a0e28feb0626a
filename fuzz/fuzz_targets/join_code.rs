//! Parsing whatever an agent types as a join code never panics, and a parsed code prints back to
//! a string that parses to the same code.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared_protocol::JoinCode;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(code) = JoinCode::parse(text) {
            assert_eq!(JoinCode::parse(&code.to_string()), Ok(code));
        }
    }
});
