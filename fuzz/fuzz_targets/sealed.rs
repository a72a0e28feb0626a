//! Opening sealed bytes the relay forwards (any sequence number, delivery class, ciphertext)
//! never panics; what opens was sealed by the other side, byte for byte.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared_protocol::crypto::{Handshake, Opener, Sealer};
use shared_protocol::{Delivery, Role};

/// Both ends of a real channel (a full exchange, as the two browsers run it).
fn channel() -> (Sealer, Opener) {
    let customer = Handshake::start(Role::Customer, 42, [1; 16]);
    let agent = Handshake::start(Role::Agent, 42, [1; 16]);
    let (to_agent, to_customer) = (customer.message().to_vec(), agent.message().to_vec());
    let customer = customer.finish(&to_customer).expect("same code");
    let agent = agent.finish(&to_agent).expect("same code");
    let (customer_mac, agent_mac) = (customer.confirmation(), agent.confirmation());
    let (sealer, _) = customer.confirm(&agent_mac).expect("confirmed");
    let (_, opener) = agent.confirm(&customer_mac).expect("confirmed");
    (sealer, opener)
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 9 {
        return;
    }
    let delivery = if data[0] & 1 == 0 { Delivery::Reliable } else { Delivery::Ephemeral };
    let seq = u64::from_le_bytes(data[1..9].try_into().expect("8 bytes"));
    let (sealer, mut opener) = channel();
    // Forged bytes fail without moving the opener's counters, so what follows still opens.
    let _ = opener.open(5, delivery, seq, &data[9..]);
    // The same bytes sealed for real open to themselves.
    let sealed = sealer.seal(5, delivery, 1, &data[9..]);
    assert_eq!(opener.open(5, delivery, 1, &sealed).expect("opens"), &data[9..]);
});
