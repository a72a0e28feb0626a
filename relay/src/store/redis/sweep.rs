//! Retention for the Redis store, with the same results as SQLite's sweep. Every node sweeps,
//! possibly at the same moment: each session is closed, pruned or deleted by a script that
//! runs whole on its slot, and counted only by the call that changed it, so nothing is counted
//! or closed twice. The indexes only say where to look; entries whose records are gone
//! (expired, or swept by another node) are dropped on the way.

use std::collections::BTreeMap;

use redis::Commands;
use shared_protocol::EndReason;
use uuid::Uuid;

use super::{keys, RedisStore, BATCH};
use crate::store::{Millis, Retention, StoreError, Swept};

pub(super) fn sweep(
    store: &RedisStore,
    now: Millis,
    retention: &Retention,
) -> Result<Swept, StoreError> {
    // In this order, as SQLite does: sessions closed now keep their history.
    Ok(Swept {
        closed: close_stale(store, now, now - retention.live_sessions)?,
        page_visits: prune_pages(store, now - retention.page_visits)?,
        sessions: delete_ended(store, now - retention.history)?,
    })
}

/// Sessions created before `stale` that never ended (their relay stopped abruptly): ended at
/// `now` as [`EndReason::Shutdown`].
fn close_stale(store: &RedisStore, now: Millis, stale: Millis) -> Result<usize, StoreError> {
    let open = store.keys.open();
    let mut closed = 0;
    each_below(store, &open, stale, |ids| {
        let mut kept = 0;
        for member in ids {
            let Ok(id) = Uuid::parse_str(member) else {
                forget(store, &[&open], member)?;
                continue;
            };
            let (found, closed_now, ended_at) =
                store.end(id, now, EndReason::Shutdown.as_str(), Some(stale))?;
            closed += usize::from(closed_now);
            if !found {
                forget(store, &[&open, &store.keys.by_created()], member)?;
            } else if ended_at.is_some() {
                store.index_ended(id, ended_at)?;
            } else {
                kept += 1;
            }
        }
        Ok(kept)
    })?;
    Ok(closed)
}

/// Page visits that started before `cutoff`.
fn prune_pages(store: &RedisStore, cutoff: Millis) -> Result<usize, StoreError> {
    let index = store.keys.page_visits();
    let mut pruned = 0;
    each_below(store, &index, cutoff, |members| {
        let mut by_session: BTreeMap<Uuid, Vec<&String>> = BTreeMap::new();
        for member in members {
            match keys::page_member_session(member) {
                Some(id) => by_session.entry(id).or_default().push(member),
                None => forget(store, &[&index], member)?,
            }
        }
        for (id, members) in by_session {
            let list = store.keys.session(id).pages;
            let removed: usize = store
                .conn
                .run(|c| store.scripts.prune_pages.key(&list).arg(cutoff).invoke(c))?;
            pruned += removed;
            store.conn.run(|c| c.zrem::<_, _, ()>(&index, &members))?;
        }
        Ok(0)
    })?;
    Ok(pruned)
}

/// Sessions that ended before `cutoff`, with their page visits and segments.
fn delete_ended(store: &RedisStore, cutoff: Millis) -> Result<usize, StoreError> {
    let ended = store.keys.ended();
    let mut deleted = 0;
    each_below(store, &ended, cutoff, |ids| {
        let mut kept = 0;
        for member in ids {
            let Ok(id) = Uuid::parse_str(member) else {
                forget(store, &[&ended], member)?;
                continue;
            };
            let keys = store.keys.session(id);
            let (outcome, agent): (i64, String) = store.conn.run(|c| {
                store
                    .scripts
                    .delete_ended
                    .key(&keys.record)
                    .key(&keys.pages)
                    .key(&keys.segments)
                    .arg(cutoff)
                    .invoke(c)
            })?;
            match outcome {
                0 => kept += 1,
                _ => {
                    deleted += usize::from(outcome == 1);
                    let by_agent = (!agent.is_empty()).then(|| store.keys.by_agent(&agent));
                    let mut indexes = vec![ended.clone(), store.keys.by_created()];
                    indexes.extend(by_agent);
                    let indexes: Vec<&String> = indexes.iter().collect();
                    forget(store, &indexes, member)?;
                }
            }
        }
        Ok(kept)
    })?;
    Ok(deleted)
}

/// Takes `member` out of each of `indexes`.
fn forget(store: &RedisStore, indexes: &[&String], member: &str) -> Result<(), StoreError> {
    store.conn.run(|c| {
        for index in indexes {
            c.zrem::<_, _, ()>(*index, member)?;
        }
        Ok(())
    })
}

/// Calls `each` with batches of the members of `index` scoring below `below`, lowest first;
/// `each` says how many of its batch stayed in the index, so the next batch skips them.
fn each_below(
    store: &RedisStore,
    index: &str,
    below: Millis,
    mut each: impl FnMut(&[String]) -> Result<usize, StoreError>,
) -> Result<(), StoreError> {
    let below = format!("({below}");
    let mut offset: isize = 0;
    loop {
        let batch: Vec<String> = store
            .conn
            .run(|c| c.zrangebyscore_limit(index, "-inf", &below, offset, BATCH))?;
        offset += each(&batch)? as isize;
        if (batch.len() as isize) < BATCH {
            return Ok(());
        }
    }
}
