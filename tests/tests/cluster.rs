//! Two relay nodes (real processes) sharing a Redis Cluster (3 masters, 3 replicas), behind
//! Debian's nginx with the shipped configuration, a customer and an agent in headless
//! Chromium: one session lives through a node killed (`SIGKILL`), a node drained (`SIGTERM`,
//! a rolling restart), a Redis master killed, and Redis wiped; the history shows it once.
//! Everything is slow to start, so it is one test that goes through the failures in turn.

use std::time::Duration;

use cobrowse_e2e::cluster::Cluster;
use cobrowse_e2e::interrupted::*;
use cobrowse_e2e::*;
use test_servers::nginx_sample::NODES;
use test_servers::RedisCluster;
use thirtyfour::prelude::*;

/// The node (index into `NODES`) that owns the session with routing code `routing` now.
fn owner(redis: &RedisCluster, routing: &str) -> usize {
    let owner = redis
        .cli(&[
            "HGET",
            &format!("cb:live:{{{}}}", routing.parse::<u32>().unwrap()),
            "owner",
        ])
        .expect("the session's record");
    NODES
        .iter()
        .position(|n| owner.starts_with(&format!("{n}/")))
        .unwrap_or_else(|| panic!("an owner among the nodes: {owner:?}"))
}

async fn record_back(redis: &RedisCluster, routing: &str) -> TestResult {
    let key = format!("cb:live:{{{}}}", routing.parse::<u32>().unwrap());
    eventually("the nodes to write their records again", START, || async {
        redis.cli(&["EXISTS", &key]).filter(|n| n == "1")
    })
    .await
    .map(|_| ())
}

async fn flow(
    cluster: &mut Cluster,
    redis: &mut RedisCluster,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    let code = customer_starts_at(&cluster.demo_url(), customer, "/").await?;
    let digits: String = code.chars().filter(char::is_ascii_digit).collect();
    let routing = digits[..5].to_string();
    agent_joins_at(&cluster.agent_url(), agent, &code).await?;
    eventually("the agent to see the page", START, || async {
        agent_status(agent).await.contains("viewing").then_some(())
    })
    .await?;
    js(customer, CUSTOMER_RECORDER).await;
    js(agent, AGENT_RECORDER).await;
    still_co_browsing(customer, agent, "through nginx").await?;

    // 1. The node that runs the session is killed: both sides say so, reconnect through
    //    nginx to the other node, which takes the session over.
    let first = owner(redis, &routing);
    cluster.nodes[first].as_mut().unwrap().kill();
    still_co_browsing(customer, agent, "after a node was killed").await?;
    for (side, driver) in [("customer", customer), ("agent", agent)] {
        let lines = said(driver).await;
        assert!(
            lines.iter().any(|l| l.contains("Reconnecting")),
            "the {side} was told the connection dropped: {lines:?}"
        );
    }
    assert_ne!(
        owner(redis, &routing),
        first,
        "the other node took the session over"
    );
    cluster.restart_node(first).await?;

    // 2. A rolling restart: the owner gets SIGTERM, tells its clients to move, and exits
    //    cleanly once the other node has the session.
    let second = owner(redis, &routing);
    let mut stopping = cluster.nodes[second].take().unwrap();
    stopping.terminate();
    still_co_browsing(customer, agent, "after a rolling restart").await?;
    let exit = tokio::task::spawn_blocking(move || stopping.wait(Duration::from_secs(25))).await?;
    assert_eq!(exit, Some(0), "the drained node exits cleanly");
    cluster.restart_node(second).await?;

    // 3. The Redis master holding the owner's inbox dies; a replica takes over.
    let owner_id = redis
        .cli(&[
            "HGET",
            &format!("cb:live:{{{}}}", routing.parse::<u32>()?),
            "owner",
        ])
        .unwrap();
    redis.kill_master_of(&format!("cb:inbox:{{{owner_id}}}"));
    still_co_browsing(customer, agent, "while a Redis master fails over").await?;
    tokio::task::block_in_place(|| redis.wait_healthy());
    still_co_browsing(customer, agent, "after the failover").await?;

    // 4. Redis loses everything (restarted without persistence): the nodes write what they
    //    own again, so the session can still move: its owner is killed once more.
    for i in redis.masters() {
        redis.nodes[i].cli(&["FLUSHALL"]);
    }
    record_back(redis, &routing).await?;
    let last = owner(redis, &routing);
    cluster.nodes[last].as_mut().unwrap().kill();
    still_co_browsing(customer, agent, "after Redis was wiped and a node killed").await?;
    cluster.restart_node(last).await?;

    // 5. The agent ends the session. Whichever node is asked, the history (in Redis) has it
    //    once, ended by the agent, with the pages it went through: not one per node it ran on.
    agent
        .find(By::Css("[data-cobrowse-ui=exit]"))
        .await?
        .click()
        .await?;
    let token = format!("{routing:0>5}");
    for (i, name) in NODES.iter().enumerate() {
        let url = cluster.node_url(i);
        let reports = eventually("the ended session in the history", START, || async {
            let all = history_at(&url, cobrowse_e2e::cluster::TOKEN).await?;
            let ours: Vec<serde_json::Value> = all
                .into_iter()
                .filter(|r| r["token"] == token.as_str())
                .collect();
            ours.iter().any(|r| !r["endTime"].is_null()).then_some(ours)
        })
        .await;
        if reports.is_err() {
            let body = reqwest::Client::new()
                .get(format!("{url}/api/v1/history"))
                .bearer_auth(cobrowse_e2e::cluster::TOKEN)
                .send()
                .await?
                .text()
                .await?;
            eprintln!("the history on {name}: {body}");
        }
        let reports = reports?;
        assert_eq!(reports.len(), 1, "one session in the history: {reports:?}");
        assert_eq!(reports[0]["endReason"], "agent_exit");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_session_lives_through_node_and_redis_failures() {
    let mut redis = tokio::task::spawn_blocking(|| RedisCluster::start(3))
        .await
        .unwrap();
    let mut cluster = Cluster::start(redis.urls()).await;
    let customer = cluster.browser().await;
    let agent = cluster.browser().await;
    let result = flow(&mut cluster, &mut redis, &customer, &agent).await;
    cluster.finish(vec![customer, agent]).await;
    if let Err(e) = result {
        panic!("{e}");
    }
}
