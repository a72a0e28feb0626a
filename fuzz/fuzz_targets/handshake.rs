//! The key exchange's inbound bytes (the other side's SPAKE2 message, then its confirmation)
//! never panic, for either role: a forged or cut message is an error, nothing more.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared_protocol::crypto::Handshake;
use shared_protocol::Role;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let role = if first & 1 == 0 { Role::Customer } else { Role::Agent };
    // The SPAKE2 message is 33 bytes; the fuzzer also tries other lengths.
    let split = rest.len().min(usize::from(first >> 1));
    let (message, confirmation) = rest.split_at(split);
    let handshake = Handshake::start(role, 1234, [7; 16]);
    if let Ok(agreed) = handshake.finish(message) {
        let _ = agreed.confirm(confirmation);
    }
});
