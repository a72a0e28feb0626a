//! Live sessions' records in Redis: the claim on a routing code (unique across the cluster),
//! which node owns the session, its phase and agent, and the SHA-256 of each side's resume
//! token, so that another node can take the session over when its owner dies or drains.
//! Only the owner writes a record, and every write carries a version, so two writes of one
//! session can never land in the wrong order. Tokens are stored hashed: whoever reads Redis
//! cannot resume as a participant (and sealed frames stay unreadable to them anyway).
//! The record itself, and its text form, is in `live_record`.

use std::collections::HashMap;
use std::time::Duration;

use redis::AsyncCommands;
use uuid::Uuid;

use super::conn::Redis;
use super::keys;
use super::live_record::LiveRecord;
use super::scripts::{CLAIM, RELEASE, RENEW, TAKE_OVER, UPDATE};

/// Renewals in flight at once.
const RENEW_AT_ONCE: usize = 64;

/// What a renewal found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Renewed {
    pub missing: Vec<u32>,
    pub lost: Vec<u32>,
    /// Codes whose session the REST API asked to end (from another node).
    pub end_requested: Vec<u32>,
}

/// The records of live sessions, kept for `ttl` after the owner's last renewal.
#[derive(Clone)]
pub struct LiveRecords {
    ttl: Duration,
}

impl LiveRecords {
    pub fn new(ttl: Duration) -> Self {
        Self { ttl }
    }

    pub(super) fn ttl_ms(&self) -> u64 {
        self.ttl.as_millis() as u64
    }

    /// Claims `record.routing` for this session; false if another live session has the code.
    pub async fn claim(&self, redis: &mut Redis, record: &LiveRecord) -> redis::RedisResult<bool> {
        let mut script = CLAIM.prepare_invoke();
        script
            .key(keys::live(record.routing))
            .arg(self.ttl_ms())
            .arg(record.id.to_string());
        for (k, v) in record.fields() {
            script.arg(k).arg(v);
        }
        let claimed: i64 = script.invoke_async(redis).await?;
        if claimed == 1 {
            // The cluster-wide list; a stale entry (a record that expired) is skipped on read.
            redis
                .zadd::<_, _, _, ()>(keys::LIVE_INDEX, record.routing, record.created_at)
                .await?;
        }
        Ok(claimed == 1)
    }

    /// Writes the owner's newer version; `Ok(false)` if another node owns the session now.
    pub async fn update(&self, redis: &mut Redis, record: &LiveRecord) -> redis::RedisResult<bool> {
        let mut script = UPDATE.prepare_invoke();
        script
            .key(keys::live(record.routing))
            .arg(self.ttl_ms())
            .arg(&record.owner)
            .arg(record.version);
        for (k, v) in record.fields() {
            script.arg(k).arg(v);
        }
        let written: i64 = script.invoke_async(redis).await?;
        Ok(written != -1)
    }

    pub async fn get(
        &self,
        redis: &mut Redis,
        routing: u32,
    ) -> redis::RedisResult<Option<LiveRecord>> {
        let map: HashMap<String, String> = redis.hgetall(keys::live(routing)).await?;
        Ok(LiveRecord::parse(routing, &map))
    }

    /// Makes `to` the owner if `from` still is; the record as it now stands, if it moved.
    pub async fn take_over(
        &self,
        redis: &mut Redis,
        routing: u32,
        from: &str,
        to: &str,
    ) -> redis::RedisResult<Option<LiveRecord>> {
        let moved: i64 = TAKE_OVER
            .prepare_invoke()
            .key(keys::live(routing))
            .arg(from)
            .arg(to)
            .arg(self.ttl_ms())
            .invoke_async(redis)
            .await?;
        if moved != 1 {
            return Ok(None);
        }
        self.get(redis, routing).await
    }

    /// Removes an ended session's record (if the code was not claimed again since).
    pub async fn release(
        &self,
        redis: &mut Redis,
        routing: u32,
        id: Uuid,
    ) -> redis::RedisResult<()> {
        let _: i64 = RELEASE
            .prepare_invoke()
            .key(keys::live(routing))
            .arg(id.to_string())
            .invoke_async(redis)
            .await?;
        redis.zrem::<_, _, ()>(keys::LIVE_INDEX, routing).await
    }

    /// Keeps the records of the sessions `owner` (this node) owns from expiring. Returns the
    /// codes whose record is gone (Redis restarted empty, or was wiped: for
    /// [`LiveRecords::restore`]) and those another node owns now (it took the session over,
    /// believing this node dead: this node must let go).
    pub async fn renew(
        &self,
        redis: &mut Redis,
        owner: &str,
        routings: &[u32],
    ) -> redis::RedisResult<Renewed> {
        use futures_util::{StreamExt, TryStreamExt};
        // Many at once: the connection pipelines them, so a thousand sessions cost a few
        // round trips instead of a thousand one after the other.
        let ttl = self.ttl_ms();
        let outcomes: Vec<(u32, i64)> = futures_util::stream::iter(routings.iter().copied())
            .map(|routing| {
                let mut redis = redis.clone();
                async move {
                    let kept: i64 = RENEW
                        .prepare_invoke()
                        .key(keys::live(routing))
                        .arg(owner)
                        .arg(ttl)
                        .invoke_async(&mut redis)
                        .await?;
                    redis::RedisResult::Ok((routing, kept))
                }
            })
            .buffered(RENEW_AT_ONCE)
            .try_collect()
            .await?;
        let mut renewed = Renewed::default();
        for (routing, kept) in outcomes {
            match kept {
                0 => renewed.missing.push(routing),
                -1 => renewed.lost.push(routing),
                2 => renewed.end_requested.push(routing),
                _ => {}
            }
        }
        Ok(renewed)
    }

    /// Writes a record again after Redis lost it: the claim, the list entry, the agent's count.
    /// False if another session claimed the code in between.
    pub async fn restore(
        &self,
        redis: &mut Redis,
        record: &LiveRecord,
    ) -> redis::RedisResult<bool> {
        if !self.claim(redis, record).await? {
            return Ok(false);
        }
        if let (true, Some(agent)) = (record.active, &record.agent) {
            self.add_agent_session(redis, agent, record.routing).await?;
        }
        Ok(true)
    }

    /// Every live session in the cluster, oldest first.
    pub async fn all(&self, redis: &mut Redis) -> redis::RedisResult<Vec<LiveRecord>> {
        let routings: Vec<u32> = redis.zrange(keys::LIVE_INDEX, 0, -1).await?;
        let mut out = Vec::with_capacity(routings.len());
        for routing in routings {
            match self.get(redis, routing).await? {
                Some(record) => out.push(record),
                // Its record expired (an owner that died and nobody resumed): drop the entry.
                None => redis.zrem::<_, _, ()>(keys::LIVE_INDEX, routing).await?,
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod redis_tests {
    use super::*;
    use crate::cluster::Origin;

    #[tokio::test]
    async fn a_code_is_claimed_once() {
        let server = test_servers::RedisServer::start();
        let urls = [server.url()];
        let (cluster, _opened) =
            crate::cluster::Cluster::start(&urls, "n/1".into(), Duration::from_secs(60))
                .await
                .unwrap();
        let mut redis = cluster.redis();
        let live = LiveRecords::new(Duration::from_secs(60));
        let record = LiveRecord {
            id: Uuid::new_v4(),
            routing: 42,
            owner: "a/1".into(),
            created_at: 1,
            active: false,
            agent: None,
            customer_token: [1; 32],
            agent_token: None,
            verify_failures: 0,
            version: 1,
            origin: Origin::default(),
            joined_at: None,
        };
        assert!(
            live.claim(&mut redis, &record).await.unwrap(),
            "free: claimed"
        );
        let other = LiveRecord {
            id: Uuid::new_v4(),
            ..record.clone()
        };
        assert!(!live.claim(&mut redis, &other).await.unwrap(), "taken");
        assert_eq!(live.get(&mut redis, 42).await.unwrap(), Some(record));
    }
}
