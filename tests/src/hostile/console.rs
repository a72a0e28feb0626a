//! A relay that turns hostile against the agent's console: it serves the real relay's console
//! page and bundles, and on each of the console's connections poses as the customer: it
//! starts one key exchange with a guess of the secret digits (the console's answer, its
//! confirmation included, lets the relay check that guess), then says verification failed,
//! which ends the console's join, so the agent joins again with the same code.

use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use shared_protocol::exchange::Keys;
use shared_protocol::key_guard::KeyGuard;
use shared_protocol::{AgentMsg, Envelope, KeyExchange, RelayMsg, Role};
use tokio::sync::mpsc;

use super::wire::frame;
use super::{forward, serve, SESSION_ID};
use crate::TestResult;

/// The secret digits the relay guesses (the test's code has others).
pub const GUESS: u16 = 9999;

/// What one join of the console gave the hostile relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Join {
    /// The console answered the relay's exchange with its confirmation: a guess checked.
    Answered,
    /// The console closed its connection instead of answering.
    Refused,
    /// Neither within 15 s (the console did not act on the exchange at all).
    Silent,
}

#[derive(Clone)]
struct Evil {
    real_relay: String,
    joins: mpsc::Sender<Join>,
}

/// A hostile relay in front of the real one at `real_relay`: its URL, and each join's outcome
/// in the order the console joined.
pub async fn start(real_relay: &str) -> TestResult<(String, mpsc::Receiver<Join>)> {
    let (joins, outcomes) = mpsc::channel(16);
    let evil = Evil {
        real_relay: real_relay.to_string(),
        joins,
    };
    let url = serve(
        Router::new()
            .route("/ws/agent", get(agent_ws))
            .route("/{*path}", get(proxied))
            .with_state(evil),
    )
    .await?;
    Ok((url, outcomes))
}

async fn proxied(State(evil): State<Evil>, Path(path): Path<String>) -> Response {
    forward(&evil.real_relay, &path).await
}

async fn agent_ws(ws: WebSocketUpgrade, State(evil): State<Evil>) -> Response {
    ws.on_upgrade(move |socket| async move {
        let outcome = pose_as_customer(socket).await;
        let _ = evil.joins.send(outcome).await;
    })
}

/// One join: `Joined`, the relay's exchange with [`GUESS`], then "verification failed".
async fn pose_as_customer(mut ws: WebSocket) -> Join {
    loop {
        match next_agent_msg(&mut ws).await {
            Ok(Some(AgentMsg::Join { .. })) => break,
            Ok(Some(_)) => continue,
            Ok(None) => return Join::Refused,
            Err(()) => return Join::Silent,
        }
    }
    let joined = RelayMsg::Joined {
        session_id: SESSION_ID,
        resume_token: [1; 16],
    };
    if ws.send(frame(joined)).await.is_err() {
        return Join::Refused;
    }
    // Each join's console keys anew, so one exchange id serves every join.
    let mut posing = Keys::new(Role::Customer, KeyGuard::default());
    let spake = posing.start(GUESS, SESSION_ID, 1).send.remove(0);
    if ws.send(frame(RelayMsg::Key(spake))).await.is_err() {
        return Join::Refused;
    }
    loop {
        match next_agent_msg(&mut ws).await {
            Ok(Some(AgentMsg::Key(KeyExchange::Confirm { .. }))) => {
                let failed = RelayMsg::VerificationFailed { attempts_left: 2 };
                let _ = ws.send(frame(failed)).await;
                return Join::Answered;
            }
            Ok(Some(_)) => continue,
            Ok(None) => return Join::Refused,
            Err(()) => return Join::Silent,
        }
    }
}

/// The console's next message; `Ok(None)` once it closed, `Err` after 15 s of nothing.
async fn next_agent_msg(ws: &mut WebSocket) -> Result<Option<AgentMsg>, ()> {
    loop {
        let Ok(next) = tokio::time::timeout(Duration::from_secs(15), ws.recv()).await else {
            return Err(());
        };
        match next {
            Some(Ok(Message::Binary(b))) => match Envelope::<AgentMsg>::decode(&b) {
                Ok(env) => return Ok(Some(env.msg)),
                Err(_) => continue,
            },
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return Ok(None),
            Some(Ok(_)) => continue,
        }
    }
}
