//! When WebSockets are blocked: an nginx in front of the relay refuses every `Upgrade` (as some
//! corporate proxies do) and proxies the rest. The customer's page and the agent's console,
//! both loaded through it, fall back to HTTP long polling, and a whole session works: snapshot,
//! changes, pointer, write mode, exit. The console shows both sides on polling, and nginx's log
//! has the refused upgrades and the polls. Then nginx lets upgrades through mid-session: within
//! a probe's interval both sides move back to WebSockets without the session noticing (the view
//! keeps following the page). A second session on the same browsers starts on WebSockets.

use cobrowse_e2e::cluster::relay_binary;
use cobrowse_e2e::console::*;
use cobrowse_e2e::*;
use test_servers::nginx::{Nginx, Site};
use test_servers::{free_port_with, RelayProcess};
use thirtyfour::prelude::*;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use shared_protocol::transport::PROBE_WEBSOCKET_EVERY_MS;

const TOKEN: &str = "http-fallback-supervisor-token-0123456789";
/// While this file exists (in a directory of the test's), nginx refuses upgrades.
const REFUSE: &str = "refuse-upgrades";

/// Ports known before anything starts: nginx's front for the relay and for the demo site, and
/// the relay's own and its demo site's behind it.
#[derive(Clone, Copy)]
struct Ports {
    front: u16,
    demo_front: u16,
    relay: u16,
    demo: u16,
}

/// Proxies `front` to the relay and `demo_front` to the demo site; refuses any request with an
/// `Upgrade` header with 403 while `refuse` exists.
fn site_conf(s: &Site, p: &Ports, refuse: &Path) -> String {
    let proxy = |port: u16| {
        format!(
            "set $refuse \"\";\n\
             if (-f {refuse}) {{ set $refuse \"${{http_upgrade}}\"; }}\n\
             if ($refuse) {{ return 403; }}\n\
             location / {{\n\
                 proxy_pass http://127.0.0.1:{port};\n\
                 proxy_http_version 1.1;\n\
                 proxy_set_header Upgrade $http_upgrade;\n\
                 proxy_set_header Connection $http_connection;\n\
                 proxy_set_header Host $http_host;\n\
                 proxy_read_timeout 120s;\n\
                 proxy_buffering off;\n\
             }}\n",
            refuse = refuse.display()
        )
    };
    format!(
        "client_max_body_size 32m;\n\
         server {{ listen 127.0.0.1:{}; listen 127.0.0.1:{}; {} }}\n\
         server {{ listen 127.0.0.1:{}; listen 127.0.0.1:{} ssl; ssl_certificate {}; \
         ssl_certificate_key {}; {} }}\n",
        p.front,
        s.http_port,
        proxy(p.relay),
        p.demo_front,
        s.https_port,
        s.certificate.display(),
        s.key.display(),
        proxy(p.demo)
    )
}

/// The console's transport indication: (its own, the customer's), as its data attributes
/// name them.
async fn transports(agent: &WebDriver) -> (String, String) {
    (
        console_ui(agent, "transport", "dataset.own").await,
        console_ui(agent, "transport", "dataset.customer").await,
    )
}

async fn both_on(agent: &WebDriver, transport: &str, within: Duration) -> TestResult {
    eventually(&format!("both sides on {transport}"), within, || async {
        let now = transports(agent).await;
        (now.0 == transport && now.1 == transport).then_some(())
    })
    .await
}

/// The customer starts co-browse on `page`, the agent joins through the front, and the agent
/// sees the page.
async fn session(p: &Ports, customer: &WebDriver, agent: &WebDriver, page: &str) -> TestResult {
    let demo = format!("http://127.0.0.1:{}", p.demo_front);
    let code = customer_starts_at(&demo, customer, page).await?;
    let console = format!("http://127.0.0.1:{}/agent#token={TOKEN}", p.front);
    agent_joins_at(&console, agent, &code).await?;
    eventually("the agent to see the page", START, || async {
        let shown = in_view(agent, "!!doc.getElementById('full-name')").await;
        (shown == true).then_some(())
    })
    .await
}

async fn flow(
    p: &Ports,
    nginx: &Nginx,
    refuse: &Path,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    session(p, customer, agent, "/react-form.html").await?;
    both_on(agent, "polling", START).await?;

    // A change, the customer's pointer, write mode and the agent's typing, all over polling.
    cobrowse_e2e::session_core::change_point_and_type(customer, agent, "Over polling").await?;
    assert_eq!(
        transports(agent).await,
        ("polling".into(), "polling".into())
    );

    // Upgrades let through mid-session: each side's probe finds the WebSocket working within
    // its interval, and the session resumes over it; the view keeps following the page.
    std::fs::remove_file(refuse)?;
    let probe_interval = Duration::from_millis(PROBE_WEBSOCKET_EVERY_MS.into());
    both_on(agent, "websocket", probe_interval + START).await?;
    js(
        customer,
        "document.querySelector('h1').textContent = 'Back on WebSockets';",
    )
    .await;
    view_is(
        agent,
        "the heading changed after the switch",
        "doc.querySelector('h1') && doc.querySelector('h1').textContent",
        serde_json::json!("Back on WebSockets"),
    )
    .await?;

    // Exit: the customer leaves, the console is back at its join form.
    cobrowse_e2e::session_core::customer_exits(customer, agent).await?;

    // nginx refused the upgrades and carried the polls.
    let logs = nginx.logs();
    for (what, line) in [
        (
            "the customer's refused upgrade",
            "\"GET /ws/customer HTTP/1.1\" 403",
        ),
        (
            "the agent's refused upgrade",
            "\"GET /ws/agent HTTP/1.1\" 403",
        ),
        (
            "the customer's poll",
            "\"POST /poll/customer HTTP/1.1\" 200",
        ),
        ("the agent's poll", "\"POST /poll/agent HTTP/1.1\" 200"),
        // The probes that found the WebSocket working (nginx logs one when it closes; a
        // probe's closes at once).
        (
            "the customer's WebSocket",
            "\"GET /ws/customer HTTP/1.1\" 101",
        ),
        ("the agent's WebSocket", "\"GET /ws/agent HTTP/1.1\" 101"),
    ] {
        assert!(logs.contains(line), "{what} ({line}) in:\n{logs}");
    }
    // The later requests name the node that opened the connection (for a load balancer).
    assert!(
        logs.lines()
            .any(|l| l.contains("\"GET /poll?node=") && l.contains("\" 200 ")),
        "a long poll answered, with the node hint, in:\n{logs}"
    );

    // Fresh pages of both sides connect by WebSocket from the start, and say so.
    agent.goto("about:blank").await?;
    session(p, customer, agent, "/react-form.html").await?;
    both_on(agent, "websocket", START).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_falls_back_to_polling_when_a_proxy_refuses_websockets() {
    let root = workspace_root();
    let ports = Ports {
        front: free_port_with(0),
        demo_front: free_port_with(0),
        relay: free_port_with(0),
        demo: free_port_with(0),
    };
    let args = [
        "--public-url",
        &format!("http://127.0.0.1:{}", ports.front),
        "--assets-dir",
        &root.join("dist").display().to_string(),
        "--www-dir",
        &root.join("www").display().to_string(),
        "--demo-listen",
        &format!("127.0.0.1:{}", ports.demo),
        "--allowed-origins",
        &format!("http://127.0.0.1:{}", ports.demo_front),
        "--supervisor-tokens",
        TOKEN,
    ]
    .map(String::from);
    let _relay = RelayProcess::start_on(ports.relay, &relay_binary(), &args);
    // nginx's worker (`nobody` when run as root) must see the file.
    let switch = tempfile::tempdir().unwrap();
    std::fs::set_permissions(switch.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let refuse = switch.path().join(REFUSE);
    std::fs::write(&refuse, "").unwrap();
    let nginx = {
        let refuse = refuse.clone();
        tokio::task::spawn_blocking(move || Nginx::start(|s| site_conf(s, &ports, &refuse)))
            .await
            .expect("nginx started")
    };
    let (mut driver, driver_url) = start_chromedriver().await;
    let profiles = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let customer = chromium(&driver_url, (1280, 900), &[], profiles[0].path()).await;
    let agent = chromium(&driver_url, (1280, 900), &[], profiles[1].path()).await;
    let result = flow(&ports, &nginx, &refuse, &customer, &agent).await;
    for b in [customer, agent] {
        let _ = b.quit().await;
    }
    let _ = driver.kill().await;
    if let Err(e) = result {
        panic!("{e}\n{}", nginx.logs());
    }
}
