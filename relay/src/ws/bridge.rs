//! Sockets whose session runs on another node. On the socket's node, [`pipe`] passes the
//! client's messages to the owner through Redis and the owner's back to the socket, without
//! reading them. On the owner, [`accept_forever`] runs each such connection through the same
//! receive loop as a local socket, so every rule (authentication, limits, routing, resumes)
//! is applied in one place: the node that holds the session.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message};
use futures_util::StreamExt;
use std::collections::VecDeque;

use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

use super::connection::{connection, Connection};
use super::read::{is_too_big, TEXT_FRAME};
use super::refusals::bad_frame;
use super::{agent_loop, customer_loop};
use crate::client_ip::ClientIp;
use crate::cluster::{Bus, BusMsg, NodeState, Opened};
use crate::membership::CLOSE_MOVING;
use crate::sessions::{Frame, Outgoing, Side, RING_BYTES, RING_FRAMES};
use crate::state::AppState;

/// How long a socket closed by the owner may take to take what was still waiting for it.
const FLUSH_LIMIT: Duration = Duration::from_secs(5);
/// How often a bridged socket checks that its owner still runs.
const OWNER_CHECK: Duration = Duration::from_secs(1);
use super::placement::CLOSE_TRY_AGAIN;

/// On the socket's node: bridges `conn` to the session's `owner`, `first` being the message
/// that named the session.
pub(super) async fn pipe(
    state: AppState,
    mut conn: Connection,
    first: Message,
    side: Side,
    owner: String,
    client: ClientIp,
    user_agent: String,
) {
    let Some(cluster) = state.cluster.clone() else {
        return;
    };
    let bus = &cluster.bus;
    let id = Bus::new_conn();
    let mut inbound = bus.register(id);
    let open = BusMsg::Open {
        from: cluster.node.clone(),
        side,
        client_ip: client.to_string(),
        user_agent,
    };
    bus.send(&owner, id, open).await;
    tracing::debug!(%owner, ?side, "socket bridged to the session's owner");
    let mut pending = Some(first);
    let mut backlog = Backlog::default();
    let mut check = tokio::time::interval(OWNER_CHECK);
    let goodbye = loop {
        let from_client = async {
            match pending.take() {
                Some(first) => Some(Ok(first)),
                None => conn.stream.next().await,
            }
        };
        tokio::select! {
            msg = from_client => match msg {
                Some(Ok(Message::Binary(bytes))) => {
                    bus.send(&owner, id, BusMsg::Frame(bytes.to_vec())).await;
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Text(_))) => {
                    bad_frame(&conn.tx, 0, TEXT_FRAME.into()).await;
                    break Some("bad frame");
                }
                Some(Err(e)) if is_too_big(&e) => {
                    let why = format!("messages are limited to {} bytes", shared_protocol::MAX_FRAME_LEN);
                    bad_frame(&conn.tx, 0, why).await;
                    break Some("message too big");
                }
                _ => break Some("socket closed"),
            },
            // Frames that found the socket's queue full go out as it drains.
            permit = conn.tx.reserve(), if !backlog.is_empty() => match permit {
                Ok(permit) => permit.send(Outgoing::Frame(backlog.pop())),
                Err(_) => break Some("socket closed"),
            },
            msg = inbound.recv() => match msg {
                Some(BusMsg::Frame(bytes)) => {
                    if !backlog.offer(&conn.tx, bytes.into()) {
                        // The client reads slower than its session sends, beyond what the
                        // owner's ring holds for a resume: drop the socket (its queue is full, so
                        // no close frame could get through); the client resumes and catches up
                        // from that ring, or starts again from a fresh snapshot.
                        tracing::warn!("a bridged client fell too far behind; dropping its socket");
                        conn.sent.abort();
                        break Some("fell behind");
                    }
                }
                Some(BusMsg::Close { code, reason }) => {
                    // After what is still waiting for the socket (the owner's last words).
                    let flushed = async {
                        while !backlog.is_empty() {
                            let frame = Outgoing::Frame(backlog.pop());
                            conn.tx.send(frame).await.map_err(|_| ())?;
                        }
                        conn.tx.send(Outgoing::close(code, reason)).await.map_err(|_| ())
                    };
                    if tokio::time::timeout(FLUSH_LIMIT, flushed).await.is_err() {
                        conn.sent.abort();
                    }
                    // The owner closed it: nothing to tell it.
                    break None;
                }
                Some(BusMsg::Open { .. }) => {}
                None => {
                    // This connection was cut (entries to or from it were lost): it resumes.
                    let reason = "connection interrupted; reconnect".to_string();
                    close_or_drop(&conn, CLOSE_TRY_AGAIN, reason);
                    break Some("cut off");
                }
            },
            _ = check.tick() => {
                let stopped = cluster.is_draining()
                    || matches!(cluster.node_state(&owner).await, Ok(NodeState::Dead | NodeState::Draining));
                if stopped {
                    tracing::info!(%owner, "the session's node stopped; the client moves");
                    let reason = "the session's server stopped; reconnect".to_string();
                    close_or_drop(&conn, CLOSE_MOVING, reason);
                    break Some("owner stopped");
                }
            }
        }
    };
    if let Some(why) = goodbye {
        let close = BusMsg::Close {
            code: 1000,
            reason: why.into(),
        };
        bus.send(&owner, id, close).await;
    }
    bus.unregister(&id);
}

/// Closes the socket with `code`, or drops it when its queue is too full for the close frame.
fn close_or_drop(conn: &Connection, code: u16, reason: String) {
    if conn.tx.try_send(Outgoing::close(code, reason)).is_err() {
        conn.sent.abort();
    }
}

/// Frames for a bridged socket whose queue is full, bounded like the owner's resume ring
/// ([`RING_FRAMES`], [`RING_BYTES`]): a client that falls further behind resumes instead.
#[derive(Default)]
struct Backlog {
    frames: VecDeque<Frame>,
    bytes: usize,
}

impl Backlog {
    fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Queues `frame` for the socket (at once when nothing waits and there is room); false
    /// when the backlog is past its bounds.
    fn offer(&mut self, tx: &crate::sessions::Outbox, frame: Frame) -> bool {
        let frame = match self.frames.is_empty() {
            true => match tx.try_send(Outgoing::Frame(frame)) {
                Ok(()) => return true,
                Err(TrySendError::Full(Outgoing::Frame(frame))) => frame,
                // Closed: the receive side notices.
                Err(_) => return true,
            },
            false => frame,
        };
        self.bytes += frame.len();
        self.frames.push_back(frame);
        self.frames.len() <= RING_FRAMES && self.bytes <= RING_BYTES
    }

    fn pop(&mut self) -> Frame {
        let frame = self.frames.pop_front().unwrap_or_else(|| Frame::from([]));
        self.bytes -= frame.len();
        frame
    }
}

/// On the owner: runs every connection other nodes bridge here.
pub async fn accept_forever(state: AppState, mut opened: mpsc::Receiver<Opened>) {
    while let Some(open) = opened.recv().await {
        tokio::spawn(run_bridged(state.clone(), open));
    }
}

async fn run_bridged(state: AppState, open: Opened) {
    let Some(cluster) = state.cluster.clone() else {
        return;
    };
    let (bus, to, id) = (cluster.bus.clone(), open.from.clone(), open.conn);
    let sink = futures_util::sink::unfold(
        (bus.clone(), to),
        move |(bus, to), msg: Message| async move {
            match msg {
                Message::Binary(bytes) => bus.send(&to, id, BusMsg::Frame(bytes.to_vec())).await,
                Message::Close(frame) => {
                    let (code, reason) = frame
                        .map(|CloseFrame { code, reason }| (code, reason.to_string()))
                        .unwrap_or((1000, String::new()));
                    bus.send(&to, id, BusMsg::Close { code, reason }).await;
                    // Closed from here: the socket's node says nothing more, so stop reading.
                    bus.unregister(&id);
                }
                _ => {}
            }
            Ok::<_, std::convert::Infallible>((bus, to))
        },
    );
    let stream = futures_util::stream::unfold(open.inbound, |mut rx| async move {
        match rx.recv().await {
            Some(BusMsg::Frame(bytes)) => Some((Ok(Message::Binary(bytes.into())), rx)),
            // Closed on the socket's node, or this connection was cut off.
            _ => None,
        }
    });
    let mut conn = connection(Box::pin(sink), stream.boxed());
    let sent = std::mem::replace(&mut conn.sent, tokio::spawn(async {}));
    let client = open
        .client_ip
        .parse()
        .map(ClientIp)
        .unwrap_or(ClientIp(std::net::Ipv4Addr::UNSPECIFIED.into()));
    let from = open.from.clone();
    match open.side {
        Side::Customer => customer_loop(conn, state, open.user_agent, client).await,
        Side::Agent => agent_loop(conn, state).await,
    }
    bus.unregister(&id);
    // However the loop ended, the socket's node closes the socket (a no-op if it did already):
    // a connection cut here, say after entries were lost, must not linger there. After what
    // the session still had to say to it (an `Ended`, a close) has gone out.
    let _ = tokio::time::timeout(Duration::from_secs(5), sent).await;
    let close = BusMsg::Close {
        code: CLOSE_TRY_AGAIN,
        reason: "reconnect".into(),
    };
    bus.send(&from, id, close).await;
}
