//! The relay on a real `redis-server` (`redis_url`): ended sessions' reports read back from
//! the report stream through a consumer group, and a Redis outage that `/health` and
//! `/metrics` report while the store writes made meanwhile wait, then land.

mod common;

use std::time::Duration;

use common::*;
use redis::Commands;
use shared_protocol::CustomerMsg;
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

fn redis_conn(server: &RedisServer) -> redis::Connection {
    redis::Client::open(server.url())
        .unwrap()
        .get_connection()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ended_sessions_report_is_read_from_the_stream_by_a_consumer_group() {
    let server = RedisServer::start();
    let r = relay_configured(|c| {
        c.redis_url = vec![server.url()];
        c.report_stream = Some(STREAM.into());
    })
    .await;
    let (mut c, _a, routing) = joined(&r).await;
    send(&mut c, 0, CustomerMsg::Exit).await;

    let mut redis = redis_conn(&server);
    eventually("the report in the stream", || {
        let len: usize = redis.xlen(STREAM).unwrap();
        async move { len > 0 }
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
    assert_eq!(entries.len(), 1, "one entry per session");
    let entry = &entries[0];
    let report: serde_json::Value =
        serde_json::from_str(&entry.get::<String>("report").unwrap()).unwrap();
    assert_eq!(report["token"], format!("{routing:05}"));
    assert_eq!(report["endReason"], "customer_exit");
    assert_eq!(report["agentId"], "agent-1");
    assert_eq!(
        entry.get::<String>("session").unwrap(),
        report["sessionId"].as_str().unwrap()
    );
    let acked: usize = redis.xack(STREAM, "analytics", &[&entry.id]).unwrap();
    assert_eq!(acked, 1);
    let pending: redis::streams::StreamPendingReply = redis.xpending(STREAM, "analytics").unwrap();
    assert_eq!(pending.count(), 0, "acknowledged");

    // A session still live when the relay stops is ended then: its report goes out before
    // `run` returns, and the first session's is not added again.
    let (_c2, second) = waiting_session(&r).await;
    r.shut_down().await;
    let all: redis::streams::StreamRangeReply = redis.xrange_all(STREAM).unwrap();
    let tokens: Vec<String> = all
        .ids
        .iter()
        .map(|e| {
            let report: serde_json::Value =
                serde_json::from_str(&e.get::<String>("report").unwrap()).unwrap();
            report["token"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(tokens, [format!("{routing:05}"), format!("{second:05}")]);
}

#[tokio::test(flavor = "multi_thread")]
async fn while_redis_is_down_the_node_is_degraded_and_its_writes_wait_then_land() {
    let mut server = RedisServer::start();
    let r = relay_configured(|c| c.redis_url = vec![server.url()]).await;
    assert_eq!(health(&r).await["status"], "ok");

    server.kill();
    let (mut c, routing) = waiting_session(&r).await;
    eventually("health to say degraded", || async {
        health(&r).await["status"] == "degraded"
    })
    .await;
    let h = health(&r).await;
    let reason = h["reason"].as_str().unwrap();
    assert!(reason.contains(&server.url()), "{reason}");
    assert_eq!(metric(&r, "cobrowse_store_failing").await, 1);
    // The session's creation waits (and the first retention sweep, if it came after the kill).
    let waiting = metric(&r, "cobrowse_store_writes_waiting").await;
    assert!(waiting >= 1);
    // The session goes on meanwhile; its end queues behind its creation.
    send(&mut c, 0, CustomerMsg::Exit).await;
    eventually("the end to queue", || async {
        metric(&r, "cobrowse_store_writes_waiting").await == waiting + 1
    })
    .await;

    server.restart();
    eventually("health to be ok again", || async {
        health(&r).await["status"] == "ok"
    })
    .await;
    assert!(health(&r).await.get("reason").is_none());
    let (_, metrics) = get(&r, "/metrics", Some(METRICS)).await;
    assert!(metrics.contains("cobrowse_store_failing 0"), "{metrics}");
    assert!(
        metrics.contains("cobrowse_store_writes_waiting 0"),
        "{metrics}"
    );
    let (status, history) = get(&r, "/api/v1/history", Some(SUPERVISOR)).await;
    assert_eq!(status, 200, "{history}");
    let history: serde_json::Value = serde_json::from_str(&history).unwrap();
    let sessions = history.as_array().expect("a list of sessions");
    assert_eq!(sessions.len(), 1, "{history}");
    assert_eq!(sessions[0]["token"], format!("{routing:05}"));
    assert_eq!(sessions[0]["endReason"], "customer_exit");
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
