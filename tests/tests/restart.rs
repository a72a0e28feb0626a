//! A lone relay (the binary, SQLite, no Redis) stopped with `SIGTERM` during a live session and
//! started again: it exits 0, both browsers say the service is restarting, and once it is
//! back they resume and co-browse on; the history shows one session, and the report of its
//! end is written before the relay's next stop returns.

use std::time::Duration;

use cobrowse_e2e::cluster::relay_binary;
use cobrowse_e2e::interrupted::*;
use cobrowse_e2e::*;
use shared_protocol::texts::{ConsoleText, TextKey, WidgetText};
use test_servers::{free_port_with, RelayProcess};
use thirtyfour::prelude::*;

const TOKEN: &str = "restart-supervisor-token-0123456789";

struct Site {
    args: Vec<String>,
    demo_port: u16,
    reports: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Site {
    fn new() -> Self {
        let (root, demo_port) = (workspace_root(), free_port_with(0));
        let dir = tempfile::tempdir().unwrap();
        let reports = dir.path().join("reports.jsonl");
        let args = [
            "--assets-dir",
            &root.join("dist").display().to_string(),
            "--www-dir",
            &root.join("www").display().to_string(),
            "--demo-listen",
            &format!("127.0.0.1:{demo_port}"),
            "--allowed-origins",
            &format!("http://127.0.0.1:{demo_port}"),
            "--supervisor-tokens",
            TOKEN,
            "--report-file",
            &reports.display().to_string(),
        ]
        .map(String::from)
        .to_vec();
        Site {
            args,
            demo_port,
            reports,
            _dir: dir,
        }
    }
}

async fn history(relay: &RelayProcess) -> Option<Vec<serde_json::Value>> {
    history_at(&relay.url, TOKEN).await
}

/// `SIGTERM`, and the exit code within `limit`.
async fn terminate(relay: &mut RelayProcess) -> Option<i32> {
    relay.terminate();
    tokio::task::block_in_place(|| relay.wait(Duration::from_secs(20)))
}

async fn flow(site: &Site, customer: &WebDriver, agent: &WebDriver) -> TestResult {
    let binary = relay_binary();
    let mut relay = RelayProcess::start(&binary, &site.args);
    let demo = format!("http://127.0.0.1:{}", site.demo_port);
    let code = customer_starts_at(&demo, customer, "/").await?;
    agent_joins_at(&format!("{}/agent#token={TOKEN}", relay.url), agent, &code).await?;
    eventually("the agent to see the page", START, || async {
        agent_status(agent).await.contains("viewing").then_some(())
    })
    .await?;
    js(customer, CUSTOMER_RECORDER).await;
    js(agent, AGENT_RECORDER).await;
    still_co_browsing(customer, agent, "before the restart").await?;

    assert_eq!(terminate(&mut relay).await, Some(0), "a clean stop exits 0");
    let restarting = [
        ("customer", customer, WidgetText::Restarting.english()),
        ("agent", agent, ConsoleText::Restarting.english()),
    ];
    for (side, driver, says) in restarting {
        eventually(
            &format!("the {side} to say the service restarts"),
            START,
            || async {
                said(driver)
                    .await
                    .iter()
                    .any(|l| l.contains(says))
                    .then_some(())
            },
        )
        .await?;
    }

    let mut relay = relay.start_again(&binary, &site.args);
    still_co_browsing(customer, agent, "after the restart").await?;
    let live = history(&relay).await.expect("the history");
    assert_eq!(live.len(), 1, "one session, not two: {live:?}");
    assert!(live[0]["endTime"].is_null(), "still live: {live:?}");

    // The customer ends it; the relay's next stop has written its report before it exits.
    let status = widget(customer, "exit").await?;
    status.click().await?;
    eventually("the history to show the end", START, || async {
        let list = history(&relay).await?;
        (!list.first()?["endTime"].is_null()).then_some(())
    })
    .await?;
    assert_eq!(terminate(&mut relay).await, Some(0));
    let lines = std::fs::read_to_string(&site.reports)?;
    let reports: Vec<serde_json::Value> = lines
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    assert_eq!(reports.len(), 1, "one report: {reports:?}");
    assert_eq!(reports[0]["endReason"], "customer_exit");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_relay_keeps_its_live_session() {
    let site = Site::new();
    with_two_browsers(&[], async |customer, agent| {
        flow(&site, customer, agent).await
    })
    .await;
}
