//! The tasks behind the [`Bus`]: one writer per destination node, pipelining what is queued
//! into that node's inbox (retried through a failover, then the connections cut), and the
//! reader of this node's own inbox, handing entries to their connections and trimming what
//! it has read.

use std::time::Duration;

use redis::streams::{StreamReadOptions, StreamReadReply};
use redis::AsyncCommands;
use tokio::sync::mpsc;

use super::bus::{Bus, BusMsg, ConnId, Opened};
use super::bus_entry::{items, push};
use super::conn::Redis;
use super::keys;

/// Entries kept per inbox at most (trimmed approximately); a live reader empties its inbox
/// continuously, so this bounds only a dead node's.
const INBOX_MAX_LEN: usize = 10_000;
/// A batch entry is closed at about this size and the rest goes into the next.
const ENTRY_BYTES: usize = 1024 * 1024;
/// A dead node's inbox disappears this long after the last entry sent to it.
const INBOX_TTL: Duration = Duration::from_secs(300);
const READ_BLOCK: Duration = Duration::from_millis(500);
/// How often a node trims the entries it has read from its inbox.
const TRIM_EVERY: Duration = Duration::from_millis(500);
/// A failed inbox write is tried this many times, this long apart: 10 s, a cluster failover
/// and the client's refresh of its slots with room to spare.
const WRITE_ATTEMPTS: u32 = 40;
const WRITE_RETRY: Duration = Duration::from_millis(250);

/// Pipelines queued entries into one inbox, oldest first.
pub(super) async fn write_inbox(
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
pub(super) async fn read_inbox(
    bus: std::sync::Weak<Bus>,
    mut redis: Redis,
    opened: mpsc::Sender<Opened>,
) {
    let Some(key) = bus.upgrade().map(|b| keys::inbox(b.node())) else {
        return;
    };
    let mut last = "0-0".to_string();
    let mut trimmed = tokio::time::Instant::now();
    // Trims go on the shared connection: this one stays on the blocking read.
    let trimmer = bus.upgrade().map(|b| b.redis());
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
