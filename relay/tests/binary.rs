//! The relay's binary as an operator runs it: `--log-format json` writes one JSON object per
//! line to stderr, with the session's fields on the session's lines, an access line per request
//! and per WebSocket, and no customer URL query; `SIGHUP` leaves it running; `SIGTERM` stops it
//! with exit code 0.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use common::{msg, send, Ws, ORIGIN};
use shared_protocol::*;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[tokio::test]
async fn json_logs_carry_sessions_and_access_lines_and_sigterm_exits_0() {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cobrowse-relay"))
        .args(["--listen", "127.0.0.1:0", "--log-format", "json"])
        .args(["--allowed-origins", ORIGIN, "--node-id", "relay-json"])
        .arg("--data-dir")
        .arg(data.path())
        .env("COBROWSE_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the relay's binary");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let url = loop {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "it prints its URL"
        );
        if let Some(url) = line.trim().strip_prefix("Co-browse relay:") {
            break url.trim().to_string();
        }
    };
    // `systemctl reload` sends SIGHUP to a relay with neither TLS nor JWT keys: it must not
    // end it (the default action of SIGHUP). It is logged, and the exit code below is 0.
    // SAFETY: signalling our own child by its pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGHUP) };
    let live = reqwest::get(format!("{url}/health/live")).await.unwrap();
    assert_eq!(live.status(), 200);
    let mut req = format!("{}/ws/customer", url.replace("http", "ws"))
        .into_client_request()
        .unwrap();
    req.headers_mut().insert("Origin", ORIGIN.parse().unwrap());
    let mut c: Ws = tokio_tungstenite::connect_async(req).await.unwrap().0;
    let page = PageInfo {
        url: "http://shop.test/pay?card=4111111111111111#t=secret".into(),
        title: "Pay".into(),
    };
    let create = CustomerMsg::Create {
        page,
        user_agent: String::new(),
        first_session: true,
    };
    send(&mut c, 0, create).await;
    let RelayMsg::Created { .. } = msg(&mut c).await else {
        panic!("Created")
    };
    drop(c);

    // SAFETY: signalling our own child by its pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = tokio::task::spawn_blocking(move || {
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        (child.wait().unwrap(), stderr)
    });
    let (status, stderr) = status.await.unwrap();
    assert_eq!(status.code(), Some(0), "a clean stop: {stderr}");
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    let find = |what: &str| {
        lines
            .iter()
            .find(|l| l["message"] == what)
            .unwrap_or_else(|| panic!("no {what:?} line in {stderr}"))
    };
    find("SIGHUP: no TLS files or JWT keys configured, nothing to read again");
    let created = find("session created");
    let session = &created["span"];
    assert_eq!(session["name"], "session");
    assert_eq!(session["node"], "relay-json");
    assert!(session["id"].as_str().is_some_and(|id| id.len() == 36));
    assert_eq!(created["url"], "http://shop.test/pay");
    let access = lines
        .iter()
        .find(|l| l["target"] == "access" && l["path"] == "/health/live")
        .unwrap_or_else(|| panic!("an access line for /health/live in {stderr}"));
    assert_eq!(
        (access["method"].as_str(), access["status"].as_u64()),
        (Some("GET"), Some(200))
    );
    assert!(access["duration_ms"].is_number());
    let socket = find("websocket closed");
    assert_eq!(socket["role"], "customer");
    for secret in ["4111111111111111", "t=secret"] {
        assert!(!stderr.contains(secret), "{secret} logged: {stderr}");
    }
}

#[test]
fn check_config_prints_the_configuration_without_secrets_or_names_the_bad_key() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        "agent_tokens = [\"agent-secret-token-123456\"]\n\
         redis_url = [\"redis://:redis-password@10.0.0.1:6379\"]\n\
         jwt_secret = \"a-jwt-secret-of-at-least-32-bytes!!\"\n",
    )
    .unwrap();
    let run = |config: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_cobrowse-relay"))
            .arg("check-config")
            .arg("--config")
            .arg(config)
            .output()
            .unwrap()
    };
    let out = run(&good);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("agent_sessions_limit: 1"),
        "the effective values: {text}"
    );
    assert!(text.contains("10.0.0.1:6379"), "{text}");
    for secret in [
        "agent-secret-token-123456",
        "redis-password",
        "a-jwt-secret",
    ] {
        assert!(!text.contains(secret), "{secret} printed: {text}");
    }
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "tls_cert = \"/nowhere/cert.pem\"\ntls_key = \"/nowhere/key.pem\"\n",
    )
    .unwrap();
    let out = run(&bad);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("/nowhere/cert.pem"), "names the file: {err}");
    std::fs::write(&bad, "inactivity_timeout = \"ten\"\n").unwrap();
    let err = String::from_utf8_lossy(&run(&bad).stderr).into_owned();
    assert!(err.contains("inactivity_timeout"), "names the key: {err}");

    // `token` mints for an agent id, never for another namespace's (`jwt:<sub>`).
    let token = |agent: &str| {
        Command::new(env!("CARGO_BIN_EXE_cobrowse-relay"))
            .args(["token", "--agent", agent])
            .env(
                "COBROWSE_AGENT_TOKEN_SECRET",
                "a-token-secret-of-32-bytes-or-more!",
            )
            .output()
            .unwrap()
    };
    let minted = token("ana.smith");
    assert!(minted.status.success(), "{minted:?}");
    assert!(String::from_utf8_lossy(&minted.stdout).starts_with("cbt2.agent.ana.smith."));
    let refused = token("jwt:ana");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no `:`"));
}
