//! Async Redis connections for the node's cluster traffic: one server (`redis_url` with one
//! URL, through a reconnecting [`ConnectionManager`]) or a Redis Cluster (several seed URLs,
//! through the cluster-aware client, which follows slots and failovers). Both are used through
//! one type, so nothing above this file knows which it is.

use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, Pipeline, RedisFuture, Value};

/// How long one ordinary command may take before it counts as failed (Redis answers in well
/// under a millisecond; more means it is unreachable).
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Clone)]
pub enum Redis {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("no Redis URL given")]
    NoUrl,
    #[error("cannot connect to Redis at {urls}: {source}")]
    Redis {
        urls: String,
        source: redis::RedisError,
    },
}

impl Redis {
    /// Connects to `urls`: one server, or the seed nodes of a cluster. `response` bounds one
    /// command (longer for a connection that blocks on `XREAD`).
    pub async fn connect(
        urls: &[String],
        response: Option<Duration>,
    ) -> Result<Self, ConnectError> {
        let response = response.unwrap_or(RESPONSE_TIMEOUT);
        let failed = |source| ConnectError::Redis {
            urls: urls.join(","),
            source,
        };
        match urls {
            [] => Err(ConnectError::NoUrl),
            [one] => {
                let client = redis::Client::open(one.as_str()).map_err(failed)?;
                let config = ConnectionManagerConfig::new()
                    .set_response_timeout(Some(response))
                    .set_connection_timeout(Some(CONNECT_TIMEOUT))
                    .set_max_delay(Duration::from_secs(1));
                let conn = client
                    .get_connection_manager_with_config(config)
                    .await
                    .map_err(failed)?;
                Ok(Redis::Single(conn))
            }
            several => {
                let client = ClusterClient::builder(several.to_vec())
                    .response_timeout(response)
                    .connection_timeout(CONNECT_TIMEOUT)
                    .retries(4)
                    .build()
                    .map_err(failed)?;
                let conn = client.get_async_connection().await.map_err(failed)?;
                Ok(Redis::Cluster(conn))
            }
        }
    }
}

impl ConnectionLike for Redis {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Redis::Single(c) => c.req_packed_command(cmd),
            Redis::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Redis::Single(c) => c.req_packed_commands(pipeline, offset, count),
            Redis::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Redis::Single(c) => c.get_db(),
            Redis::Cluster(c) => c.get_db(),
        }
    }
}
