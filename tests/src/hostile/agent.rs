//! A genuine agent behind the hostile relay: it knows the real code (the test reads it off the
//! customer's page) and runs the key exchange as the console does, guard and proofs included,
//! so the relay can alternate genuine exchanges with its own guesses.

use axum::extract::ws::WebSocket;
use shared_protocol::crypto::{Handshake, Opener};
use shared_protocol::key_guard::KeyGuard;
use shared_protocol::page::CustomerPageMsg;
use shared_protocol::{decode_payload, CustomerMsg, Envelope, KeyExchange, RelayMsg, Role};

use super::wire::{customer_spake, next_customer_msg, next_envelope, send};
use super::{Seen, SESSION_ID};

/// The genuine agent's side, as its console keeps it.
#[derive(Default)]
pub struct Agent {
    pub guard: KeyGuard,
    pub opener: Option<Opener>,
    /// The newest snapshot epoch it opened under the current keys.
    pub epoch: u32,
}

impl Agent {
    /// Opens a page frame; true when it completes a snapshot newer than any before.
    pub fn new_snapshot(&mut self, env: &Envelope<CustomerMsg>) -> bool {
        let (Some(opener), CustomerMsg::Sealed(bytes)) = (&mut self.opener, &env.msg) else {
            return false;
        };
        let Ok(plain) = opener.open(env.session, env.delivery, env.seq, bytes) else {
            return false;
        };
        match decode_payload::<CustomerPageMsg>(&plain) {
            Ok(CustomerPageMsg::Snapshot(snap)) if snap.epoch > self.epoch => {
                self.epoch = snap.epoch;
                true
            }
            _ => false,
        }
    }
}

/// A genuine exchange as the real agent's console runs it (the relay only carries it): the
/// agent's guard checks the customer's proof and proves itself in turn.
pub async fn genuine(
    ws: &mut WebSocket,
    secret: u16,
    agent: &mut Agent,
    seen: &mut Seen,
) -> Option<()> {
    let (exchange, theirs, proof) = customer_spake(ws, seen).await?;
    agent
        .guard
        .admit(Role::Customer, exchange, &theirs, &proof)
        .ok()?;
    let handshake = Handshake::start(Role::Agent, secret, SESSION_ID);
    let message = handshake.message().to_vec();
    let proof = agent.guard.proof(Role::Agent, exchange, &message);
    let agreed = handshake.finish(&theirs).ok()?;
    send(
        ws,
        RelayMsg::Key(KeyExchange::Spake {
            exchange,
            message,
            proof,
        }),
    )
    .await?;
    agent.guard.confirming(agreed.rekey_key());
    let mac = agreed.confirmation();
    send(ws, RelayMsg::Key(KeyExchange::Confirm { exchange, mac })).await?;
    loop {
        match next_customer_msg(ws).await? {
            CustomerMsg::Key(KeyExchange::Confirm { mac, .. }) => {
                let rekey = agreed.rekey_key();
                let (_, opener) = agreed.confirm(&mac).ok()?;
                agent.guard.confirmed(rekey);
                // A new stream under the new keys: its epochs start again.
                agent.opener = Some(opener);
                agent.epoch = 0;
                break;
            }
            CustomerMsg::VerificationFailed => {
                seen.gave_up = true;
                return None;
            }
            _ => continue,
        }
    }
    // The verified page streams its snapshot: once it is in, a newer one can only answer a
    // later request.
    loop {
        if agent.new_snapshot(&next_envelope(ws).await?) {
            return Some(());
        }
    }
}
