//! The store writer on real stores: SQLite for order, shedding and refused writes; a real
//! `redis-server` killed and started again for an outage.

use std::time::Duration;

use shared_protocol::EndReason;
use test_servers::{wait_until, RedisServer};
use uuid::Uuid;

use super::*;
use crate::store::{RedisStore, SessionRecord, SqliteStore};

/// A session record numbered `i`.
fn record(id: Uuid, i: usize) -> SessionRecord {
    SessionRecord {
        id,
        routing: i as u32,
        created_at: i as i64,
        user_agent: String::new(),
        first_url: String::new(),
        agent_id: None,
        joined_at: None,
        ended_at: None,
        end_reason: None,
        first_session: true,
    }
}

/// Queues the create, join and end of session `id`, in that order.
fn create_join_end(writer: &StoreWriter, id: Uuid, i: usize) {
    let span = tracing::Span::none();
    let record = record(id, i);
    writer.write(&span, "create", move |s| s.create(&record));
    writer.write(&span, "join", move |s| s.mark_joined(id, "a", 1));
    writer.write(&span, "end", move |s| {
        s.mark_ended(id, 2, EndReason::AgentExit)
    });
}

#[test]
fn writes_apply_in_order_and_finish_drains_them() {
    let store: Arc<dyn SessionStore> = Arc::new(SqliteStore::in_memory().unwrap());
    let writer = StoreWriter::start(store.clone(), 1000, Arc::default());
    let ids: Vec<Uuid> = (0..200).map(|_| Uuid::new_v4()).collect();
    for (i, id) in ids.iter().copied().enumerate() {
        create_join_end(&writer, id, i);
    }
    writer.finish();
    for id in ids {
        let r = store
            .get(id)
            .unwrap()
            .expect("created before joined and ended");
        assert_eq!(r.end_reason.as_deref(), Some("agent_exit"));
    }
    assert_eq!(writer.status().waiting(), 0);
}

#[test]
fn a_full_queue_sheds_and_counts_and_keeps_what_it_took() {
    let store: Arc<dyn SessionStore> = Arc::new(SqliteStore::in_memory().unwrap());
    let writer = StoreWriter::start(store.clone(), 3, Arc::default());
    let span = tracing::Span::none();
    // The first write holds the thread until released, so the queue fills behind it.
    let (started_tx, started) = mpsc::channel();
    let (release, released) = mpsc::channel::<()>();
    writer.write(&span, "hold", move |_| {
        started_tx.send(()).unwrap();
        released.recv().unwrap();
        Ok(())
    });
    started.recv().unwrap();
    let ids: Vec<Uuid> = (0..5).map(|_| Uuid::new_v4()).collect();
    for (i, id) in ids.iter().copied().enumerate() {
        let record = record(id, i);
        writer.write(&span, "create", move |s| s.create(&record));
    }
    assert_eq!(writer.status().shed(), 2, "3 wait, 2 are shed");
    assert_eq!(
        writer.status().waiting(),
        4,
        "the one held and the 3 queued"
    );
    release.send(()).unwrap();
    writer.finish();
    let stored: Vec<bool> = ids
        .iter()
        .map(|id| store.get(*id).unwrap().is_some())
        .collect();
    assert_eq!(stored, [true, true, true, false, false]);
}

#[test]
fn a_refused_write_is_logged_and_the_queue_goes_on() {
    let store: Arc<dyn SessionStore> = Arc::new(SqliteStore::in_memory().unwrap());
    let writer = StoreWriter::start(store.clone(), 10, Arc::default());
    let span = tracing::Span::none();
    let unknown = Uuid::new_v4();
    writer.write(&span, "join", move |s| s.mark_joined(unknown, "a", 1));
    let id = Uuid::new_v4();
    create_join_end(&writer, id, 1);
    writer.finish();
    assert!(store.get(id).unwrap().is_some(), "not held up by NotFound");
    assert_eq!(writer.status().retries(), 0, "NotFound is not retried");
    assert_eq!(writer.status().failing(), None);
}

#[test]
fn writes_made_while_redis_is_down_land_once_it_is_back_in_order() {
    let mut redis = RedisServer::start();
    let retention = crate::config::Config::default().retention;
    let store: Arc<dyn SessionStore> =
        Arc::new(RedisStore::connect(&[redis.url()], retention).unwrap());
    let writer = StoreWriter::start(store.clone(), 1000, Arc::default());
    let status = writer.status().clone();
    let before = Uuid::new_v4();
    create_join_end(&writer, before, 0);
    wait_until("the first writes", Duration::from_secs(10), || {
        status.waiting() == 0
    });
    assert_eq!(status.failing(), None);

    redis.kill();
    let during: Vec<Uuid> = (0..50).map(|_| Uuid::new_v4()).collect();
    for (i, id) in during.iter().copied().enumerate() {
        create_join_end(&writer, id, i + 1);
    }
    wait_until(
        "the writer to see Redis down",
        Duration::from_secs(10),
        || status.failing().is_some() && status.retries() > 0,
    );
    let reason = status.failing().unwrap();
    assert!(reason.contains(&redis.url()), "{reason}");
    assert_eq!(status.waiting(), 150, "every write waits, none is lost");

    redis.restart();
    wait_until("the queued writes to land", Duration::from_secs(30), || {
        status.waiting() == 0
    });
    assert_eq!(status.failing(), None, "recovered");
    for id in &during {
        let r = store.get(*id).unwrap().expect("stored after the outage");
        assert_eq!(
            (r.agent_id.as_deref(), r.end_reason.as_deref()),
            (Some("a"), Some("agent_exit")),
            "joined and ended after it was created"
        );
    }
    assert_eq!(status.shed(), 0);
    writer.finish();
}

#[test]
fn finish_gives_up_on_a_store_that_stays_down() {
    let mut redis = RedisServer::start();
    let retention = crate::config::Config::default().retention;
    let store: Arc<dyn SessionStore> =
        Arc::new(RedisStore::connect(&[redis.url()], retention).unwrap());
    let writer = StoreWriter::start(store, 1000, Arc::default());
    redis.kill();
    create_join_end(&writer, Uuid::new_v4(), 0);
    wait_until(
        "the writer to see Redis down",
        Duration::from_secs(10),
        || writer.status().failing().is_some(),
    );
    writer.finish_within(Duration::from_millis(200));
    assert_eq!(writer.status().waiting(), 0, "dropped, and finish returned");
}

#[test]
fn writes_made_while_a_redis_master_fails_over_land_on_its_replica() {
    let mut cluster = test_servers::RedisCluster::start(3);
    let retention = crate::config::Config::default().retention;
    let store: Arc<dyn SessionStore> =
        Arc::new(RedisStore::connect(&cluster.urls(), retention).unwrap());
    let writer = StoreWriter::start(store.clone(), 1000, Arc::default());
    let status = writer.status().clone();
    let first = Uuid::new_v4();
    create_join_end(&writer, first, 0);
    wait_until("the first writes", Duration::from_secs(10), || {
        status.waiting() == 0
    });
    cluster.kill_master_of(&format!("cb:session:{{{first}}}"));
    // Sessions all over the slots, some on the master just killed.
    let during: Vec<Uuid> = (0..30).map(|_| Uuid::new_v4()).collect();
    for (i, id) in during.iter().copied().enumerate() {
        create_join_end(&writer, id, i + 1);
    }
    cluster.wait_healthy();
    wait_until("the queued writes to land", Duration::from_secs(30), || {
        status.waiting() == 0
    });
    assert_eq!(status.failing(), None);
    // (`first` may be lost: replication is asynchronous, a master can die before its replica
    // has the last writes.)
    for id in &during {
        let r = store.get(*id).unwrap().expect("stored");
        assert_eq!(r.end_reason.as_deref(), Some("agent_exit"));
    }
    writer.finish();
}
