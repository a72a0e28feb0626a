//! Several relay nodes sharing Redis (`redis_url`). A session runs on one node, its owner,
//! which holds it in memory as a single node does; Redis holds what other nodes need: the
//! claim on each routing code and who owns it ([`live`]), which nodes run ([`liveness`]), and
//! each node's inbox of frames ([`bus`]) for clients whose socket landed on another node.
//! When an owner dies or drains, the node a client resumes on takes the session over.
//!
//! - `counts`: agents' sessions and join attempts, counted for the whole cluster;
//! - [`conn`]: one Redis server or a Redis Cluster behind one connection type;
//! - [`keys`]: the key names and their hash tags; `scripts`: the records' Lua scripts.

pub mod bus;
mod bus_entry;
mod bus_inbox;
pub mod conn;
mod counts;
mod end_requests;
pub mod keys;
pub mod live;
mod live_record;
pub mod liveness;
mod scripts;

pub use bus::{Bus, BusMsg, ConnId, Opened};
pub use conn::{ConnectError, Redis};
pub use live::LiveRecords;
pub use live_record::{token_hash, LiveRecord, Origin};
pub use liveness::{Liveness, NodeState};

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

/// How long the blocking inbox read may wait for an answer (it blocks for 0.5 s itself).
const READER_TIMEOUT: Duration = Duration::from_secs(5);

/// This node's handle on the cluster.
pub struct Cluster {
    pub node: String,
    redis: Redis,
    pub live: LiveRecords,
    pub bus: Arc<Bus>,
    pub liveness: Liveness,
    draining: AtomicBool,
    /// Redis lost this node's key (it restarted empty or was wiped): the records of the
    /// sessions owned here are likely gone too and must be written again.
    pub records_lost: tokio::sync::Notify,
    /// The last heartbeat failed: Redis is unreachable (`/health` says degraded).
    unreachable: AtomicBool,
    /// Held while a connection's session is placed past the fast path (see `ws::placement`).
    pub placing: tokio::sync::Mutex<()>,
}

impl Cluster {
    /// Connects to Redis, starts this node's heartbeat and inbox; connections other nodes open
    /// to sessions here arrive on the returned receiver. Live records outlive their owner's
    /// last renewal by `record_ttl` (so clients have that long to resume elsewhere).
    pub async fn start(
        urls: &[String],
        node: String,
        record_ttl: Duration,
    ) -> Result<(Arc<Cluster>, mpsc::Receiver<Opened>), ConnectError> {
        let redis = Redis::connect(urls, None).await?;
        let reader = Redis::connect(urls, Some(READER_TIMEOUT)).await?;
        let failed = |source| ConnectError::Redis {
            urls: urls.join(","),
            source,
        };
        let (bus, opened) = Bus::start(node.clone(), redis.clone(), reader)
            .await
            .map_err(failed)?;
        let cluster = Arc::new(Cluster {
            node,
            redis,
            live: LiveRecords::new(record_ttl),
            bus,
            liveness: Liveness::new(),
            draining: AtomicBool::new(false),
            records_lost: tokio::sync::Notify::new(),
            unreachable: AtomicBool::new(false),
            placing: tokio::sync::Mutex::new(()),
        });
        let mut redis = cluster.redis();
        Liveness::beat(&mut redis, &cluster.node, NodeState::Running)
            .await
            .map_err(failed)?;
        tokio::spawn(beat_forever(Arc::downgrade(&cluster)));
        Ok((cluster, opened))
    }

    /// A connection to use (cheap: they share one multiplexed socket per server).
    pub fn redis(&self) -> Redis {
        self.redis.clone()
    }

    /// From now on this node says it is draining: others take its sessions over on resume.
    pub async fn drain(&self) {
        self.draining.store(true, Ordering::Relaxed);
        let _ = Liveness::beat(&mut self.redis(), &self.node, NodeState::Draining).await;
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }

    /// Whether the last heartbeat could not reach Redis.
    pub fn redis_unreachable(&self) -> bool {
        self.unreachable.load(Ordering::Relaxed)
    }

    /// The node stopped: its key goes at once, not when it expires.
    pub async fn stopped(&self) {
        let _ = Liveness::gone(&mut self.redis(), &self.node).await;
    }

    /// What `node` is doing, as far as Redis can tell now.
    pub async fn node_state(&self, node: &str) -> redis::RedisResult<NodeState> {
        if node == self.node {
            return Ok(if self.is_draining() {
                NodeState::Draining
            } else {
                NodeState::Running
            });
        }
        self.liveness.state_of(&mut self.redis(), node).await
    }
}

/// Renews the node's key until the cluster handle is dropped. A failed renewal is only logged:
/// the node goes on serving what it owns while Redis is away.
async fn beat_forever(cluster: std::sync::Weak<Cluster>) {
    let mut tick = tokio::time::interval(liveness::BEAT);
    loop {
        tick.tick().await;
        let Some(cluster) = cluster.upgrade() else {
            return;
        };
        let state = if cluster.is_draining() {
            NodeState::Draining
        } else {
            NodeState::Running
        };
        match Liveness::beat(&mut cluster.redis(), &cluster.node, state).await {
            Ok(existed) => {
                if cluster.unreachable.swap(false, Ordering::Relaxed) {
                    tracing::info!("Redis is reachable again");
                }
                if !existed {
                    tracing::warn!(
                        "Redis lost this node's key; writing its sessions' records again"
                    );
                    cluster.records_lost.notify_one();
                }
            }
            Err(e) => {
                if !cluster.unreachable.swap(true, Ordering::Relaxed) {
                    tracing::warn!(error = %e, "Redis unreachable: serving the sessions owned here");
                }
            }
        }
    }
}
