//! Where a new connection's session runs, with several nodes: here (it is live here, it is new,
//! or no node has it), on its owner (the socket is then bridged there through Redis), or here
//! after taking it over from an owner that died or is draining. Decided from the connection's
//! first frame, which is then read again by whichever loop runs the session.

use std::sync::Arc;

use axum::extract::ws::Message;
use futures_util::StreamExt;
use shared_protocol::{AgentMsg, CustomerMsg, Envelope};
use tokio::time::Instant;

use super::connection::Connection;
use crate::sessions::Outgoing;

/// Close code: try again shortly.
pub(super) const CLOSE_TRY_AGAIN: u16 = 1013;
use crate::cluster::{Cluster, NodeState};
use crate::metrics::bump;
use crate::sessions::Session;
use crate::state::AppState;
use crate::timers;

pub(super) enum Placement {
    Here,
    /// Bridge this socket to the node that owns the session.
    Owner(String),
    /// Redis cannot say where the session is: the client should try again shortly (saying
    /// "unknown code" would end a session that lives on another node).
    Unknown,
}

/// What to do with a new connection.
pub(super) enum Route {
    Here,
    Bridge {
        owner: String,
        first: Message,
    },
    /// Closed with "try again": where its session runs cannot be known now.
    Closed,
}

/// The routing code a first frame asks for (a resume or a join), if any.
pub(super) trait NamesSession {
    fn routing_of(bytes: &[u8]) -> Option<u32>;
}

impl NamesSession for CustomerMsg {
    fn routing_of(bytes: &[u8]) -> Option<u32> {
        match Envelope::<CustomerMsg>::decode(bytes).ok()?.msg {
            CustomerMsg::Resume(r) => Some(r.routing),
            _ => None,
        }
    }
}

impl NamesSession for AgentMsg {
    fn routing_of(bytes: &[u8]) -> Option<u32> {
        match Envelope::<AgentMsg>::decode(bytes).ok()?.msg {
            AgentMsg::Join { routing, .. } => Some(routing),
            AgentMsg::Resume { resume, .. } => Some(resume.routing),
            _ => None,
        }
    }
}

/// Reads the connection's first message (until `deadline`) and decides where its session runs.
/// `Here`: the message is put back for the local loop.
pub(super) async fn place<M: NamesSession>(
    state: &AppState,
    cluster: &Arc<Cluster>,
    conn: &mut Connection,
    deadline: Instant,
) -> Route {
    let first = tokio::time::timeout_at(deadline, conn.stream.next()).await;
    // Nothing in time, or the socket ended: the local loop says so as it always does.
    let Ok(Some(Ok(first))) = first else {
        return Route::Here;
    };
    let routing = match &first {
        Message::Binary(bytes) => M::routing_of(bytes),
        _ => None,
    };
    let placement = match routing {
        Some(routing) => placement(state, cluster, routing).await,
        None => Placement::Here,
    };
    match placement {
        Placement::Owner(owner) => Route::Bridge { owner, first },
        Placement::Unknown => {
            let reason = "the co-browse service is busy; reconnect".to_string();
            let _ = conn.tx.send(Outgoing::close(CLOSE_TRY_AGAIN, reason)).await;
            Route::Closed
        }
        Placement::Here => {
            let rest = std::mem::replace(&mut conn.stream, futures_util::stream::empty().boxed());
            conn.stream = futures_util::stream::once(async { Ok(first) })
                .chain(rest)
                .boxed();
            Route::Here
        }
    }
}

async fn placement(state: &AppState, cluster: &Arc<Cluster>, routing: u32) -> Placement {
    if state.registry.get(routing).is_some() {
        return Placement::Here;
    }
    // One placement at a time past this point: the customer and the agent of a session whose
    // node died often come back at once, and the second must find the session the first took
    // over, not a record naming this node and no session here.
    let _one_at_a_time = cluster.placing.lock().await;
    if state.registry.get(routing).is_some() {
        return Placement::Here;
    }
    let mut redis = cluster.redis();
    let record = match cluster.live.get(&mut redis, routing).await {
        Ok(Some(record)) => record,
        // No node has it: the local loop answers "unknown code".
        Ok(None) => return Placement::Here,
        Err(e) => {
            tracing::warn!(error = %e, "Redis unreachable: cannot find a session not owned here");
            return Placement::Unknown;
        }
    };
    // Recorded as ours but not live here: it ended a moment ago (its record is on its way out).
    if record.owner == cluster.node {
        return Placement::Here;
    }
    match cluster.node_state(&record.owner).await {
        Ok(NodeState::Running) => return Placement::Owner(record.owner),
        Ok(NodeState::Draining | NodeState::Dead) => {}
        Err(_) => return Placement::Unknown,
    }
    match cluster
        .live
        .take_over(&mut redis, routing, &record.owner, &cluster.node)
        .await
    {
        Ok(Some(taken)) => {
            adopt(state, &taken, &record.owner);
            Placement::Here
        }
        // Another node was quicker: go to it.
        Ok(None) => match cluster.live.get(&mut redis, routing).await {
            Ok(Some(now)) if now.owner != cluster.node => Placement::Owner(now.owner),
            Ok(_) => Placement::Here,
            Err(_) => Placement::Unknown,
        },
        Err(_) => Placement::Unknown,
    }
}

/// Makes a session taken over from `from` live here: both sides away, each with its grace.
fn adopt(state: &AppState, record: &crate::cluster::LiveRecord, from: &str) {
    let session = Arc::new(Session::restore(record));
    if !state.registry.adopt(session.clone()) {
        return;
    }
    state.runs_here(&session);
    tracing::info!(parent: &session.span, from, "session taken over from a node that stopped");
    bump(&state.metrics.sessions_taken_over, 1);
    // When each side left the old node is unknown here: each gets the whole grace.
    timers::watch_restored(state, &session, |_| state.config.disconnect_grace);
}
