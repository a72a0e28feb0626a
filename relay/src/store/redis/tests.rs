//! The Redis store against real `redis-server`s: one server and a 3-master Redis Cluster,
//! started once for this test binary. Each test works in a namespace of its own.

use std::sync::{Arc, Barrier, OnceLock};

use test_servers::{RedisCluster, RedisServer};

use super::*;

pub(crate) fn server() -> &'static RedisServer {
    static SERVER: OnceLock<RedisServer> = OnceLock::new();
    SERVER.get_or_init(RedisServer::start)
}

/// Shared by the lib's tests that need a cluster (it takes seconds to start).
pub(crate) fn cluster() -> &'static RedisCluster {
    static CLUSTER: OnceLock<RedisCluster> = OnceLock::new();
    CLUSTER.get_or_init(|| RedisCluster::start(3))
}

/// The retention the relay has by default: expiries far beyond any test.
fn retention() -> Retention {
    crate::config::Config::default().retention
}

fn store_on(urls: &[String]) -> RedisStore {
    RedisStore::connect_in(urls, retention(), &format!("t-{}", Uuid::new_v4().simple())).unwrap()
}

fn record(created_at: Millis) -> SessionRecord {
    SessionRecord {
        id: Uuid::new_v4(),
        routing: 7,
        created_at,
        user_agent: "UA".into(),
        first_url: "http://shop.test/".into(),
        agent_id: None,
        joined_at: None,
        ended_at: None,
        end_reason: None,
        first_session: false,
    }
}

#[test]
fn a_single_server_passes_the_conformance_suite() {
    crate::store::conformance(&store_on(&[server().url()]));
}

#[test]
fn a_redis_cluster_passes_the_conformance_suite() {
    crate::store::conformance(&store_on(&cluster().urls()));
}

#[test]
fn a_sessions_keys_share_a_slot_and_expire() {
    let store = store_on(&cluster().urls());
    let r = record(1_000);
    store.create(&r).unwrap();
    store
        .add_page(r.id, "http://shop.test/a", "A", 1_000)
        .unwrap();
    store.start_segment(r.id, "POINTER", 1_000).unwrap();
    let keys = store.keys.session(r.id);
    let node = &cluster().nodes[cluster().masters()[0]];
    let slots: Vec<String> = [&keys.record, &keys.pages, &keys.segments]
        .iter()
        .map(|k| node.cli(&["CLUSTER", "KEYSLOT", k]).unwrap())
        .collect();
    assert!(slots.iter().all(|s| *s == slots[0]), "{slots:?}");
    let ttl = |key: &str| -> i64 { store.conn.run(|c| c.pttl(key)).unwrap() };
    let day = 24 * 3_600_000;
    assert!(ttl(&keys.record) > 90 * day, "history retention and more");
    assert!(ttl(&keys.pages) > 30 * day && ttl(&keys.pages) < 31 * day);
    assert_eq!(ttl(&keys.segments) / 1000, ttl(&keys.record) / 1000);
    store.mark_ended(r.id, 2_000, EndReason::AgentExit).unwrap();
    assert!(
        ttl(&keys.record) < 91 * day,
        "once ended: the history retention (and the grace)"
    );
}

#[test]
fn writes_sent_twice_land_once() {
    let store = store_on(&[server().url()]);
    let r = record(1_000);
    store.create(&r).unwrap();
    store.create(&r).unwrap();
    assert_eq!(store.add_page(r.id, "http://a/", "A", 1_000).unwrap(), 0);
    assert_eq!(store.add_page(r.id, "http://a/", "A", 1_000).unwrap(), 0);
    assert_eq!(store.start_segment(r.id, "POINTER", 1_500).unwrap(), 0);
    assert_eq!(store.start_segment(r.id, "POINTER", 1_500).unwrap(), 0);
    store.mark_joined(r.id, "agent-1", 1_500).unwrap();
    store.mark_joined(r.id, "agent-1", 1_500).unwrap();
    assert_eq!(store.pages(r.id).unwrap().len(), 1);
    assert_eq!(store.segments(r.id).unwrap().len(), 1);
    assert_eq!(store.recent(10).unwrap().len(), 1);
    assert_eq!(
        store.history(0, 2_000, 10, Some("agent-1")).unwrap().len(),
        1
    );
}

#[test]
fn a_rejoin_by_another_agent_moves_the_session_between_agents() {
    let store = store_on(&[server().url()]);
    let r = record(1_000);
    store.create(&r).unwrap();
    store.mark_joined(r.id, "agent-1", 1_100).unwrap();
    store.mark_joined(r.id, "agent-2", 1_200).unwrap();
    assert!(store
        .history(0, 2_000, 10, Some("agent-1"))
        .unwrap()
        .is_empty());
    assert_eq!(
        store.history(0, 2_000, 10, Some("agent-2")).unwrap()[0].id,
        r.id
    );
}

#[test]
fn nodes_sweeping_at_once_close_and_count_each_record_once() {
    let urls = vec![server().url()];
    let namespace = format!("t-{}", Uuid::new_v4().simple());
    let nodes: Vec<Arc<RedisStore>> = (0..4)
        .map(|_| Arc::new(RedisStore::connect_in(&urls, retention(), &namespace).unwrap()))
        .collect();
    let sessions = 300;
    for i in 0..sessions {
        let r = record(1_000 + i);
        nodes[0].create(&r).unwrap();
        nodes[0]
            .add_page(r.id, "http://a/", "A", 1_000 + i)
            .unwrap();
        if i % 2 == 0 {
            nodes[0]
                .mark_ended(r.id, 2_000, EndReason::AgentExit)
                .unwrap();
        }
    }
    let sweep_all_at_once = |now: Millis, retention: Retention| -> Swept {
        let start = Arc::new(Barrier::new(nodes.len()));
        let threads: Vec<_> = nodes
            .iter()
            .map(|n| {
                let (n, start) = (n.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    n.sweep(now, &retention).unwrap()
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|t| t.join().unwrap())
            .fold(Swept::default(), |a, b| Swept {
                sessions: a.sessions + b.sessions,
                page_visits: a.page_visits + b.page_visits,
                closed: a.closed + b.closed,
            })
    };
    let retention = Retention {
        history: 10_000,
        page_visits: 5_000,
        live_sessions: 3_000,
    };
    let first = sweep_all_at_once(10_000, retention);
    assert_eq!(
        first,
        Swept {
            sessions: 0,
            page_visits: sessions as usize,
            closed: sessions as usize / 2
        }
    );
    let second = sweep_all_at_once(30_000, retention);
    assert_eq!(second.sessions, sessions as usize);
    assert!(nodes[1].recent(10).unwrap().is_empty());
}

#[test]
fn a_redis_nobody_listens_on_is_a_clear_error() {
    let url = format!("redis://127.0.0.1:{}", test_servers::free_port_with(0));
    let err = RedisStore::connect(std::slice::from_ref(&url), retention())
        .err()
        .expect("nothing listens there");
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert!(err.to_string().contains(&url), "{err}");
    let err = RedisStore::connect(&["redis://127.0.0.1:notaport".into()], retention())
        .err()
        .expect("not a URL");
    assert!(err.to_string().contains("redis_url"), "{err}");
    // A password never reaches a message (they are logged).
    let port = test_servers::free_port_with(0);
    let err = RedisStore::connect(&[format!("redis://:s3cret@127.0.0.1:{port}")], retention())
        .err()
        .expect("nothing listens there");
    let text = err.to_string();
    assert!(!text.contains("s3cret"), "{text}");
    assert!(text.contains(&format!(":***@127.0.0.1:{port}")), "{text}");
}

#[test]
fn the_store_reconnects_after_redis_comes_back() {
    let mut redis = RedisServer::start();
    let store = store_on(&[redis.url()]);
    let before = record(1_000);
    store.create(&before).unwrap();
    redis.kill();
    let during = record(2_000);
    let err = store.create(&during).unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    redis.restart();
    store.create(&during).unwrap();
    assert_eq!(store.get(during.id).unwrap().unwrap(), during);
    assert!(
        store.get(before.id).unwrap().is_none(),
        "a Redis without persistence came back empty"
    );
    // Restarted between two calls: the next call finds its connection broken, and opens
    // another without failing.
    redis.kill();
    redis.restart();
    assert!(store.get(during.id).unwrap().is_none(), "empty again");
}
