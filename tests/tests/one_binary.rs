//! The relay's binary alone: copied into an empty directory and run from there (no `dist/`,
//! no `www/`, no `--assets-dir`), it serves the customer module and the agent console it
//! embeds, and a headless Chromium co-browse session works. The demo site comes from a
//! second relay run from the repository, its snippet pointing at the lone binary.

use cobrowse_e2e::cluster::relay_binary;
use cobrowse_e2e::interrupted::*;
use cobrowse_e2e::*;
use test_servers::{free_port_with, RelayProcess};
use thirtyfour::prelude::*;

const TOKEN: &str = "one-binary-supervisor-token-0123456789";

/// The hashed directory the loader at `relay` imports the customer module from.
async fn loader_base(relay: &str) -> TestResult<String> {
    let loader = reqwest::get(format!("{relay}/cobrowse.js"))
        .await?
        .text()
        .await?;
    let start = loader
        .find("relay + \"")
        .ok_or("the loader names its base")?
        + 9;
    let end = start + loader[start..].find('"').ok_or("a closing quote")?;
    Ok(loader[start..end].to_string())
}

async fn flow(customer: &WebDriver, agent: &WebDriver) -> TestResult {
    let (root, demo_port, port) = (workspace_root(), free_port_with(0), free_port_with(0));
    let alone = tempfile::tempdir()?;
    let binary = alone.path().join("cobrowse-relay");
    std::fs::copy(relay_binary(), &binary)?;
    let origin = format!("http://127.0.0.1:{demo_port}");
    let lone_args = ["--allowed-origins", &origin, "--supervisor-tokens", TOKEN].map(String::from);
    let relay = RelayProcess::start_from(alone.path(), port, &binary, &lone_args);
    let entries: Vec<_> = std::fs::read_dir(alone.path())?.collect();
    assert_eq!(entries.len(), 1, "the directory holds the binary only");

    // The loader points at the embedded bundle's hashed path (from disk it would not).
    let base = loader_base(&relay.url).await?;
    let hash = base
        .strip_prefix("/assets/")
        .and_then(|b| b.strip_suffix("/master/"))
        .ok_or(format!(
            "not a hashed path: {base} (a binary built before `make wasm` embeds no assets)"
        ))?;
    assert_eq!(hash.len(), 16, "{base}");

    let demo_args = [
        "--public-url",
        &relay.url,
        "--assets-dir",
        &root.join("dist").display().to_string(),
        "--www-dir",
        &root.join("www").display().to_string(),
        "--demo-listen",
        &format!("127.0.0.1:{demo_port}"),
        "--allowed-origins",
        &origin,
    ]
    .map(String::from);
    let _demo = RelayProcess::start(&relay_binary(), &demo_args);

    let code = customer_starts_at(&origin, customer, "/").await?;
    agent_joins_at(&format!("{}/agent#token={TOKEN}", relay.url), agent, &code).await?;
    eventually("the agent to see the page", START, || async {
        agent_status(agent).await.contains("viewing").then_some(())
    })
    .await?;
    js(customer, CUSTOMER_RECORDER).await;
    js(agent, AGENT_RECORDER).await;
    still_co_browsing(customer, agent, "from the lone binary").await?;

    // Both browsers loaded the wasm from the lone relay's hashed paths.
    let loaded = "return performance.getEntriesByType('resource').map(e => e.name);";
    for (side, driver, wasm) in [
        ("customer", customer, "master/master_wasm_bg.wasm"),
        ("agent", agent, "slave/slave_wasm_bg.wasm"),
    ] {
        let want = format!("{}/assets/{hash}/{wasm}", relay.url);
        let names = js(driver, loaded).await;
        let names: Vec<&str> = names
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        assert!(
            names.contains(&want.as_str()),
            "{side}: {want} in {names:?}"
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_alone_serves_a_co_browse_session() {
    let (mut driver, driver_url) = start_chromedriver().await;
    let profiles = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let customer = chromium(&driver_url, (1280, 900), &[], profiles[0].path()).await;
    let agent = chromium(&driver_url, (1280, 900), &[], profiles[1].path()).await;
    let result = flow(&customer, &agent).await;
    for b in [customer, agent] {
        let _ = b.quit().await;
    }
    let _ = driver.kill().await;
    if let Err(e) = result {
        panic!("{e}");
    }
}
