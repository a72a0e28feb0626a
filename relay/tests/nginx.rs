//! The shipped nginx sample (`deploy/nginx/cobrowse.conf`) with Debian's real nginx, TLS, in
//! front of two relay nodes (see `nginx_front` for the only changes made to the files): health
//! over HTTPS, plain HTTP redirected, requests spread over both nodes, sockets steered by
//! `?node=`, the client's address reaching the relay through X-Forwarded-For, a killed node
//! routed around, and timeouts that leave heartbeating sockets alone.

mod common;
mod nginx_front;

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use common::{msg, page, send};
use futures_util::StreamExt;
use nginx_front::{node_of, Front, NODES};
use reqwest::StatusCode;
use shared_protocol::{CustomerMsg, RelayMsg};
use tokio_tungstenite::tungstenite::Message;

fn loopback(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, last])
}

/// Sends `Create` on a customer socket and expects `Created`: the session lives where the
/// socket landed.
async fn create_session(c: &mut common::Ws) {
    let create = CustomerMsg::Create {
        page: page(),
        user_agent: String::new(),
        first_session: true,
    };
    send(c, 0, create).await;
    assert!(matches!(msg(c).await, RelayMsg::Created { .. }), "Created");
}

/// The node that answered `GET /health` through nginx, after checking the answer.
async fn health_node(front: &Front, path: &str) -> String {
    let response = front.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{}", front.nginx.logs());
    let node = node_of(response.headers());
    let body: serde_json::Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["node"], node.as_str(), "the header names the node");
    node
}

/// The nodes that answered, over `GET /health` requests until both did (at most 20).
async fn nodes_answering(front: &Front) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    for _ in 0..20 {
        seen.insert(health_node(front, "/health").await);
        if seen.len() == NODES.len() {
            break;
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread")]
async fn health_answers_over_https_and_plain_http_is_redirected_to_it() {
    let front = Front::start(|_| {}).await;
    let node = health_node(&front, "/health").await;
    assert!(NODES.contains(&node.as_str()), "{node}");

    let plain = front.get_url(&front.nginx.http_url("/health?x=1")).await;
    assert_eq!(plain.status(), StatusCode::MOVED_PERMANENTLY);
    let location = plain.headers()["location"].to_str().unwrap();
    assert!(location.starts_with("https://127.0.0.1"), "{location}");
    assert!(location.ends_with("/health?x=1"), "{location}");
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_naming_no_node_reach_every_node() {
    let front = Front::start(|_| {}).await;
    let all: BTreeSet<String> = NODES.iter().map(|n| n.to_string()).collect();
    assert_eq!(nodes_answering(&front).await, all);
    // The other routes are spread the same way (the widget's loader, here).
    let loader = front.get("/cobrowse.js").await;
    assert_eq!(loader.status(), StatusCode::OK);
    assert!(NODES.contains(&node_of(loader.headers()).as_str()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_socket_naming_a_node_lands_on_that_node() {
    let front = Front::start(|_| {}).await;
    for node in NODES {
        // Several times each: a node chosen by luck would show as the other one soon.
        for _ in 0..3 {
            let path = format!("/ws/customer?node={node}");
            let (mut c, landed) = front.socket(loopback(1), &path, &[]).await.unwrap();
            assert_eq!(landed, node);
            create_session(&mut c).await;
            let path = format!("/ws/agent?node={node}");
            let (_a, landed) = front.socket(loopback(1), &path, &[]).await.unwrap();
            assert_eq!(landed, node);
        }
        // A monitor asks one node for its health the same way.
        assert_eq!(
            health_node(&front, &format!("/health?node={node}")).await,
            node
        );
    }
    // A node nginx does not know: any node, rather than an error.
    let (mut c, landed) = front
        .socket(loopback(1), "/ws/customer?node=relay-9", &[])
        .await
        .unwrap();
    assert!(NODES.contains(&landed.as_str()), "{landed}");
    create_session(&mut c).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_relay_counts_the_client_nginx_saw_not_nginx() {
    // One socket per client: a second one from the same client is refused (429).
    let front = Front::start(|c| c.connections_per_ip = 1).await;
    let path = "/ws/customer?node=relay-1";
    let (_first, _) = front.socket(loopback(2), path, &[]).await.unwrap();
    assert_eq!(
        front.socket(loopback(2), path, &[]).await.err(),
        Some(StatusCode::TOO_MANY_REQUESTS),
        "the limit is seen through nginx"
    );
    // Every client reaches the relay from nginx's address; another client is still let in.
    let (mut other, _) = front.socket(loopback(3), path, &[]).await.unwrap();
    create_session(&mut other).await;
    // A client's own X-Forwarded-For is not believed: nginx adds the address it saw.
    let lie = [("x-forwarded-for", "198.51.100.7")];
    assert_eq!(
        front.socket(loopback(2), path, &lie).await.err(),
        Some(StatusCode::TOO_MANY_REQUESTS)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn when_a_node_dies_every_request_goes_to_the_other() {
    let mut front = Front::start(|_| {}).await;
    assert_eq!(nodes_answering(&front).await.len(), 2, "both nodes serve");
    front.kill(1).await;

    for _ in 0..10 {
        assert_eq!(health_node(&front, "/health").await, NODES[0]);
    }
    // Its sockets, named by `?node=`, go to the living node instead.
    for side in ["customer", "agent"] {
        let path = format!("/ws/{side}?node={}", NODES[1]);
        let (mut ws, landed) = front.socket(loopback(1), &path, &[]).await.unwrap();
        assert_eq!(landed, NODES[0]);
        if side == "customer" {
            create_session(&mut ws).await;
        }
    }
    // A monitor asking for the dead node by name hears that it is down, not another's answer.
    let dead = front.get(&format!("/health?node={}", NODES[1])).await;
    assert_eq!(dead.status(), StatusCode::BAD_GATEWAY);
}

/// What the shipped timeouts rely on, shown with nginx's socket timeouts cut to 2 s: a client's
/// bytes alone keep a socket open (the relay may say nothing for minutes), while a socket
/// silent both ways is closed by nginx at its timeout. The relay's own timeouts are 10 min
/// here, so any close seen is nginx's.
#[tokio::test(flavor = "multi_thread")]
async fn a_clients_heartbeats_alone_keep_its_socket_through_nginx_open() {
    let relaxed = |c: &mut cobrowse_relay::Config| {
        c.handshake_timeout = Duration::from_secs(600);
        c.heartbeat_timeout = Duration::from_secs(600);
    };
    let timeouts = [("proxy_read_timeout", "2s"), ("proxy_send_timeout", "2s")];
    let front = Front::start_with(relaxed, &timeouts).await;
    let path = "/ws/customer?node=relay-1";
    let (mut talking, _) = front.socket(loopback(1), path, &[]).await.unwrap();
    let (mut quiet, _) = front.socket(loopback(1), path, &[]).await.unwrap();

    let start = Instant::now();
    // Twice nginx's timeout, a heartbeat every 100 ms (a margin for a busy machine).
    while start.elapsed() < Duration::from_secs(4) {
        send(&mut talking, 0, CustomerMsg::Heartbeat { last_received: 0 }).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The quiet one was cut; the talking one still answers.
    let end = tokio::time::timeout(Duration::from_secs(10), quiet.next())
        .await
        .expect("nginx closed the quiet socket");
    assert!(!matches!(end, Some(Ok(Message::Binary(_)))), "{end:?}");
    create_session(&mut talking).await;
}

/// nginx closes a socket without a byte either way for `proxy_read_timeout`: the shipped value
/// must outlast the relay's `heartbeat_timeout` (the relay, not nginx, ends silent sockets)
/// and nginx's 60 s default. Read from the file, not waited for.
#[test]
fn socket_timeouts_outlast_the_relays_heartbeat_timeout() {
    let heartbeat_timeout = cobrowse_relay::Config::default().heartbeat_timeout;
    let conf = include_str!("../../deploy/nginx/cobrowse.conf");
    let mut socket_locations = 0;
    for location in conf.split("location ").skip(1) {
        let head = location.lines().next().unwrap_or_default();
        if !(head.starts_with("/ws/") || head.starts_with("@cobrowse_ws")) {
            continue;
        }
        socket_locations += 1;
        for directive in ["proxy_read_timeout", "proxy_send_timeout"] {
            let value = seconds(location, directive).unwrap_or_else(|| panic!("{directive}"));
            assert!(
                value >= 2 * heartbeat_timeout,
                "{head}: {directive} {value:?}"
            );
            assert!(
                value > Duration::from_secs(60),
                "{head}: {directive} {value:?}"
            );
        }
    }
    assert_eq!(socket_locations, 2, "/ws/ and its fall-back");
}

/// `directive 90s;` (or `m`, `h`) in `block`, up to the block's end.
fn seconds(block: &str, directive: &str) -> Option<Duration> {
    let block = &block[..block.find('}').unwrap_or(block.len())];
    let line = block
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(&format!("{directive} ")))?;
    let value = line[directive.len()..].trim().trim_end_matches(';');
    let (number, unit) = value.split_at(value.len() - 1);
    let number: u64 = number.parse().ok()?;
    Some(Duration::from_secs(match unit {
        "s" => number,
        "m" => number * 60,
        "h" => number * 3600,
        _ => return None,
    }))
}
