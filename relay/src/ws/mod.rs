//! The two WebSocket endpoints. Each connection is split into a send task (draining a bounded
//! queue into the socket) and a receive loop (decoding envelopes and acting on them), as in the
//! axum examples. A malformed frame closes that one socket with a reason; nothing else is hurt.
//!
//! - this module: upgrades, admission and running a connection to its end;
//! - [`connection`]: the socket's buffers and its send task; [`refusals`]: errors and close
//!   codes; [`routing`]: forwarding sealed frames, resuming a side, telling it its node;
//! - [`read`]: the next frame for a receive loop, or why the loop stops;
//! - [`customer`] and [`agent`]: each side's receive loop;
//! - [`polling`]: the same connection over HTTP long polling, for clients behind a proxy that
//!   refuses WebSockets;
//! - [`placement`] and [`bridge`]: with several nodes, where a socket's session runs, and the
//!   bridge to it through Redis when that is another node.

mod agent;
mod bridge;
mod connection;
mod customer;
mod placement;
mod polling;
mod read;
mod refusals;
mod routing;

pub use bridge::accept_forever;
pub use polling::{routes as polling_routes, Polls, POLL_HEADER};

use agent::agent_loop;
use connection::{sized, spawn_sender, Connection};
use customer::customer_loop;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use shared_protocol::{AgentMsg, CustomerMsg};
use tokio::time::Instant;

use crate::client_ip::ClientIp;
use crate::client_limits::ConnectionSlot;
use crate::error::HttpError;
use crate::metrics::bump;
use crate::sessions::Side;
use crate::state::AppState;

pub async fn customer(
    ws: WebSocketUpgrade,
    headers: HeaderMap,
    client: ClientIp,
    State(state): State<AppState>,
) -> Result<Response, HttpError> {
    let user_agent = admit_customer(&state, &headers)?;
    let slot = connection_slot(&state, client)?;
    Ok(sized(ws)
        .on_upgrade(move |socket| {
            serve(
                state,
                spawn_sender(socket),
                Side::Customer,
                client,
                user_agent,
                slot,
            )
        })
        .into_response())
}

pub async fn agent(
    ws: WebSocketUpgrade,
    client: ClientIp,
    State(state): State<AppState>,
) -> Result<Response, HttpError> {
    let slot = connection_slot(&state, client)?;
    Ok(sized(ws)
        .on_upgrade(move |socket| {
            serve(
                state,
                spawn_sender(socket),
                Side::Agent,
                client,
                String::new(),
                slot,
            )
        })
        .into_response())
}

/// Runs one connection (a WebSocket, or long polling's stand-in for one) to its end: here, or
/// bridged to the node that runs its session.
async fn serve(
    state: AppState,
    mut conn: Connection,
    side: Side,
    client: ClientIp,
    user_agent: String,
    slot: ConnectionSlot,
) {
    let role = match side {
        Side::Customer => "customer",
        Side::Agent => "agent",
    };
    let _log = crate::access_log::SocketLog::open(&state.metrics, role);
    // Each part runs as a future of its own on the heap: inline, every idle connection's
    // task would be as large as the largest of them (placement, the bridge, both loops),
    // whichever it runs.
    if let Some(cluster) = state.cluster.clone() {
        let deadline = Instant::now() + state.config.handshake_timeout;
        let placed = match side {
            Side::Customer => {
                Box::pin(placement::place::<CustomerMsg>(
                    &state, &cluster, &mut conn, deadline,
                ))
                .await
            }
            Side::Agent => {
                Box::pin(placement::place::<AgentMsg>(
                    &state, &cluster, &mut conn, deadline,
                ))
                .await
            }
        };
        match placed {
            placement::Route::Here => {}
            placement::Route::Closed => return drop(slot),
            placement::Route::Bridge { owner, first } => {
                Box::pin(bridge::pipe(
                    state, conn, first, side, owner, client, user_agent,
                ))
                .await;
                return drop(slot);
            }
        }
    }
    match side {
        Side::Customer => Box::pin(customer_loop(conn, state, user_agent, client)).await,
        Side::Agent => Box::pin(agent_loop(conn, state)).await,
    }
    drop(slot);
}

/// A customer's connection (a WebSocket or polling) comes from a page of an allowed origin;
/// its browser's user agent, for the history.
fn admit_customer(state: &AppState, headers: &HeaderMap) -> Result<String, HttpError> {
    let origin = headers
        .get(axum::http::header::ORIGIN)
        .and_then(|v| v.to_str().ok());
    if !state.origin_allowed(origin) {
        tracing::warn!(?origin, "customer refused: origin not allowed");
        return Err(HttpError::OriginNotAllowed(origin.unwrap_or("").into()));
    }
    Ok(headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string())
}

/// A place for one more socket of `client`, or 429 when it has `connections_per_ip` open.
fn connection_slot(state: &AppState, client: ClientIp) -> Result<ConnectionSlot, HttpError> {
    state.limits.open_connection(client).ok_or_else(|| {
        bump(&state.metrics.connections_refused, 1);
        tracing::warn!(%client, "WebSocket refused: too many open from this client");
        HttpError::TooManyRequests("too many open connections from your address".into())
    })
}
