//! Sockets whose session runs on another node. On the socket's node, [`pipe`] passes the
//! client's messages to the owner through Redis and the owner's back to the socket, without
//! reading them. On the owner, [`accept_forever`] runs each such connection through the same
//! receive loop as a local socket, so every rule (authentication, limits, routing, resumes)
//! is applied in one place: the node that holds the session.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message};
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::read::{is_too_big, TEXT_FRAME};
use super::{agent_loop, bad_frame, connection, customer_loop, Connection};
use crate::client_ip::ClientIp;
use crate::cluster::{Bus, BusMsg, NodeState, Opened};
use crate::membership::CLOSE_MOVING;
use crate::sessions::{Outgoing, Side};
use crate::state::AppState;

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
            msg = inbound.recv() => match msg {
                Some(BusMsg::Frame(bytes)) => {
                    if conn.tx.send(Outgoing::Frame(bytes)).await.is_err() {
                        break Some("socket closed");
                    }
                }
                Some(BusMsg::Close { code, reason }) => {
                    let _ = conn.tx.send(Outgoing::Close { code, reason }).await;
                    // The owner closed it: nothing to tell it.
                    break None;
                }
                Some(BusMsg::Open { .. }) => {}
                None => {
                    // This socket fell too far behind: it resumes and catches up.
                    let reason = "fell behind; reconnect".to_string();
                    let _ = conn.tx.send(Outgoing::Close { code: CLOSE_TRY_AGAIN, reason }).await;
                    break Some("fell behind");
                }
            },
            _ = check.tick() => {
                let stopped = cluster.is_draining()
                    || matches!(cluster.node_state(&owner).await, Ok(NodeState::Dead | NodeState::Draining));
                if stopped {
                    tracing::info!(%owner, "the session's node stopped; the client moves");
                    let reason = "the session's server stopped; reconnect".to_string();
                    let _ = conn.tx.send(Outgoing::Close { code: CLOSE_MOVING, reason }).await;
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
