//! The two WebSocket endpoints. Each connection is split into a send task (draining a bounded
//! queue into the socket) and a receive loop (decoding envelopes and acting on them), as in the
//! axum examples. A malformed frame closes that one socket with a reason; nothing else is hurt.
//!
//! - this module: upgrades, the send task, refusals, routing and resuming helpers;
//! - [`read`]: the next frame for a receive loop, or why the loop stops;
//! - [`customer`] and [`agent`]: each side's receive loop;
//! - [`polling`]: the same connection over HTTP long polling, for clients behind a proxy that
//!   refuses WebSockets;
//! - [`placement`] and [`bridge`]: with several nodes, where a socket's session runs, and the
//!   bridge to it through Redis when that is another node.

mod agent;
mod bridge;
mod customer;
mod placement;
mod polling;
mod read;

pub use bridge::accept_forever;
pub use polling::{routes as polling_routes, Polls, POLL_HEADER};

use agent::agent_loop;
use customer::customer_loop;
use read::next_for;

use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use futures_util::stream::BoxStream;
use futures_util::{Sink, SinkExt, StreamExt};
use shared_protocol::{
    AgentMsg, CustomerMsg, Delivery, ErrorCode, RelayMsg, Resume, MAX_FRAME_LEN,
};
use tokio::sync::{mpsc, Notify};
use tokio::time::Instant;
use tracing::Instrument;

use crate::client_ip::ClientIp;
use crate::client_limits::ConnectionSlot;
use crate::error::HttpError;
use crate::metrics::bump;
use crate::sessions::{control_frame, Forwarded, Outbox, Outgoing, Session, Side, QUEUE_LEN};
use crate::state::AppState;

/// Close codes: normal end, policy (auth, origin), protocol (bad frames).
pub(super) const CLOSE_NORMAL: u16 = 1000;
pub(super) const CLOSE_PROTOCOL: u16 = 1002;
pub(super) const CLOSE_POLICY: u16 = 1008;
pub(super) const CLOSE_TOO_BIG: u16 = 1009;

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
    if let Some(cluster) = state.cluster.clone() {
        let deadline = Instant::now() + state.config.handshake_timeout;
        let placed = match side {
            Side::Customer => {
                placement::place::<CustomerMsg>(&state, &cluster, &mut conn, deadline).await
            }
            Side::Agent => {
                placement::place::<AgentMsg>(&state, &cluster, &mut conn, deadline).await
            }
        };
        match placed {
            placement::Route::Here => {}
            placement::Route::Closed => return drop(slot),
            placement::Route::Bridge { owner, first } => {
                bridge::pipe(state, conn, first, side, owner, client, user_agent).await;
                return drop(slot);
            }
        }
    }
    match side {
        Side::Customer => customer_loop(conn, state, user_agent, client).await,
        Side::Agent => agent_loop(conn, state).await,
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

/// Buffers sized for many mostly idle connections. axum's defaults allocate (and zero) a
/// 128 KiB read buffer per socket (137 KiB per idle connection measured by `make bench`, R3;
/// 4 KiB: 10.5 KiB, 1 KiB: 7.6 KiB). Frames of any size still arrive whole, in more reads: a
/// 1 MB snapshot costs ~1,000 reads, a few ms, once per page.
///
/// No message may exceed the protocol's [`MAX_FRAME_LEN`]: a frame announcing more is refused
/// from its header, and a message in fragments as soon as it passes the limit, instead of
/// being buffered up to tungstenite's default of 64 MiB and refused only when decoded.
fn sized(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_message_size(MAX_FRAME_LEN)
        .max_frame_size(MAX_FRAME_LEN)
}

const READ_BUFFER: usize = 1024;
/// Frames are written when this much is buffered, or at the flush after a burst.
const WRITE_BUFFER: usize = 16 * 1024;

/// Splits the socket: a task writes queued frames; the caller keeps the read half.
/// The caller's side of a connection: its queue, its read half, and a signal that the queue
/// has drained below half after being fuller (time for a receiver that fell behind to catch up).
/// The messages a connection reads: a WebSocket's, or (for a socket on another node) those
/// that node forwards through Redis.
pub(super) type Incoming = BoxStream<'static, Result<Message, axum::Error>>;

pub(super) struct Connection {
    pub tx: Outbox,
    pub stream: Incoming,
    pub drained: Arc<Notify>,
    /// The send task: done once every queued frame is written and the queue's senders are gone.
    pub sent: tokio::task::JoinHandle<()>,
}

fn spawn_sender(socket: WebSocket) -> Connection {
    let (sink, stream) = socket.split();
    connection(sink, stream.boxed())
}

/// A connection writing to `sink` (by a send task) and reading `stream`.
pub(super) fn connection<S>(sink: S, stream: Incoming) -> Connection
where
    S: Sink<Message> + Unpin + Send + 'static,
{
    let (tx, rx) = mpsc::channel(QUEUE_LEN);
    let drained = Arc::new(Notify::new());
    let sent = tokio::spawn(send_loop(sink, rx, drained.clone()).in_current_span());
    Connection {
        tx,
        stream,
        drained,
        sent,
    }
}

async fn send_loop<S>(mut sink: S, mut rx: mpsc::Receiver<Outgoing>, drained: Arc<Notify>)
where
    S: Sink<Message> + Unpin,
{
    let mut was_full = false;
    'outer: while let Some(mut out) = rx.recv().await {
        // Everything already queued goes out with one flush (one write under load, not one
        // per frame); a lone frame is flushed at once, so nothing waits.
        loop {
            // Signal once per time the queue went above half and came back down.
            if rx.len() > QUEUE_LEN / 2 {
                was_full = true;
            } else if std::mem::take(&mut was_full) {
                drained.notify_one();
            }
            match out {
                Outgoing::Frame(bytes) => {
                    if sink.feed(Message::Binary(bytes.into())).await.is_err() {
                        break 'outer;
                    }
                }
                Outgoing::Close { code, reason } => {
                    let frame = CloseFrame {
                        code,
                        reason: reason.into(),
                    };
                    let _ = sink.send(Message::Close(Some(frame))).await;
                    break 'outer;
                }
            }
            match rx.try_recv() {
                Ok(next) => out = next,
                Err(_) => break,
            }
        }
        if sink.flush().await.is_err() {
            break;
        }
    }
    let _ = sink.close().await;
}

pub(super) fn error_frame(session: u32, code: ErrorCode, message: String) -> Outgoing {
    Outgoing::Frame(control_frame(session, RelayMsg::Error { code, message }))
}

/// Tells the client why and closes its socket.
pub(super) async fn refuse(
    tx: &Outbox,
    session: u32,
    code: ErrorCode,
    message: String,
    close: u16,
) {
    let _ = tx.send(error_frame(session, code, message.clone())).await;
    let _ = tx
        .send(Outgoing::Close {
            code: close,
            reason: message,
        })
        .await;
}

pub(super) async fn bad_frame(tx: &Outbox, session: u32, why: String) {
    tracing::warn!(%why, "bad frame; closing the socket");
    refuse(tx, session, ErrorCode::BadFrame, why, CLOSE_PROTOCOL).await
}

/// Render samples taken from one report.
pub(super) use shared_protocol::MAX_RENDER_SAMPLES;

/// Forwards a sealed frame and counts it.
pub(super) fn route(
    state: &AppState,
    session: &Session,
    from: Side,
    delivery: Delivery,
    seq: u64,
    payload: Vec<u8>,
) -> Forwarded {
    let started = std::time::Instant::now();
    let bytes = payload.len() as u64;
    let outcome = session.forward(from, delivery, seq, payload);
    let m = &state.metrics;
    match outcome {
        Forwarded::Delivered | Forwarded::Kept => {
            bump(&m.frames_routed, 1);
            bump(&m.bytes_routed, bytes);
            m.routing.observe(started.elapsed().as_micros() as u64);
        }
        Forwarded::Dropped => bump(&m.frames_dropped, 1),
        Forwarded::Nobody | Forwarded::Duplicate => {}
    }
    outcome
}

/// Puts `tx` back in `side`'s place: `Resumed`, then every frame it missed.
pub(super) async fn resume(
    state: &AppState,
    side: Side,
    resume: &Resume,
    tx: &Outbox,
) -> Result<Arc<Session>, String> {
    let session = state
        .registry
        .get(resume.routing)
        .ok_or("no live session has this code")?;
    let resumed = session
        .resume(
            side,
            &resume.resume_token,
            resume.last_received,
            resume.reloaded,
            tx.clone(),
        )
        .map_err(|e| e.to_string())?;
    tracing::info!(parent: &session.span, ?side, reloaded = resume.reloaded, lost = resumed.lost, "resumed");
    tell_node(state, &session, side);
    Ok(session)
}

/// With several nodes: tells `side` which node runs its session, for its next connections.
pub(super) fn tell_node(state: &AppState, session: &Session, side: Side) {
    if state.cluster.is_some() {
        session.tell(side, RelayMsg::Node(state.node_id.clone()));
    }
}
