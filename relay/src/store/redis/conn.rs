//! The one connection a [`super::RedisStore`] talks through: to a single server, or to a Redis
//! Cluster (the client follows slot moves and failovers). A connection that failed is dropped
//! and a fresh one opened on the next call, so the store comes back by itself once Redis does.
//! Errors become [`StoreError`]s that say whether the store could not be reached (worth
//! retrying later) or refused the request.

use std::sync::Mutex;
use std::time::Duration;

use redis::cluster::{ClusterClient, ClusterConnection};
use redis::{ConnectionLike, ErrorKind, RedisError, ServerErrorKind};

use crate::store::StoreError;

/// A Redis that does not accept a connection or answer within these is treated as down (the
/// store writer retries later); without them a hung server would hold the writer forever.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(3);
/// Tries per command inside the cluster client (slot moves, a failover under way): the store
/// writer's own retries take over after these.
const CLUSTER_RETRIES: u32 = 3;

enum Client {
    Single(redis::Client),
    Cluster(Box<ClusterClient>),
}

/// An open connection: `redis::Commands` and scripts run on it either way.
pub(super) enum Open {
    Single(redis::Connection),
    Cluster(Box<ClusterConnection>),
}

impl Open {
    fn inner(&mut self) -> &mut dyn ConnectionLike {
        match self {
            Open::Single(c) => c,
            Open::Cluster(c) => c.as_mut(),
        }
    }

    fn inner_ref(&self) -> &dyn ConnectionLike {
        match self {
            Open::Single(c) => c,
            Open::Cluster(c) => c.as_ref(),
        }
    }
}

impl Open {
    /// Sends `cmds` together (one round trip per node), answers in their order: a plain
    /// connection pipelines them, a cluster one groups them by node.
    pub(super) fn pipeline<T: redis::FromRedisValue>(
        &mut self,
        cmds: &[redis::Cmd],
    ) -> Result<T, RedisError> {
        match self {
            Open::Single(c) => {
                let mut pipe = redis::pipe();
                cmds.iter().for_each(|cmd| {
                    pipe.add_command(cmd.clone());
                });
                pipe.query(c)
            }
            Open::Cluster(c) => {
                let mut pipe = redis::cluster::cluster_pipe();
                cmds.iter().for_each(|cmd| {
                    pipe.add_command(cmd.clone());
                });
                pipe.query(c.as_mut())
            }
        }
    }
}

impl ConnectionLike for Open {
    fn req_packed_command(&mut self, cmd: &[u8]) -> redis::RedisResult<redis::Value> {
        self.inner().req_packed_command(cmd)
    }

    fn req_packed_commands(
        &mut self,
        cmd: &[u8],
        offset: usize,
        count: usize,
    ) -> redis::RedisResult<Vec<redis::Value>> {
        self.inner().req_packed_commands(cmd, offset, count)
    }

    fn req_command(&mut self, cmd: &redis::Cmd) -> redis::RedisResult<redis::Value> {
        self.inner().req_command(cmd)
    }

    fn get_db(&self) -> i64 {
        self.inner_ref().get_db()
    }

    fn supports_pipelining(&self) -> bool {
        self.inner_ref().supports_pipelining()
    }

    fn check_connection(&mut self) -> bool {
        self.inner().check_connection()
    }

    fn is_open(&self) -> bool {
        self.inner_ref().is_open()
    }
}

pub(super) struct Connection {
    client: Client,
    /// The URLs as configured (without passwords), for error messages.
    urls: String,
    open: Mutex<Option<Open>>,
}

impl Connection {
    /// Checks the URLs and connects (so a wrong URL is reported when the relay starts).
    pub(super) fn connect(urls: &[String]) -> Result<Self, StoreError> {
        let named = urls
            .iter()
            .map(|u| without_password(u))
            .collect::<Vec<_>>()
            .join(",");
        let invalid = |e: RedisError| StoreError::Backend(format!("redis_url {named}: {e}"));
        let client = match urls {
            [] => return Err(StoreError::Backend("redis_url is empty".into())),
            [one] => Client::Single(redis::Client::open(one.as_str()).map_err(invalid)?),
            several => Client::Cluster(Box::new(
                ClusterClient::builder(several.iter().map(String::as_str))
                    .connection_timeout(CONNECT_TIMEOUT)
                    .response_timeout(RESPONSE_TIMEOUT)
                    .retries(CLUSTER_RETRIES)
                    .build()
                    .map_err(invalid)?,
            )),
        };
        let conn = Self {
            client,
            urls: named,
            open: Mutex::new(None),
        };
        conn.run(|c| redis::cmd("PING").query::<String>(c))?;
        Ok(conn)
    }

    fn open(&self) -> Result<Open, RedisError> {
        Ok(match &self.client {
            Client::Single(client) => {
                let c = client.get_connection_with_timeout(CONNECT_TIMEOUT)?;
                c.set_read_timeout(Some(RESPONSE_TIMEOUT))?;
                c.set_write_timeout(Some(RESPONSE_TIMEOUT))?;
                Open::Single(c)
            }
            Client::Cluster(client) => Open::Cluster(Box::new(client.get_connection()?)),
        })
    }

    /// Runs `f` on the connection, opening one if needed. A connection found broken (Redis
    /// restarted since its last use) is replaced and `f` tried once more on the new one; the
    /// store's requests may run twice for that reason, so each is written to be idempotent.
    pub(super) fn run<T>(
        &self,
        f: impl Fn(&mut Open) -> Result<T, RedisError>,
    ) -> Result<T, StoreError> {
        let mut slot = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let reused = slot.is_some();
        for attempt in 0..2 {
            if slot.is_none() {
                *slot = Some(self.open().map_err(|e| self.error(e))?);
            }
            let conn = slot.as_mut().expect("opened above");
            match f(conn) {
                Ok(v) => return Ok(v),
                Err(e) if is_unreachable(&e) => {
                    *slot = None;
                    if !(reused && attempt == 0 && e.is_connection_dropped()) {
                        return Err(self.error(e));
                    }
                }
                Err(e) => return Err(self.error(e)),
            }
        }
        unreachable!("the second attempt always returns")
    }

    fn error(&self, e: RedisError) -> StoreError {
        if is_unreachable(&e) {
            StoreError::Unavailable(format!("redis {}: {e}", self.urls))
        } else {
            StoreError::Backend(format!("redis {}: {e}", self.urls))
        }
    }
}

/// `url` for messages and logs: its password (`redis://:secret@host`) replaced by `***`.
fn without_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(_) => url.to_string(),
        Err(_) => "(an unreadable URL)".to_string(),
    }
}

/// Whether `e` means Redis could not be reached or is not serving right now (down, restarting,
/// failing over), as opposed to refusing the request itself.
fn is_unreachable(e: &RedisError) -> bool {
    e.is_io_error()
        || e.is_connection_dropped()
        || e.is_timeout()
        || e.is_cluster_error()
        || matches!(
            e.kind(),
            ErrorKind::ClusterConnectionNotFound
                | ErrorKind::Server(
                    ServerErrorKind::MasterDown
                        | ServerErrorKind::BusyLoading
                        | ServerErrorKind::ReadOnly
                )
        )
}
