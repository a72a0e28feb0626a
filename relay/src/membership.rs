//! This node's life in a cluster of relays (with `redis_url`; nothing here runs on a single
//! node): joining it under a fresh identity, keeping the records of the sessions it owns
//! alive, and draining on stop: every client is told to reconnect, which takes it to another
//! node that takes its session over, and the node waits (up to `drain_timeout`) until its
//! sessions and bridged sockets have moved.

use std::sync::Arc;
use std::time::Duration;

use shared_protocol::EndReason;
use tokio::time::Instant;

use crate::cluster::{Cluster, Opened};
use crate::sessions::Session;
use crate::state::{self, AppState};
use crate::store::SessionRecord;
use crate::{Config, RunError};

/// Close code telling a client that this server is restarting: reconnect (elsewhere).
pub const CLOSE_MOVING: u16 = shared_protocol::CLOSE_RESTARTING;

/// With `redis_url`: this node's part in the cluster, and the connections other nodes bridge
/// to it. The node's identity in Redis is its `node_id` and a fresh suffix, so a node restarted
/// under the same name never mistakes its previous life's sessions for its own.
pub async fn join(
    config: &Config,
    port: u16,
) -> Result<
    (
        Option<Arc<Cluster>>,
        Option<tokio::sync::mpsc::Receiver<Opened>>,
    ),
    RunError,
> {
    if config.redis_url.is_empty() {
        return Ok((None, None));
    }
    let name = config
        .node_id
        .clone()
        .unwrap_or_else(|| state::default_node_id(port));
    let identity = format!("{name}/{:08x}", rand::random::<u32>());
    // A record must outlive a dead owner for as long as its clients may take to come back.
    let ttl = config.navigation_grace + config.disconnect_grace;
    let (cluster, opened) = Cluster::start(&config.redis_url, identity, ttl).await?;
    tracing::info!(node = %cluster.node, "joined the cluster");
    Ok((Some(cluster), Some(opened)))
}

/// Keeps the records of the sessions this node owns from expiring, and writes them again when
/// Redis lost them (it restarted without persistence): every node re-registers what it owns.
pub async fn renew_forever(state: AppState) {
    let Some(cluster) = state.cluster.clone() else {
        return;
    };
    let mut tick = tokio::time::interval(RENEW_EVERY);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = cluster.records_lost.notified() => {}
        }
        let owned: Vec<Arc<Session>> = state
            .registry
            .all()
            .into_iter()
            .filter(|s| !s.handed_over())
            .collect();
        let routings: Vec<u32> = owned.iter().map(|s| s.routing).collect();
        let mut redis = cluster.redis();
        let renewed = match cluster
            .live
            .renew(&mut redis, &cluster.node, &routings)
            .await
        {
            Ok(renewed) => renewed,
            Err(e) => {
                tracing::warn!(error = %e, "could not renew the records of this node's sessions");
                continue;
            }
        };
        for session in owned.iter().filter(|s| renewed.lost.contains(&s.routing)) {
            // Another node took it over while this one looked dead (Redis could not be
            // reached for a while): its clients go there.
            tracing::warn!(parent: &session.span, "another node took this session over; moving its clients there");
            session.hand_over(
                CLOSE_MOVING,
                "the session moved to another server; reconnect",
            );
            state.registry.forget(session);
        }
        for session in owned
            .iter()
            .filter(|s| renewed.end_requested.contains(&s.routing))
        {
            tracing::info!(parent: &session.span, "ended through the REST API on another node");
            state.end(session, EndReason::ApiEnd);
        }
        for session in owned
            .iter()
            .filter(|s| renewed.missing.contains(&s.routing))
        {
            let record = session.live_record(&cluster.node);
            // Redis lost the history record too, most likely: write it again (a no-op if it
            // is there), so the session's end and what follows still land in the history.
            rewrite_history(&state, session, &record);
            match cluster.live.restore(&mut redis, &record).await {
                Ok(true) => {
                    tracing::info!(parent: &session.span, "record lost by Redis; written again")
                }
                Ok(false) => {
                    tracing::error!(parent: &session.span, "record lost by Redis and its code taken by another session")
                }
                Err(e) => {
                    tracing::warn!(parent: &session.span, error = %e, "could not write the record again")
                }
            }
        }
    }
}

/// The history's record of a live session, from what its live record knows: created, joined.
fn rewrite_history(state: &AppState, session: &Session, live: &crate::cluster::LiveRecord) {
    let record = SessionRecord {
        id: live.id,
        routing: live.routing,
        created_at: live.created_at,
        user_agent: live.origin.user_agent.clone(),
        first_url: live.origin.first_url.clone(),
        agent_id: None,
        joined_at: None,
        ended_at: None,
        end_reason: None,
        first_session: live.origin.first_session,
    };
    let joined = live.agent.clone().zip(live.joined_at);
    state.persist(&session.span, "session again", move |store| {
        store.create(&record)?;
        if let Some((agent, at)) = &joined {
            store.mark_joined(record.id, agent, *at)?;
        }
        Ok(())
    });
}

/// How often an owner renews its sessions' records (they live `navigation_grace` +
/// `disconnect_grace` past the last renewal).
const RENEW_EVERY: Duration = Duration::from_secs(5);

/// Hands every session of this node to the others and waits until they took them (or
/// `drain_timeout`): a rolling restart ends no session.
pub async fn drain(state: &AppState) {
    let Some(cluster) = state.cluster.clone() else {
        return;
    };
    // From here on other nodes take this node's sessions over, and its bridges close.
    cluster.drain().await;
    let owned = state.registry.all();
    tracing::info!(
        sessions = owned.len(),
        "draining: moving every client to another node"
    );
    for session in &owned {
        session.hand_over(CLOSE_MOVING, "this server is restarting; reconnect");
    }
    let deadline = Instant::now() + state.config.drain_timeout;
    loop {
        let left = still_here(&cluster, &owned).await;
        if left == 0 {
            tracing::info!("drained");
            break;
        }
        if Instant::now() >= deadline {
            tracing::warn!(
                left,
                "drain timeout: stopping with sessions or sockets not yet moved"
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    cluster.stopped().await;
}

/// Sockets still bridged through this node, and sessions no other node has taken yet.
async fn still_here(cluster: &Cluster, owned: &[Arc<Session>]) -> usize {
    let mut left = cluster.bus.open_connections();
    let mut redis = cluster.redis();
    for session in owned {
        match cluster.live.get(&mut redis, session.routing).await {
            Ok(Some(r)) if r.id == session.id && r.owner == cluster.node => left += 1,
            // Taken over, ended, or expired.
            Ok(_) => {}
            // Redis cannot tell: waiting longer will not help.
            Err(_) => {}
        }
    }
    left
}
