//! The Redis Stream sink of session reports (`report_stream`), the counterpart of the reference
//! product's Kafka topic: each ended session's report (the same JSON as the file and webhook
//! sinks) is added once, as the entry `session=<id> report=<json>`, to a stream trimmed to
//! about `report_stream_max_len` entries (`MAXLEN ~`). Consumers read it in groups
//! (`XREADGROUP`, `XACK`).
//!
//! "Once" holds across nodes and retries: a marker key in the session's slot is set (`SET NX`)
//! before the entry is added, and only the node that set it adds the entry. A Redis that cannot
//! be reached is retried with backoff for about half a minute, in its own task so the file and
//! webhook sinks do not wait; after that the report is dropped and logged.

use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::{AsyncConnectionConfig, RedisResult};
use tokio::sync::mpsc;

use crate::report::SessionReport;
use crate::store::redis::keys::{Keys, DEFAULT_NAMESPACE};
use crate::store::Millis;

/// Attempts per report, the wait before the first retry (doubling) and its cap.
const ATTEMPTS: u32 = 8;
const FIRST_RETRY: Duration = Duration::from_millis(500);
const MAX_RETRY: Duration = Duration::from_secs(5);
const TIMEOUT: Duration = Duration::from_secs(3);
/// Reports waiting for the stream; beyond this they are dropped (and logged).
const QUEUE: usize = 10_000;

/// Where the reports go: the stream and how it is trimmed, and how long the "reported" marker
/// of a session is kept (its history retention: a session is not ended again after that).
#[derive(Debug, Clone)]
pub struct StreamSink {
    pub redis_url: Vec<String>,
    pub stream: String,
    pub max_len: u64,
    pub marker_ttl: Millis,
}

enum Conn {
    Single(MultiplexedConnection),
    Cluster(ClusterConnection),
}

impl Conn {
    async fn open(urls: &[String]) -> RedisResult<Self> {
        Ok(if let [one] = urls {
            let config = AsyncConnectionConfig::new()
                .set_connection_timeout(Some(TIMEOUT))
                .set_response_timeout(Some(TIMEOUT));
            let client = redis::Client::open(one.as_str())?;
            Conn::Single(
                client
                    .get_multiplexed_async_connection_with_config(&config)
                    .await?,
            )
        } else {
            let client = ClusterClient::builder(urls.iter().map(String::as_str))
                .connection_timeout(TIMEOUT)
                .response_timeout(TIMEOUT)
                .build()?;
            Conn::Cluster(client.get_async_connection().await?)
        })
    }

    async fn query<T: redis::FromRedisValue>(&mut self, cmd: &redis::Cmd) -> RedisResult<T> {
        match self {
            Conn::Single(c) => cmd.query_async(c).await,
            Conn::Cluster(c) => cmd.query_async(c).await,
        }
    }
}

/// Starts the sink's task; reports sent to the returned queue are added to the stream. The
/// task ends once the queue is closed and drained.
pub fn start(sink: StreamSink) -> (mpsc::Sender<SessionReport>, tokio::task::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(QUEUE);
    (tx, tokio::spawn(run(sink, rx)))
}

async fn run(sink: StreamSink, mut rx: mpsc::Receiver<SessionReport>) {
    let keys = Keys::new(DEFAULT_NAMESPACE);
    let mut conn: Option<Conn> = None;
    while let Some(report) = rx.recv().await {
        let json = match serde_json::to_string(&report) {
            Ok(j) => j,
            Err(e) => {
                tracing::error!(error = %e, "cannot serialize a report");
                continue;
            }
        };
        let mut entry = Entry {
            id: report.session_id.to_string(),
            json,
            marker: keys.reported(report.session_id),
            ours: uuid::Uuid::new_v4().simple().to_string(),
            marked: false,
        };
        let id = entry.id.clone();
        let mut wait = FIRST_RETRY;
        for attempt in 1..=ATTEMPTS {
            match add(&sink, &mut conn, &mut entry).await {
                Ok(()) => break,
                Err(e) => {
                    conn = None;
                    tracing::warn!(error = %e, attempt, session = %id, "report stream failed");
                }
            }
            if attempt == ATTEMPTS {
                tracing::error!(stream = %sink.stream, session = %id,
                    "report dropped after {ATTEMPTS} attempts to add it to the stream");
                if entry.marked {
                    // Best effort (Redis is likely still away): let another node's end of
                    // this session add it.
                    if let Ok(mut c) = Conn::open(&sink.redis_url).await {
                        let _ = c.query::<()>(redis::cmd("DEL").arg(&entry.marker)).await;
                    }
                }
            } else {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(MAX_RETRY);
            }
        }
    }
}

/// The report of one session on its way to the stream.
struct Entry {
    id: String,
    json: String,
    /// The session's "reported" marker, and the value this node sets it to.
    marker: String,
    ours: String,
    /// Whether this node set the marker (so it, and only it, adds the entry).
    marked: bool,
}

/// Marks the session reported (unless an earlier attempt did) and adds its entry; does nothing
/// if another node (or an earlier end) marked it.
async fn add(sink: &StreamSink, conn: &mut Option<Conn>, e: &mut Entry) -> RedisResult<()> {
    let Entry {
        id,
        json,
        marker,
        ours,
        marked,
    } = e;
    if conn.is_none() {
        *conn = Some(Conn::open(&sink.redis_url).await?);
    }
    let c = conn.as_mut().expect("opened above");
    if !*marked {
        // SET NX GET answers the value before: none if this call set it, `ours` if an earlier
        // attempt did (its answer was lost), anything else if another node or end did.
        let before: Option<String> = c
            .query(
                redis::cmd("SET")
                    .arg(marker.as_str())
                    .arg(ours.as_str())
                    .arg("NX")
                    .arg("PX")
                    .arg(sink.marker_ttl)
                    .arg("GET"),
            )
            .await?;
        if before.is_some_and(|v| v != *ours) {
            tracing::debug!(session = %id, "already in the report stream");
            return Ok(());
        }
        *marked = true;
    }
    c.query::<String>(
        redis::cmd("XADD")
            .arg(&sink.stream)
            .arg("MAXLEN")
            .arg("~")
            .arg(sink.max_len)
            .arg("*")
            .arg("session")
            .arg(id.as_str())
            .arg("report")
            .arg(json.as_str()),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{SessionRecord, SessionStore, SqliteStore};
    use redis::Commands;
    use shared_protocol::EndReason;

    fn ended_report() -> SessionReport {
        let store = SqliteStore::in_memory().unwrap();
        let id = uuid::Uuid::new_v4();
        store
            .create(&SessionRecord {
                id,
                routing: 42,
                created_at: 1_000,
                user_agent: String::new(),
                first_url: "http://shop.test/".into(),
                agent_id: None,
                joined_at: None,
                ended_at: None,
                end_reason: None,
                first_session: true,
            })
            .unwrap();
        store
            .mark_ended(id, 2_000, EndReason::CustomerExit)
            .unwrap();
        crate::report::build(&store, id).unwrap().unwrap()
    }

    /// Two nodes' sinks given the same two reports; the sessions found in the stream.
    async fn both_nodes_report_twice(urls: Vec<String>) -> (Vec<String>, Vec<String>) {
        let stream = format!("reports-{}", uuid::Uuid::new_v4().simple());
        let sink = StreamSink {
            redis_url: urls.clone(),
            stream: stream.clone(),
            max_len: 100,
            marker_ttl: 60_000,
        };
        let (one, two) = (ended_report(), ended_report());
        let nodes: Vec<_> = (0..2).map(|_| start(sink.clone())).collect();
        for (tx, _) in &nodes {
            tx.send(one.clone()).await.unwrap();
            tx.send(two.clone()).await.unwrap();
        }
        for (tx, task) in nodes {
            drop(tx);
            task.await.unwrap();
        }
        let all: redis::streams::StreamRangeReply = if let [url] = urls.as_slice() {
            let mut c = redis::Client::open(url.as_str()).unwrap();
            c.xrange_all(&stream).unwrap()
        } else {
            let mut c = redis::cluster::ClusterClient::new(urls)
                .unwrap()
                .get_connection()
                .unwrap();
            c.xrange_all(&stream).unwrap()
        };
        let found = all
            .ids
            .iter()
            .map(|e| e.get::<String>("session").unwrap())
            .collect();
        let mut expected = vec![one.session_id.to_string(), two.session_id.to_string()];
        expected.sort();
        (found, expected)
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_session_ended_on_two_nodes_is_in_the_stream_once() {
        let server = crate::store::redis::tests::server();
        let (mut found, expected) = both_nodes_report_twice(vec![server.url()]).await;
        found.sort();
        assert_eq!(found, expected, "each once");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_stream_works_on_a_redis_cluster_too() {
        let urls = crate::store::redis::tests::cluster().urls();
        let (mut found, expected) = both_nodes_report_twice(urls).await;
        found.sort();
        assert_eq!(found, expected, "each once");
    }
}
