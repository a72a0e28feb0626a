//! Counts that must hold across the cluster, kept beside the live records: the sessions each
//! agent is active in (for `agent_sessions_limit`), and one-minute windows of attempts (for
//! `join_attempts_per_minute`, per agent and per code).

use redis::AsyncCommands;

use super::conn::Redis;
use super::keys;
use super::live::LiveRecords;

impl LiveRecords {
    /// Notes that `agent` is in session `routing` (for its cluster-wide session count).
    pub async fn add_agent_session(
        &self,
        redis: &mut Redis,
        agent: &str,
        routing: u32,
    ) -> redis::RedisResult<()> {
        let key = keys::agent(agent);
        redis.sadd::<_, _, ()>(&key, routing).await?;
        redis.pexpire::<_, ()>(&key, self.ttl_ms() as i64).await
    }

    /// How many live sessions `agent` is active in, across the cluster. Codes whose record no
    /// longer says so (ended, agent removed, expired) are dropped from the set on the way.
    pub async fn agent_sessions(
        &self,
        redis: &mut Redis,
        agent: &str,
    ) -> redis::RedisResult<usize> {
        let key = keys::agent(agent);
        let routings: Vec<u32> = redis.smembers(&key).await?;
        let mut active = 0;
        for routing in routings {
            match self.get(redis, routing).await? {
                Some(r) if r.active && r.agent.as_deref() == Some(agent) => active += 1,
                _ => redis.srem::<_, _, ()>(&key, routing).await?,
            }
        }
        Ok(active)
    }

    /// Counts one attempt of `kind` for `key` in this minute's window across the cluster;
    /// false when `per_minute` were already made (0: unlimited).
    pub async fn allow(
        &self,
        redis: &mut Redis,
        kind: &str,
        key: &str,
        per_minute: u32,
    ) -> redis::RedisResult<bool> {
        if per_minute == 0 {
            return Ok(true);
        }
        let minute = crate::store::now_millis() as u64 / 60_000;
        let window = keys::rate(kind, key, minute);
        let made: u64 = redis.incr(&window, 1).await?;
        if made == 1 {
            redis.expire::<_, ()>(&window, 120).await?;
        }
        Ok(made <= per_minute as u64)
    }
}
