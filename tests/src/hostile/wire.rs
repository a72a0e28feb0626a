//! The hostile relay's side of the customer's WebSocket: reading what the customer's browser
//! sends (heartbeats and page visits skipped) and answering as a relay would.

use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use shared_protocol::crypto::Handshake;
use shared_protocol::privacy::PrivacyRules;
use shared_protocol::{CustomerMsg, Delivery, Envelope, KeyExchange, RelayMsg, Role};

use super::{Seen, ROUTING, SESSION_ID};

pub fn frame(msg: RelayMsg) -> Message {
    Message::Binary(
        Envelope::new(ROUTING, Delivery::Reliable, 0, msg)
            .encode()
            .into(),
    )
}

pub async fn next_envelope(ws: &mut WebSocket) -> Option<Envelope<CustomerMsg>> {
    loop {
        match tokio::time::timeout(Duration::from_secs(15), ws.recv())
            .await
            .ok()??
        {
            Ok(Message::Binary(b)) => {
                let env = Envelope::<CustomerMsg>::decode(&b).ok()?;
                match env.msg {
                    CustomerMsg::Heartbeat { .. } | CustomerMsg::PageVisit(_) => continue,
                    _ => return Some(env),
                }
            }
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

pub async fn next_customer_msg(ws: &mut WebSocket) -> Option<CustomerMsg> {
    next_envelope(ws).await.map(|e| e.msg)
}

/// Waits for the customer's SPAKE2 message (exchange id, message, proof); `None` when it gave
/// up instead.
pub async fn customer_spake(
    ws: &mut WebSocket,
    seen: &mut Seen,
) -> Option<(u64, Vec<u8>, Vec<u8>)> {
    loop {
        match next_customer_msg(ws).await {
            Some(CustomerMsg::Key(KeyExchange::Spake {
                exchange,
                message,
                proof,
            })) => return Some((exchange, message, proof)),
            Some(CustomerMsg::VerificationFailed) | Some(CustomerMsg::Exit) | None => {
                seen.gave_up = true;
                return None;
            }
            Some(_) => continue,
        }
    }
}

pub async fn send(ws: &mut WebSocket, msg: RelayMsg) -> Option<()> {
    ws.send(frame(msg)).await.ok()
}

/// Answers exchange `exchange` (whose SPAKE2 message from the customer is `theirs`) as an agent with `guess`, without proof: its SPAKE2 message and
/// its confirmation, as the console sends them. `Some(true)` when the customer confirmed back
/// (it took `guess` for the code), `Some(false)` when it said verification failed (a wrong
/// guess, or an exchange it refused).
pub async fn answer_with_guess(
    ws: &mut WebSocket,
    (exchange, theirs): (u64, &[u8]),
    guess: u16,
) -> Option<bool> {
    let handshake = Handshake::start(Role::Agent, guess, SESSION_ID);
    let message = handshake.message().to_vec();
    let mac = handshake
        .finish(theirs)
        .map(|agreed| agreed.confirmation())
        .unwrap_or_else(|_| vec![0; 32]);
    send(
        ws,
        RelayMsg::Key(KeyExchange::Spake {
            exchange,
            message,
            proof: vec![],
        }),
    )
    .await?;
    send(ws, RelayMsg::Key(KeyExchange::Confirm { exchange, mac })).await?;
    loop {
        match next_customer_msg(ws).await? {
            CustomerMsg::Key(KeyExchange::Confirm { .. }) => return Some(true),
            CustomerMsg::VerificationFailed | CustomerMsg::Key(_) => return Some(false),
            // Page frames of a stream still running: not an answer.
            _ => continue,
        }
    }
}

pub async fn created(ws: &mut WebSocket) -> Option<()> {
    let Some(CustomerMsg::Create { .. }) = next_customer_msg(ws).await else {
        return None;
    };
    send(
        ws,
        RelayMsg::Created {
            session_id: SESSION_ID,
            routing: ROUTING,
            resume_token: [1; 16],
        },
    )
    .await?;
    // As the real relay does: the privacy rules, without which nothing is captured.
    send(ws, RelayMsg::Privacy(vec![PrivacyRules::default()])).await
}
