//! Live sessions' records in Redis: the claim on a routing code (unique across the cluster),
//! which node owns the session, its phase and agent, and the SHA-256 of each side's resume
//! token, so that another node can take the session over when its owner dies or drains.
//! Only the owner writes a record, and every write carries a version, so two writes of one
//! session can never land in the wrong order. Tokens are stored hashed: whoever reads Redis
//! cannot resume as a participant (and sealed frames stay unreadable to them anyway).

use std::collections::HashMap;
use std::time::Duration;

use redis::AsyncCommands;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::conn::Redis;
use super::keys;
use super::scripts::{CLAIM, RELEASE, RENEW, TAKE_OVER, UPDATE};
use crate::store::Millis;

/// Renewals in flight at once.
const RENEW_AT_ONCE: usize = 64;

/// What another node needs to know about a live session (and a lone relay keeps across its
/// own restart, see `crate::restart`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LiveRecord {
    pub id: Uuid,
    pub routing: u32,
    pub owner: String,
    pub created_at: Millis,
    /// An agent has joined and is verified or verifying (`active`), or none yet (`waiting`).
    pub active: bool,
    pub agent: Option<String>,
    pub customer_token: [u8; 32],
    pub agent_token: Option<[u8; 32]>,
    pub verify_failures: u8,
    /// Raised by the owner with every write.
    pub version: u64,
    /// What the history keeps of the session's start, so a node can write its history record
    /// again after Redis lost it (see `membership::renew_forever`).
    pub origin: Origin,
    pub joined_at: Option<Millis>,
}

/// The customer's browser and first page as the history keeps them (already cut and masked).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Origin {
    pub user_agent: String,
    pub first_url: String,
    pub first_session: bool,
}

/// The SHA-256 of a resume token, as records keep it.
pub fn token_hash(token: &[u8; 16]) -> [u8; 32] {
    Sha256::digest(token).into()
}

impl LiveRecord {
    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("id", self.id.to_string()),
            ("owner", self.owner.clone()),
            ("created", self.created_at.to_string()),
            (
                "phase",
                if self.active { "active" } else { "waiting" }.into(),
            ),
            ("agent", self.agent.clone().unwrap_or_default()),
            ("ctok", hex(&self.customer_token)),
            (
                "atok",
                self.agent_token
                    .as_ref()
                    .map(|t| hex(t))
                    .unwrap_or_default(),
            ),
            ("vfail", self.verify_failures.to_string()),
            ("ua", self.origin.user_agent.clone()),
            ("url", self.origin.first_url.clone()),
            ("first", (self.origin.first_session as u8).to_string()),
            (
                "joined",
                self.joined_at.map(|t| t.to_string()).unwrap_or_default(),
            ),
            ("ver", self.version.to_string()),
        ]
    }

    fn parse(routing: u32, map: &HashMap<String, String>) -> Option<Self> {
        let get = |k: &str| map.get(k).map(String::as_str);
        Some(Self {
            id: Uuid::parse_str(get("id")?).ok()?,
            routing,
            owner: get("owner")?.to_string(),
            created_at: get("created")?.parse().ok()?,
            active: get("phase")? == "active",
            agent: get("agent").filter(|a| !a.is_empty()).map(str::to_string),
            customer_token: unhex(get("ctok")?)?,
            agent_token: get("atok").filter(|t| !t.is_empty()).and_then(unhex),
            verify_failures: get("vfail")?.parse().ok()?,
            version: get("ver")?.parse().ok()?,
            origin: Origin {
                user_agent: get("ua").unwrap_or_default().to_string(),
                first_url: get("url").unwrap_or_default().to_string(),
                first_session: get("first") == Some("1"),
            },
            joined_at: get("joined").and_then(|t| t.parse().ok()),
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if text.len() != 64 {
        return None;
    }
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

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
mod tests {
    use super::*;

    #[test]
    fn token_hashes_survive_the_text_form() {
        let h = token_hash(&[7; 16]);
        assert_eq!(unhex(&hex(&h)), Some(h));
        assert_eq!(unhex("zz"), None);
    }
}

#[cfg(test)]
mod redis_tests {
    use super::*;

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
