//! Reading one socket: the next decoded frame for a receive loop, or why the loop must stop
//! (the socket closed or went silent, the session ended, a bad or oversized frame, or no
//! session started before the handshake deadline), with the error and close the client is owed.

use std::time::Duration;

use axum::extract::ws::Message;
use futures_util::StreamExt;
use shared_protocol::{DecodeError, Direction, Envelope, ErrorCode, MAX_FRAME_LEN};
use tokio::sync::watch;
use tokio::time::Instant;

use super::connection::Connection;
use super::refusals::{bad_frame, refuse, CLOSE_POLICY, CLOSE_TOO_BIG};
use crate::sessions::Phase;

pub(super) const TEXT_FRAME: &str = "text frames are not part of the protocol";

/// One decoded frame, or why the connection must stop reading.
enum Next<M> {
    Frame(Envelope<M>),
    /// This connection's queue drained: let this side catch up on what it missed.
    Drained,
    Bad(DecodeError),
    Text,
    /// A message over [`MAX_FRAME_LEN`], refused by the WebSocket layer before it was read.
    TooBig,
    /// No session was created, resumed or joined before the handshake deadline.
    NoSessionInTime,
    /// The session ended, the socket closed, or it went silent past the heartbeat timeout.
    Gone,
}

/// The next frame for `side`'s receive loop, or `None` when the loop ends: the socket is gone,
/// it sent something that is not a frame, or it is still without a session at `handshake`
/// (both answered with an error and a close first). A drained queue in between lets `side`
/// catch up on what it missed.
pub(super) async fn next_for<M: Direction>(
    conn: &mut Connection,
    phases: &mut Option<watch::Receiver<Phase>>,
    silence: Duration,
    handshake: Instant,
    session: &Option<std::sync::Arc<crate::sessions::Session>>,
    side: crate::sessions::Side,
) -> Option<Envelope<M>> {
    loop {
        let routing = session.as_ref().map_or(0, |s| s.routing);
        let deadline = session.is_none().then_some(handshake);
        let why = match next_frame::<M>(conn, phases, silence, deadline).await {
            Next::Frame(env) => return Some(env),
            Next::Bad(e) => e.to_string(),
            Next::Text => TEXT_FRAME.to_string(),
            Next::TooBig => {
                let why = format!("messages are limited to {MAX_FRAME_LEN} bytes");
                tracing::warn!(%why, "oversized message; closing the socket");
                refuse(&conn.tx, routing, ErrorCode::BadFrame, why, CLOSE_TOO_BIG).await;
                return None;
            }
            Next::NoSessionInTime => {
                let why = "no session was created, resumed or joined in time".to_string();
                tracing::info!("{why}; closing the socket");
                refuse(&conn.tx, 0, ErrorCode::NotInSession, why, CLOSE_POLICY).await;
                return None;
            }
            Next::Gone => return None,
            Next::Drained => {
                if let Some(s) = session {
                    s.catch_up(side);
                }
                continue;
            }
        };
        bad_frame(&conn.tx, routing, why).await;
        return None;
    }
}

async fn next_frame<M: Direction>(
    conn: &mut Connection,
    phases: &mut Option<watch::Receiver<Phase>>,
    silence: Duration,
    handshake: Option<Instant>,
) -> Next<M> {
    let (stream, drained) = (&mut conn.stream, &conn.drained);
    loop {
        let ended = async {
            match phases {
                Some(rx) => {
                    let _ = rx.wait_for(|p| matches!(p, Phase::Ended(_))).await;
                }
                None => std::future::pending().await,
            }
        };
        let msg = tokio::select! {
            m = stream.next() => m,
            _ = ended => return Next::Gone,
            _ = drained.notified() => return Next::Drained,
            _ = until(handshake) => return Next::NoSessionInTime,
            _ = tokio::time::sleep(silence) => {
                tracing::info!("no heartbeat within {silence:?}; closing");
                return Next::Gone;
            }
        };
        return match msg {
            Some(Ok(Message::Binary(bytes))) => match Envelope::<M>::decode(&bytes) {
                Ok(env) => Next::Frame(env),
                Err(e) => Next::Bad(e),
            },
            Some(Ok(Message::Text(_))) => Next::Text,
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Err(e)) if is_too_big(&e) => Next::TooBig,
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => Next::Gone,
        };
    }
}

/// Resolves at `deadline`, or never.
async fn until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// Whether the WebSocket layer refused a message for its size (the socket can still say why).
pub(super) fn is_too_big(e: &axum::Error) -> bool {
    std::error::Error::source(e)
        .and_then(|source| source.downcast_ref::<tungstenite::Error>())
        .is_some_and(|e| matches!(e, tungstenite::Error::Capacity(_)))
}
