//! The key exchange and sealing compiled to wasm32 and run in headless Chromium (randomness
//! from crypto.getRandomValues): the same results as natively.
#![cfg(target_arch = "wasm32")]

use shared_protocol::crypto::{CryptoError, Handshake};
use shared_protocol::{Delivery, Role};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn exchange(customer_secret: u16, agent_secret: u16) -> Result<(), CryptoError> {
    let session = [3u8; 16];
    let c = Handshake::start(Role::Customer, customer_secret, session);
    let a = Handshake::start(Role::Agent, agent_secret, session);
    let (cm, am) = (c.message().to_vec(), a.message().to_vec());
    let (c, a) = (c.finish(&am)?, a.finish(&cm)?);
    let (cc, ac) = (c.confirmation(), a.confirmation());
    let (_, mut agent_opener) = a.confirm(&cc)?;
    let (customer_sealer, _) = c.confirm(&ac)?;
    let sealed = customer_sealer.seal(77, Delivery::Reliable, 1, b"<h1>page</h1>");
    assert_eq!(
        agent_opener.open(77, Delivery::Reliable, 1, &sealed)?,
        b"<h1>page</h1>"
    );
    Ok(())
}

#[wasm_bindgen_test]
fn the_same_code_agrees_in_the_browser() {
    exchange(4321, 4321).unwrap();
}

#[wasm_bindgen_test]
fn a_wrong_code_fails_in_the_browser() {
    assert_eq!(exchange(4321, 4322), Err(CryptoError::VerificationFailed));
}
