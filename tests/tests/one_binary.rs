//! The relay's binary alone, as an operator deploys it: copied into an empty directory and run
//! from there (no `dist/`, no `www/`, no `--assets-dir`) with TLS and an admin listener, it
//! serves the customer module and the agent console it embeds (the wasm brotli-encoded) over
//! HTTPS and WSS, and a headless Chromium co-browse session works; its certificate is trusted
//! through Chromium's flags. The demo site comes from a second relay run from the repository,
//! its snippet pointing at the lone binary.

use cobrowse_e2e::cluster::relay_binary;
use cobrowse_e2e::interrupted::*;
use cobrowse_e2e::*;
use test_servers::{free_port_with, RelayProcess};
use thirtyfour::prelude::*;

const TOKEN: &str = "one-binary-supervisor-token-0123456789";

/// An HTTP client trusting the lone relay's certificate (and only it).
fn client(certificate: &std::path::Path) -> TestResult<reqwest::Client> {
    let pem = std::fs::read(certificate)?;
    Ok(reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&pem)?)
        .build()?)
}

/// The base64 SHA-256 of the certificate's public key: what Chromium's
/// `--ignore-certificate-errors-spki-list` trusts.
fn spki_hash(certificate: &std::path::Path) -> String {
    let script = format!(
        "openssl x509 -pubkey -noout -in {} | openssl pkey -pubin -outform der \
         | openssl dgst -sha256 -binary | base64",
        certificate.display()
    );
    let out = std::process::Command::new("sh")
        .args(["-c", &script])
        .output()
        .expect("openssl");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The hashed directory the loader at `relay` imports the customer module from.
async fn loader_base(http: &reqwest::Client, relay: &str) -> TestResult<String> {
    let boot = http
        .get(format!("{relay}/cobrowse.json"))
        .send()
        .await?
        .text()
        .await?;
    let boot: serde_json::Value = serde_json::from_str(&boot)?;
    let base = boot["module"].as_str().ok_or("the loader names its base")?;
    Ok(base.to_string())
}

async fn flow(site: &Site, customer: &WebDriver, agent: &WebDriver) -> TestResult {
    let (root, demo_port, port) = (workspace_root(), site.demo_port, free_port_with(0));
    let alone = tempfile::tempdir()?;
    let binary = alone.path().join("cobrowse-relay");
    std::fs::copy(relay_binary(), &binary)?;
    let origin = format!("http://127.0.0.1:{demo_port}");
    let admin = format!("127.0.0.1:{}", free_port_with(0));
    let lone_args = [
        "--allowed-origins",
        &origin,
        "--supervisor-tokens",
        TOKEN,
        "--tls-cert",
        &site.certificate.display().to_string(),
        "--tls-key",
        &site.key.display().to_string(),
        "--admin-listen",
        &admin,
        // Under a prefix, as behind a bank's own reverse proxy.
        "--base-path",
        "/cobrowse",
    ]
    .map(String::from);
    let relay = RelayProcess::start_from(alone.path(), port, &binary, &lone_args);
    let entries: Vec<_> = std::fs::read_dir(alone.path())?.collect();
    assert_eq!(entries.len(), 1, "the directory holds the binary only");
    assert!(relay.url.starts_with("https://"), "{}", relay.url);
    assert!(relay.url.ends_with("/cobrowse"), "{}", relay.url);
    let http = client(&site.certificate)?;

    // Metrics on the admin listener without a token; not on the public one.
    let status = |url: String| {
        let http = http.clone();
        async move { http.get(url).send().await.map(|r| r.status().as_u16()) }
    };
    assert_eq!(status(format!("http://{admin}/metrics")).await?, 200);
    assert_eq!(status(format!("{}/metrics", relay.url)).await?, 404);
    // The customer's wasm goes out brotli-encoded to a browser that accepts it.
    let loader = loader_base(&http, &relay.url).await?;
    let wasm = http
        .get(format!("{}{loader}master_wasm_bg.wasm", relay.url))
        .header("accept-encoding", "gzip, deflate, br, zstd")
        .send()
        .await?;
    assert_eq!(
        wasm.headers().get("content-encoding").map(|v| v.as_bytes()),
        Some(&b"br"[..])
    );

    // The loader points at the embedded bundle's hashed path (from disk it would not).
    let base = loader_base(&http, &relay.url).await?;
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

    // The console's own wasm (same origin, so its sizes are visible) came compressed.
    let sizes = "const e = performance.getEntriesByType('resource')
        .find(e => e.name.endsWith('slave_wasm_bg.wasm'));
        return e ? [e.encodedBodySize, e.decodedBodySize] : null;";
    let sizes: Vec<u64> = serde_json::from_value(js(agent, sizes).await)?;
    assert!(
        sizes[0] > 0 && sizes[0] * 2 < sizes[1],
        "the console's wasm over the wire vs decoded: {sizes:?}"
    );

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

/// The demo site's port and the lone relay's certificate, known before the browsers start.
struct Site {
    demo_port: u16,
    certificate: std::path::PathBuf,
    key: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_alone_serves_a_co_browse_session_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let (certificate, key) = test_servers::tls::self_signed_certificate(dir.path(), "lone");
    let site = Site {
        demo_port: free_port_with(0),
        certificate,
        key,
        _dir: dir,
    };
    let trust = format!(
        "--ignore-certificate-errors-spki-list={}",
        spki_hash(&site.certificate)
    );
    with_two_browsers(&[&trust], async |customer, agent| {
        flow(&site, customer, agent).await
    })
    .await;
}
