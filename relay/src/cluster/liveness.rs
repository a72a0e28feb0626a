//! Node heartbeats: each node keeps a short-lived key saying it runs (or drains); a node whose
//! key expired is dead, and the sessions it owned may be taken over. Answers are cached briefly,
//! so checking a peer on every resume or join costs no round trip.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use redis::AsyncCommands;
use tokio::time::Instant;

use super::conn::Redis;
use super::keys;

/// How often a node renews its key, and how long the key lives: a killed node is known dead
/// within `TTL` (plus the cache), well inside the disconnect grace; a node whose key's Redis
/// shard fails over (a few seconds) stays alive through it. (Should a failover take longer,
/// other nodes take its sessions over and it lets go of them: see `LiveRecords::renew`.)
pub const BEAT: Duration = Duration::from_secs(1);
pub const TTL: Duration = Duration::from_secs(6);
const CACHE: Duration = Duration::from_millis(250);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeState {
    Running,
    /// Stopping: its clients are moving away and its sessions may be taken over.
    Draining,
    Dead,
}

pub struct Liveness {
    cache: Mutex<HashMap<String, (NodeState, Instant)>>,
}

impl Liveness {
    pub fn new() -> Self {
        Self {
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Renews this node's key with `state` (`Running` or `Draining`); whether it was still
    /// there (not after a restart of Redis without persistence, or a wipe).
    pub async fn beat(redis: &mut Redis, id: &str, state: NodeState) -> redis::RedisResult<bool> {
        let value = match state {
            NodeState::Draining => "draining",
            _ => "running",
        };
        let previous: Option<String> = redis
            .set_options(
                keys::node(id),
                value,
                redis::SetOptions::default()
                    .get(true)
                    .with_expiration(redis::SetExpiry::PX(TTL.as_millis() as u64)),
            )
            .await?;
        Ok(previous.is_some())
    }

    /// Removes this node's key: it is gone (a clean stop after draining).
    pub async fn gone(redis: &mut Redis, id: &str) -> redis::RedisResult<()> {
        redis.del::<_, ()>(keys::node(id)).await
    }

    /// What `id` is doing now; an error if Redis cannot tell.
    pub async fn state_of(&self, redis: &mut Redis, id: &str) -> redis::RedisResult<NodeState> {
        if let Some((state, at)) = self.lock().get(id) {
            if at.elapsed() < CACHE {
                return Ok(*state);
            }
        }
        let value: Option<String> = redis.get(keys::node(id)).await?;
        let state = match value.as_deref() {
            Some("running") => NodeState::Running,
            Some(_) => NodeState::Draining,
            None => NodeState::Dead,
        };
        let mut cache = self.lock();
        if cache.len() > 1024 {
            cache.clear();
        }
        cache.insert(id.to_string(), (state, Instant::now()));
        Ok(state)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (NodeState, Instant)>> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Default for Liveness {
    fn default() -> Self {
        Self::new()
    }
}
