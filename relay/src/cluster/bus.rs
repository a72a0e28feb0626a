//! Frames between nodes. Each node reads one Redis Stream, its inbox, and writes into the
//! inboxes of the nodes it talks to. A stream keeps order, keeps entries while a reader
//! reconnects (pub/sub would lose them), and lives on one shard of a cluster. Entries are
//! addressed to a connection: the node with the client's socket (`Open`, then `Frame`s and a
//! `Close`) and the owner that runs the session for it (`Frame`s and a `Close` back). Nothing
//! here opens a sealed frame: payloads are the client's bytes, passed on as they are.
//!
//! Each destination has one writer task that pipelines what is queued (one round trip for a
//! burst), so a connection's entries arrive in the order they were sent. Those tasks, the
//! writers and the reader of this node's inbox, are in `bus_inbox`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use redis::AsyncCommands;
use tokio::sync::mpsc;

use super::bus_inbox::{read_inbox, write_inbox};
use super::conn::Redis;
use super::keys;
use crate::sessions::Side;

/// A bridged connection, unique across the cluster.
pub type ConnId = [u8; 16];

/// Entries queued per destination before senders wait, and per bridged connection before it
/// counts as stuck and is closed (its client resumes and catches up from the owner's ring).
const WRITER_QUEUE: usize = 4096;
pub const ENDPOINT_QUEUE: usize = 1024;
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

    /// The shared Redis connection (the blocking inbox read has its own).
    pub(super) fn redis(&self) -> Redis {
        self.redis.clone()
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
    pub(super) fn deliver(&self, conn: ConnId, msg: BusMsg) {
        let mut routes = self.lock_routes();
        let Some(tx) = routes.get(&conn) else { return };
        if tx.try_send(msg).is_err() {
            tracing::warn!("a bridged connection fell {ENDPOINT_QUEUE} entries behind; closing it");
            routes.remove(&conn);
        }
    }
}
