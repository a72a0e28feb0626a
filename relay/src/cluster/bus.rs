//! Frames between nodes. Each node reads one Redis Stream, its inbox, and writes into the
//! inboxes of the nodes it talks to. A stream keeps order, keeps entries while a reader
//! reconnects (pub/sub would lose them), and lives on one shard of a cluster. Entries are
//! addressed to a connection: the node with the client's socket (`Open`, then `Frame`s and a
//! `Close`) and the owner that runs the session for it (`Frame`s and a `Close` back). Nothing
//! here opens a sealed frame: payloads are the client's bytes, passed on as they are.
//!
//! Each destination has one writer task that pipelines what is queued (one round trip for a
//! burst), so a connection's entries arrive in the order they were sent.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::streams::{StreamReadOptions, StreamReadReply};
use redis::AsyncCommands;
use tokio::sync::mpsc;

use super::bus_entry::{items, push};
use super::conn::Redis;
use super::keys;
use crate::sessions::Side;

/// A bridged connection, unique across the cluster.
pub type ConnId = [u8; 16];

/// Entries kept per inbox at most (trimmed approximately); a live reader empties its inbox
/// continuously, so this bounds only a dead node's.
const INBOX_MAX_LEN: usize = 10_000;
/// A batch entry is closed at about this size and the rest goes into the next.
const ENTRY_BYTES: usize = 1024 * 1024;
/// A dead node's inbox disappears this long after the last entry sent to it.
const INBOX_TTL: Duration = Duration::from_secs(300);
/// Entries queued per destination before senders wait, and per bridged connection before it
/// counts as stuck and is closed (its client resumes and catches up from the owner's ring).
const WRITER_QUEUE: usize = 4096;
pub const ENDPOINT_QUEUE: usize = 1024;
const READ_BLOCK: Duration = Duration::from_millis(500);
/// How often a node trims the entries it has read from its inbox.
const TRIM_EVERY: Duration = Duration::from_millis(500);
/// A failed inbox write is tried this many times, this long apart: 10 s, a cluster failover
/// and the client's refresh of its slots with room to spare.
const WRITE_ATTEMPTS: u32 = 40;
const WRITE_RETRY: Duration = Duration::from_millis(250);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BusMsg {
    /// A client's socket on node `from` wants the session this node owns.
    Open {
        from: String,
        side: Side,
        client_ip: String,
        user_agent: String,
    },
    /// One WebSocket message, as it came from the client or goes to it.
    Frame(Vec<u8>),
    /// The socket closed (from the client's node) or must close (from the owner).
    Close { code: u16, reason: String },
}

/// A connection opened from another node, for the owner to run.
#[derive(Debug)]
pub struct Opened {
    pub conn: ConnId,
    pub from: String,
    pub side: Side,
    pub client_ip: String,
    pub user_agent: String,
    pub inbound: mpsc::Receiver<BusMsg>,
}

pub struct Bus {
    me: String,
    weak: std::sync::Weak<Bus>,
    redis: Redis,
    routes: Mutex<HashMap<ConnId, mpsc::Sender<BusMsg>>>,
    writers: Mutex<HashMap<String, mpsc::Sender<(ConnId, BusMsg)>>>,
    /// Entries routed, and entries dropped (no writer room, or no such connection).
    pub sent: std::sync::atomic::AtomicU64,
    pub failed: std::sync::atomic::AtomicU64,
}

impl Bus {
    /// Starts reading this node's inbox (on its own connection, `reader`, since `XREAD` blocks
    /// it); connections opened from other nodes arrive on the returned receiver.
    pub async fn start(
        me: String,
        redis: Redis,
        mut reader: Redis,
    ) -> redis::RedisResult<(Arc<Bus>, mpsc::Receiver<Opened>)> {
        // Entries left from an earlier life of this node are for connections that are gone.
        reader.del::<_, ()>(keys::inbox(&me)).await?;
        let bus = Arc::new_cyclic(|weak| Bus {
            weak: weak.clone(),
            me,
            redis,
            routes: Mutex::new(HashMap::new()),
            writers: Mutex::new(HashMap::new()),
            sent: Default::default(),
            failed: Default::default(),
        });
        let (opened_tx, opened_rx) = mpsc::channel(256);
        tokio::spawn(read_inbox(Arc::downgrade(&bus), reader, opened_tx));
        Ok((bus, opened_rx))
    }

    pub fn node(&self) -> &str {
        &self.me
    }

    /// A new connection id.
    pub fn new_conn() -> ConnId {
        rand::random()
    }

    /// Receives what other nodes send to `conn` until [`Bus::unregister`].
    pub fn register(&self, conn: ConnId) -> mpsc::Receiver<BusMsg> {
        let (tx, rx) = mpsc::channel(ENDPOINT_QUEUE);
        self.lock_routes().insert(conn, tx);
        rx
    }

    /// Bridged connections open on this node (either end).
    pub fn open_connections(&self) -> usize {
        self.lock_routes().len()
    }

    pub fn unregister(&self, conn: &ConnId) {
        self.lock_routes().remove(conn);
    }

    /// Queues `msg` for `conn` on node `to`, in order after what was queued before; waits only
    /// when that node's writer is [`WRITER_QUEUE`] entries behind.
    pub async fn send(&self, to: &str, conn: ConnId, msg: BusMsg) {
        let writer = {
            let mut writers = self.writers.lock().unwrap_or_else(|p| p.into_inner());
            // Looked up before inserting: the common case allocates nothing.
            match writers.get(to) {
                Some(writer) => writer.clone(),
                None => {
                    let (tx, rx) = mpsc::channel(WRITER_QUEUE);
                    let me = self.weak.clone();
                    tokio::spawn(write_inbox(me, self.redis.clone(), keys::inbox(to), rx));
                    writers.insert(to.to_string(), tx.clone());
                    tx
                }
            }
        };
        let ok = writer.send((conn, msg)).await.is_ok();
        let counter = if ok { &self.sent } else { &self.failed };
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    fn lock_routes(&self) -> std::sync::MutexGuard<'_, HashMap<ConnId, mpsc::Sender<BusMsg>>> {
        self.routes.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Hands an entry to its connection; a connection too far behind is cut off (its receiver
    /// ends, and its side closes).
    fn deliver(&self, conn: ConnId, msg: BusMsg) {
        let mut routes = self.lock_routes();
        let Some(tx) = routes.get(&conn) else { return };
        if tx.try_send(msg).is_err() {
            tracing::warn!("a bridged connection fell {ENDPOINT_QUEUE} entries behind; closing it");
            routes.remove(&conn);
        }
    }
}

/// Pipelines queued entries into one inbox, oldest first.
async fn write_inbox(
    bus: std::sync::Weak<Bus>,
    mut redis: Redis,
    key: String,
    mut rx: mpsc::Receiver<(ConnId, BusMsg)>,
) {
    let mut batch = Vec::new();
    let mut expiry_renewed = None;
    while rx.recv_many(&mut batch, 512).await > 0 {
        let mut pipe = redis::pipe();
        // One entry per batch, cut at about a megabyte (a snapshot frame may be big).
        let mut entry = Vec::new();
        for (conn, msg) in &batch {
            push(&mut entry, conn, msg);
            if entry.len() >= ENTRY_BYTES {
                add_entry(&mut pipe, &key, std::mem::take(&mut entry));
            }
        }
        if !entry.is_empty() {
            add_entry(&mut pipe, &key, entry);
        }
        // The inbox's expiry only matters once its node is gone for good: renewed now and then,
        // not with every batch (at low rates a batch is one frame: this halved the commands).
        if expiry_renewed.is_none_or(|at: tokio::time::Instant| at.elapsed() > INBOX_TTL / 10) {
            pipe.cmd("PEXPIRE")
                .arg(&key)
                .arg(INBOX_TTL.as_millis() as u64)
                .ignore();
            expiry_renewed = Some(tokio::time::Instant::now());
        }
        let mut attempt = 0;
        // Retries ride out a reconnect or a cluster failover (a replica takes over within a few
        // seconds); meanwhile later entries wait behind these, so order holds.
        while let Err(e) = pipe.query_async::<()>(&mut redis).await {
            attempt += 1;
            if attempt == WRITE_ATTEMPTS {
                tracing::error!(error = %e, %key, "entries for another node lost; their connections reconnect");
                if let Some(bus) = bus.upgrade() {
                    // A connection that lost a frame cannot go on: cut it, and its client resumes
                    // and catches up from the owner's buffers (or starts from a fresh snapshot).
                    let cut: std::collections::HashSet<ConnId> =
                        batch.iter().map(|(c, _)| *c).collect();
                    cut.iter().for_each(|c| bus.unregister(c));
                }
                break;
            }
            tracing::warn!(error = %e, %key, attempt, "could not write to a node's inbox; retrying");
            tokio::time::sleep(WRITE_RETRY).await;
        }
        batch.clear();
    }
}

/// Adds one batch entry to `key` in `pipe`.
fn add_entry(pipe: &mut redis::Pipeline, key: &str, entry: Vec<u8>) {
    pipe.cmd("XADD")
        .arg(key)
        .arg("MAXLEN")
        .arg("~")
        .arg(INBOX_MAX_LEN)
        .arg("*")
        .arg("b")
        .arg(entry)
        .ignore();
}

/// Reads this node's inbox until the bus is dropped.
async fn read_inbox(bus: std::sync::Weak<Bus>, mut redis: Redis, opened: mpsc::Sender<Opened>) {
    let Some(key) = bus.upgrade().map(|b| keys::inbox(&b.me)) else {
        return;
    };
    let mut last = "0-0".to_string();
    let mut trimmed = tokio::time::Instant::now();
    // Trims go on the shared connection: this one stays on the blocking read.
    let trimmer = bus.upgrade().map(|b| b.redis.clone());
    let Some(trimmer) = trimmer else { return };
    let options = StreamReadOptions::default()
        .block(READ_BLOCK.as_millis() as usize)
        .count(1024);
    loop {
        let reply: StreamReadReply = match redis.xread_options(&[&key], &[&last], &options).await {
            Ok(reply) => reply,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read this node's inbox; retrying");
                tokio::time::sleep(Duration::from_millis(200)).await;
                if bus.strong_count() == 0 {
                    return;
                }
                continue;
            }
        };
        let Some(bus) = bus.upgrade() else { return };
        for entry in reply.keys.into_iter().flat_map(|k| k.ids) {
            last = entry.id.clone();
            let Some(items) = items(&entry.map) else {
                tracing::warn!(id = %entry.id, "a malformed inbox entry; skipped");
                continue;
            };
            for (conn, msg) in items {
                match msg {
                    BusMsg::Open {
                        from,
                        side,
                        client_ip,
                        user_agent,
                    } => {
                        let inbound = bus.register(conn);
                        let open = Opened {
                            conn,
                            from,
                            side,
                            client_ip,
                            user_agent,
                            inbound,
                        };
                        if opened.send(open).await.is_err() {
                            return;
                        }
                    }
                    other => bus.deliver(conn, other),
                }
            }
        }
        // Read entries are done with: keep the inbox small, now and then. Not after every
        // read: the trim's round trip would delay the next read (a frame's latency).
        if last != "0-0" && trimmed.elapsed() > TRIM_EVERY {
            trimmed = tokio::time::Instant::now();
            let trim = redis::cmd("XTRIM")
                .arg(&key)
                .arg("MINID")
                .arg(&last)
                .clone();
            let mut conn = trimmer.clone();
            tokio::spawn(async move {
                let _: redis::RedisResult<()> = trim.query_async(&mut conn).await;
            });
        }
    }
}
