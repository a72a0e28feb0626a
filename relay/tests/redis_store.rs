//! The relay on a real `redis-server` (`redis_url`): ended sessions' reports read back from
//! the report stream through a consumer group; a Redis outage that `/health` and `/metrics`
//! report while the store writes made meanwhile wait, then land; an unreachable Redis named
//! when the relay will not start.

mod common;

use std::time::Duration;

use common::*;
use redis::Commands;
use shared_protocol::{AgentMsg, CustomerMsg, EndReason, PageInfo, RelayMsg};
use test_servers::RedisServer;

const STREAM: &str = "cobrowse-reports";

async fn get(r: &Relay, path: &str, token: Option<&str>) -> (u16, String) {
    let mut req = reqwest::Client::new().get(r.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn health(r: &Relay) -> serde_json::Value {
    let (status, body) = get(r, "/health", None).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// Polls `ready` every 20 ms until it holds, or panics naming `what` after 30 s.
async fn eventually<F: std::future::Future<Output = bool>>(
    what: &str,
    mut ready: impl FnMut() -> F,
) {
    let start = std::time::Instant::now();
    while !ready().await {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{what}: not after 30 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The value of the unlabelled metric `name`.
async fn metric(r: &Relay, name: &str) -> u64 {
    let (status, text) = get(r, "/metrics", Some(METRICS)).await;
    assert_eq!(status, 200, "{text}");
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("{name} in {text}"))
}

fn unix_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn redis_conn(server: &RedisServer) -> redis::Connection {
    redis::Client::open(server.url())
        .unwrap()
        .get_connection()
        .unwrap()
}

/// A session on node `r` (with Redis: the node names itself after Created and Joined) that
/// the agent with `token` joined.
async fn joined_on(r: &Relay, token: &str) -> (Ws, Ws, u32) {
    let (mut c, routing) = waiting_session(r).await;
    assert!(matches!(msg(&mut c).await, RelayMsg::Node(_)));
    let mut a = agent(r).await;
    join_request(&mut a, token, routing).await;
    assert!(matches!(msg(&mut a).await, RelayMsg::Joined { .. }));
    assert!(matches!(msg(&mut a).await, RelayMsg::Node(_)));
    assert_eq!(msg(&mut c).await, RelayMsg::AgentJoined);
    (c, a, routing)
}

/// The report in a stream entry.
fn report_of(entry: &redis::streams::StreamId) -> serde_json::Value {
    serde_json::from_str(&entry.get::<String>("report").unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn ended_sessions_reports_are_read_from_the_stream_by_a_consumer_group() {
    let server = RedisServer::start();
    let r = relay_configured(|c| {
        c.redis_url = vec![server.url()];
        c.report_stream = Some(STREAM.into());
    })
    .await;
    let (mut c, _a, first) = joined_on(&r, TOKEN).await;
    send(&mut c, 0, CustomerMsg::Exit).await;
    let (_c, mut a, second) = joined_on(&r, SUPERVISOR).await;
    send(&mut a, 0, AgentMsg::Exit).await;

    let mut redis = redis_conn(&server);
    eventually("both reports in the stream", || {
        let len: usize = redis.xlen(STREAM).unwrap();
        async move { len == 2 }
    })
    .await;
    let _: () = redis::cmd("XGROUP")
        .arg(&["CREATE", STREAM, "analytics", "0"][..])
        .query(&mut redis)
        .unwrap();
    let read: redis::streams::StreamReadReply = redis
        .xread_options(
            &[STREAM],
            &[">"],
            &redis::streams::StreamReadOptions::default()
                .group("analytics", "consumer-1")
                .count(10),
        )
        .unwrap();
    let entries = &read.keys[0].ids;
    let seen: Vec<(String, String, String)> = entries
        .iter()
        .map(|e| {
            let report = report_of(e);
            assert_eq!(
                e.get::<String>("session").unwrap(),
                report["sessionId"].as_str().unwrap()
            );
            let field = |k: &str| report[k].as_str().unwrap().to_string();
            (field("token"), field("endReason"), field("agentId"))
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                format!("{first:05}"),
                "customer_exit".into(),
                "agent-1".into()
            ),
            (
                format!("{second:05}"),
                "agent_exit".into(),
                "supervisor-1".into()
            ),
        ],
        "one entry per session, in the order they ended"
    );
    let ids: Vec<&String> = entries.iter().map(|e| &e.id).collect();
    let acked: usize = redis.xack(STREAM, "analytics", &ids).unwrap();
    assert_eq!(acked, 2);
    let pending: redis::streams::StreamPendingReply = redis.xpending(STREAM, "analytics").unwrap();
    assert_eq!(pending.count(), 0, "acknowledged");
    r.shut_down().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn while_redis_is_down_the_node_is_degraded_and_its_writes_wait_then_land() {
    // A Redis that keeps what it acknowledged: the session's record is there after the restart.
    let mut server = RedisServer::start_persistent();
    let r = relay_configured(|c| c.redis_url = vec![server.url()]).await;
    let (mut c, mut a, routing) = joined_on(&r, TOKEN).await;
    assert_eq!(health(&r).await["status"], "ok");

    server.kill();
    // The session goes on meanwhile: a page visit, then its end, queue behind each other.
    let visit = PageInfo {
        url: "http://shop.test/cart".into(),
        title: "Cart".into(),
    };
    send(&mut c, 0, CustomerMsg::PageVisit(visit)).await;
    send(&mut c, 0, CustomerMsg::Exit).await;
    // The agent hears of the end: it happened (and its write queued) before Redis is back.
    let ended = RelayMsg::Ended {
        reason: EndReason::CustomerExit,
    };
    while msg(&mut a).await != ended {}
    eventually("health to say degraded", || async {
        health(&r).await["status"] == "degraded"
    })
    .await;
    eventually("both writes to wait", || async {
        metric(&r, "cobrowse_store_failing").await == 1
            && metric(&r, "cobrowse_store_writes_waiting").await >= 2
    })
    .await;
    let reason = health(&r).await["reason"].as_str().unwrap().to_string();
    assert!(reason.contains("store unreachable"), "{reason}");
    assert!(
        !reason.contains(&server.port.to_string()),
        "no address: {reason}"
    );
    let (status, body) = get(&r, "/health/ready", None).await;
    assert_eq!(status, 503, "not ready for new traffic: {body}");
    assert!(body.contains("store unreachable"), "{body}");
    // Reading the history needs Redis: 503, try again later.
    let (status, body) = get(&r, "/api/v1/history", Some(SUPERVISOR)).await;
    assert_eq!(status, 503, "{body}");

    let restarted_at = unix_millis();
    server.restart();
    eventually("health to be ok again", || async {
        let (_, ready) = get(&r, "/health/ready", None).await;
        health(&r).await["status"] == "ok" && !ready.contains("store")
    })
    .await;
    assert!(health(&r).await.get("reason").is_none());
    assert_eq!(metric(&r, "cobrowse_store_failing").await, 0);
    assert_eq!(metric(&r, "cobrowse_store_writes_waiting").await, 0);
    assert!(metric(&r, "cobrowse_store_write_retries_total").await > 0);
    let (status, history) = get(&r, "/api/v1/history", Some(SUPERVISOR)).await;
    assert_eq!(status, 200, "{history}");
    let history: serde_json::Value = serde_json::from_str(&history).unwrap();
    let sessions = history.as_array().expect("a list of sessions");
    assert_eq!(sessions.len(), 1, "{history}");
    assert_eq!(sessions[0]["token"], format!("{routing:05}"));
    assert_eq!(sessions[0]["endReason"], "customer_exit");
    assert!(
        sessions[0]["endTime"].as_i64().unwrap() < restarted_at,
        "the end keeps its time, not the time it could be stored"
    );
    let pages: Vec<&str> = sessions[0]["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["url"].as_str().unwrap())
        .collect();
    assert_eq!(pages, ["http://shop.test/", "http://shop.test/cart"]);
    r.shut_down().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relay_whose_redis_is_unreachable_does_not_start_and_names_it() {
    let url = format!("redis://127.0.0.1:{}", test_servers::free_port_with(0));
    let r = relay_configured(|c| c.redis_url = vec![url.clone()]).await;
    let err = tokio::time::timeout(Duration::from_secs(10), r.task)
        .await
        .expect("run returns at once")
        .unwrap()
        .expect_err("no store, no relay");
    assert!(err.to_string().contains(&url), "{err}");
}
