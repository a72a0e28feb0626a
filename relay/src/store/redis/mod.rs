//! The Redis store, for several relay nodes sharing one Redis (a server, or a Redis Cluster
//! when `redis_url` lists several seeds). It passes the same conformance suite as SQLite.
//!
//! - [`keys`]: the key layout (a session's keys share a cluster slot; indexes are sorted sets);
//! - [`scripts`]: the Lua scripts that change a session atomically;
//! - [`record`]: records and list elements as Redis holds them;
//! - [`conn`]: the connection, reconnecting after Redis comes back;
//! - [`indexes`]: reading sessions through the indexes, and keeping them up to date;
//! - [`sweep`]: retention, safe with every node sweeping at once;
//! - this module: [`RedisStore`] and its reads and writes.
//!
//! Besides the sweep, every key carries an expiry a little longer than its retention, so Redis
//! cleans up by itself even if no node sweeps any more.

mod conn;
mod indexes;
pub(crate) mod keys;
mod record;
mod scripts;
mod sweep;
#[cfg(test)]
pub(crate) mod tests;

use redis::Commands;
use shared_protocol::EndReason;
use uuid::Uuid;

use super::{
    Millis, PageVisit, Retention, Segment, SessionRecord, SessionStore, StoreError, Swept,
};
use conn::Connection;
use keys::Keys;
pub use keys::DEFAULT_NAMESPACE;
use scripts::Scripts;

/// How much longer than its retention a key lives: the sweep (every `sweep_interval`) removes
/// records on time and counts them; expiry is only the backstop when no node sweeps.
const EXPIRY_GRACE: Millis = 60 * 60 * 1000;

/// Ids fetched from an index at a time.
const BATCH: isize = 500;

pub struct RedisStore {
    conn: Connection,
    keys: Keys,
    scripts: Scripts,
    /// Expiries (ms) of a live session, an ended one and a page visit list.
    live_expiry: Millis,
    ended_expiry: Millis,
    pages_expiry: Millis,
}

impl RedisStore {
    /// Connects to `urls` (one: a server; several: seeds of a Redis Cluster); keys expire
    /// after `retention` (plus a grace period).
    pub fn connect(urls: &[String], retention: Retention) -> Result<Self, StoreError> {
        Self::connect_in(urls, retention, DEFAULT_NAMESPACE)
    }

    /// [`RedisStore::connect`] with every key under `namespace`.
    pub fn connect_in(
        urls: &[String],
        retention: Retention,
        namespace: &str,
    ) -> Result<Self, StoreError> {
        Ok(Self {
            conn: Connection::connect(urls)?,
            keys: Keys::new(namespace),
            scripts: Scripts::default(),
            live_expiry: retention.live_sessions + retention.history + EXPIRY_GRACE,
            ended_expiry: retention.history + EXPIRY_GRACE,
            pages_expiry: retention.page_visits + EXPIRY_GRACE,
        })
    }

    fn append(
        &self,
        id: Uuid,
        list: &str,
        body: &str,
        at: Millis,
        expiry: Millis,
    ) -> Result<u32, StoreError> {
        let record = self.keys.session(id).record;
        let index: i64 = self.conn.run(|c| {
            self.scripts
                .append
                .key(&record)
                .key(list)
                .arg(at)
                .arg(body)
                .arg(expiry)
                .invoke(c)
        })?;
        u32::try_from(index).map_err(|_| StoreError::NotFound(id))
    }
}

impl SessionStore for RedisStore {
    fn create(&self, r: &SessionRecord) -> Result<(), StoreError> {
        let keys = self.keys.session(r.id);
        let fields = record::to_fields(r);
        self.conn.run(|c| {
            let mut call = self.scripts.create.key(&keys.record);
            call.arg(self.live_expiry);
            for (name, value) in &fields {
                call.arg(*name).arg(value);
            }
            call.invoke::<i64>(c)
        })?;
        // The indexes live in other slots: updated after the record, idempotently, so a retry
        // after a failure here completes them.
        let id = r.id.to_string();
        let mut updates = vec![redis::Cmd::zadd(self.keys.by_created(), &id, r.created_at)];
        updates.push(match r.ended_at {
            None => redis::Cmd::zadd(self.keys.open(), &id, r.created_at),
            Some(at) => redis::Cmd::zadd(self.keys.ended(), &id, at),
        });
        if let Some(agent) = &r.agent_id {
            updates.push(redis::Cmd::zadd(
                self.keys.by_agent(agent),
                &id,
                r.created_at,
            ));
        }
        self.conn.run(|c| c.pipeline::<()>(&updates))
    }

    fn mark_joined(&self, id: Uuid, agent_id: &str, at: Millis) -> Result<(), StoreError> {
        let record = self.keys.session(id).record;
        let joined: Option<(String, Millis)> = self.conn.run(|c| {
            self.scripts
                .join
                .key(&record)
                .arg(agent_id)
                .arg(at)
                .invoke(c)
        })?;
        let Some((before, created_at)) = joined else {
            return Err(StoreError::NotFound(id));
        };
        let member = id.to_string();
        let mut updates = vec![redis::Cmd::zadd(
            self.keys.by_agent(agent_id),
            &member,
            created_at,
        )];
        if !before.is_empty() && before != agent_id {
            updates.push(redis::Cmd::zrem(self.keys.by_agent(&before), &member));
        }
        self.conn.run(|c| c.pipeline::<()>(&updates))
    }

    fn mark_ended(&self, id: Uuid, at: Millis, reason: EndReason) -> Result<(), StoreError> {
        let (found, _, ended_at) = self.end(id, at, reason.as_str(), None)?;
        if !found {
            return Err(StoreError::NotFound(id));
        }
        self.index_ended(id, ended_at)
    }

    fn get(&self, id: Uuid) -> Result<Option<SessionRecord>, StoreError> {
        let record = self.keys.session(id).record;
        let fields = self.conn.run(|c| c.hgetall(&record))?;
        record::from_fields(id, fields)
    }

    fn recent(&self, limit: usize) -> Result<Vec<SessionRecord>, StoreError> {
        let index = self.keys.by_created();
        self.read_index(&index, limit, |c, offset, count| {
            c.zrevrange(&index, offset, offset + count - 1)
        })
    }

    fn history(
        &self,
        from: Millis,
        to: Millis,
        limit: usize,
        agent: Option<&str>,
    ) -> Result<Vec<SessionRecord>, StoreError> {
        let index = match agent {
            Some(a) => self.keys.by_agent(a),
            None => self.keys.by_created(),
        };
        let to = format!("({to}");
        self.read_index(&index, limit, |c, offset, count| {
            c.zrangebyscore_limit(&index, from, &to, offset, count)
        })
    }

    fn start_segment(&self, id: Uuid, mode: &str, at: Millis) -> Result<u32, StoreError> {
        let list = self.keys.session(id).segments;
        // 0: segments expire with their session.
        self.append(id, &list, mode, at, 0)
    }

    fn segments(&self, id: Uuid) -> Result<Vec<Segment>, StoreError> {
        let list = self.keys.session(id).segments;
        let raw: Vec<String> = self.conn.run(|c| c.lrange(&list, 0, -1))?;
        raw.iter().map(|r| record::segment(r)).collect()
    }

    fn add_page(&self, id: Uuid, url: &str, title: &str, at: Millis) -> Result<u32, StoreError> {
        let list = self.keys.session(id).pages;
        let index = self.append(
            id,
            &list,
            &record::page_body(url, title),
            at,
            self.pages_expiry,
        )?;
        let member = keys::page_member(id, index);
        self.conn
            .run(|c| c.zadd::<_, _, _, ()>(self.keys.page_visits(), &member, at))?;
        Ok(index)
    }

    fn pages(&self, id: Uuid) -> Result<Vec<PageVisit>, StoreError> {
        let list = self.keys.session(id).pages;
        let raw: Vec<String> = self.conn.run(|c| c.lrange(&list, 0, -1))?;
        raw.iter().map(|r| record::page_visit(r)).collect()
    }

    fn sweep(&self, now: Millis, retention: &Retention) -> Result<Swept, StoreError> {
        sweep::sweep(self, now, retention)
    }
}

impl RedisStore {
    /// Ends session `id` (see the END script; `stale_before`: only if it never ended and was
    /// created before then). Returns (found, ended by this call, end time if ended).
    fn end(
        &self,
        id: Uuid,
        at: Millis,
        reason: &str,
        stale_before: Option<Millis>,
    ) -> Result<(bool, bool, Option<Millis>), StoreError> {
        let keys = self.keys.session(id);
        let stale = stale_before.map(|t| t.to_string()).unwrap_or_default();
        let (found, now, ended_at): (i64, i64, Millis) = self.conn.run(|c| {
            self.scripts
                .end
                .key(&keys.record)
                .key(&keys.pages)
                .key(&keys.segments)
                .arg(at)
                .arg(reason)
                .arg(self.ended_expiry)
                .arg(&stale)
                .invoke(c)
        })?;
        Ok((found == 1, now == 1, (ended_at >= 0).then_some(ended_at)))
    }
}
