//! Shared by the relay's integration tests: the real relay on port 0, and tokio-tungstenite
//! clients that speak the protocol.
#![allow(dead_code)]

use std::time::Duration;

use cobrowse_relay::{run, Config};
use futures_util::{SinkExt, StreamExt};
use shared_protocol::*;
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

pub type Ws = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

pub const ORIGIN: &str = "http://shop.test";
pub const TOKEN: &str = "agent-token-0123456789";
/// Static tokens of the other roles, configured in every test relay.
pub const SUPERVISOR: &str = "supervisor-token-0123456789";
pub const METRICS: &str = "metrics-token-0123456789";

pub struct Relay {
    pub addr: std::net::SocketAddr,
    pub data: tempfile::TempDir,
    pub stop: Option<tokio::sync::oneshot::Sender<()>>,
    /// What `run` said once listening (`None` if it failed before).
    pub started: Option<cobrowse_relay::Started>,
    pub task: tokio::task::JoinHandle<Result<(), cobrowse_relay::RunError>>,
}

pub async fn relay_with(timeout: Duration) -> Relay {
    relay_configured(|c| c.inactivity_timeout = timeout).await
}

pub async fn relay() -> Relay {
    relay_with(Duration::from_secs(600)).await
}

pub async fn customer(r: &Relay) -> Ws {
    let mut req = format!("ws://{}/ws/customer", r.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert("Origin", ORIGIN.parse().unwrap());
    connect_async(req).await.unwrap().0
}

pub async fn agent(r: &Relay) -> Ws {
    connect_async(format!("ws://{}/ws/agent", r.addr))
        .await
        .unwrap()
        .0
}

pub async fn send<M: Direction>(ws: &mut Ws, seq: u64, msg: M) {
    let frame = Envelope::new(0, Delivery::Reliable, seq, msg).encode();
    ws.send(Message::Binary(frame.into())).await.unwrap();
}

/// The next relay message (skipping pings), or the close frame's code and reason.
pub async fn next(ws: &mut Ws) -> Result<Envelope<RelayMsg>, (CloseCode, String)> {
    loop {
        // Generous: a socket bridged to a node that just died hears nothing until that node
        // is known dead (its heartbeat key lives 6 s).
        let msg = tokio::time::timeout(Duration::from_secs(15), ws.next())
            .await
            .expect("an answer within 15 s");
        match msg {
            Some(Ok(Message::Binary(b))) => return Ok(Envelope::decode(&b).unwrap()),
            Some(Ok(Message::Close(Some(f)))) => return Err((f.code, f.reason.to_string())),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            other => return Err((CloseCode::Abnormal, format!("{other:?}"))),
        }
    }
}

pub async fn msg(ws: &mut Ws) -> RelayMsg {
    next(ws).await.expect("a message, not a close").msg
}

pub fn page() -> PageInfo {
    PageInfo {
        url: "http://shop.test/".into(),
        title: "Shop".into(),
    }
}

/// Asks to join the session `routing` with `token` (control frames are numbered 0).
pub async fn join_request(a: &mut Ws, token: &str, routing: u32) {
    send(
        a,
        0,
        AgentMsg::Join {
            token: token.into(),
            routing,
        },
    )
    .await;
}

/// A customer with a session and an agent in it.
pub async fn joined(r: &Relay) -> (Ws, Ws, u32) {
    let (mut c, routing) = waiting_session(r).await;
    let mut a = agent(r).await;
    join_request(&mut a, TOKEN, routing).await;
    assert!(matches!(msg(&mut a).await, RelayMsg::Joined { .. }));
    assert_eq!(msg(&mut c).await, RelayMsg::AgentJoined);
    (c, a, routing)
}

pub async fn relay_configured(adjust: impl FnOnce(&mut Config)) -> Relay {
    relay_in(tempfile::tempdir().unwrap(), "127.0.0.1:0", adjust).await
}

/// A relay keeping its data in `data`, listening on `addr` (a relay started again where an
/// earlier one stopped, say).
pub async fn relay_in(
    data: tempfile::TempDir,
    addr: &str,
    adjust: impl FnOnce(&mut Config),
) -> Relay {
    let mut config = Config {
        data_dir: data.path().to_path_buf(),
        allowed_origins: Some(vec![ORIGIN.into()]),
        agent_tokens: vec![TOKEN.into()],
        supervisor_tokens: vec![SUPERVISOR.into()],
        metrics_tokens: vec![METRICS.into()],
        ..Config::default()
    };
    adjust(&mut config);
    let listener = TcpListener::bind(addr).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (started_tx, started) = tokio::sync::oneshot::channel();
    let on_started = move |s: &cobrowse_relay::Started| {
        let _ = started_tx.send(s.clone());
    };
    let task = tokio::spawn(run(listener, None, config, on_started, async {
        let _ = stopped.await;
    }));
    let started = tokio::time::timeout(Duration::from_secs(20), started)
        .await
        .ok()
        .and_then(Result::ok);
    Relay {
        addr,
        data,
        stop: Some(stop),
        started,
        task,
    }
}

impl Relay {
    /// Stops the relay the way Ctrl-C does and waits until `run` returns.
    pub async fn shut_down(mut self) -> tempfile::TempDir {
        let _ = self.stop.take().expect("running").send(());
        tokio::time::timeout(Duration::from_secs(10), &mut self.task)
            .await
            .expect("the relay stops within 10 s")
            .expect("the relay task")
            .expect("run returns Ok");
        self.data
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

pub async fn waiting_session(r: &Relay) -> (Ws, u32) {
    let mut c = customer(r).await;
    send(
        &mut c,
        0,
        CustomerMsg::Create {
            page: page(),
            user_agent: String::new(),
            first_session: true,
        },
    )
    .await;
    let RelayMsg::Created { routing, .. } = msg(&mut c).await else {
        panic!("Created")
    };
    privacy_rules(&mut c).await;
    (c, routing)
}

/// The resume tokens from `Created` and `Joined`, with the sockets of a joined session.
pub async fn joined_with_tokens(r: &Relay) -> (Ws, [u8; 16], Ws, [u8; 16], u32) {
    create_and_join(customer(r).await, agent(r).await, None).await
}

/// On connected sockets: the customer creates a session, then the agent joins it; with several
/// nodes (`node`), each is told the node that runs it. Both sockets, their resume tokens and
/// the routing code.
pub async fn create_and_join(
    mut c: Ws,
    mut a: Ws,
    node: Option<&str>,
) -> (Ws, [u8; 16], Ws, [u8; 16], u32) {
    let create = CustomerMsg::Create {
        page: page(),
        user_agent: String::new(),
        first_session: true,
    };
    send(&mut c, 0, create).await;
    let RelayMsg::Created {
        routing,
        resume_token: ct,
        ..
    } = msg(&mut c).await
    else {
        panic!("Created")
    };
    privacy_rules(&mut c).await;
    if let Some(node) = node {
        assert_eq!(msg(&mut c).await, RelayMsg::Node(node.into()));
    }
    join_request(&mut a, TOKEN, routing).await;
    let RelayMsg::Joined {
        resume_token: at, ..
    } = msg(&mut a).await
    else {
        panic!("Joined")
    };
    if let Some(node) = node {
        assert_eq!(msg(&mut a).await, RelayMsg::Node(node.into()));
    }
    assert_eq!(msg(&mut c).await, RelayMsg::AgentJoined);
    (c, ct, a, at, routing)
}

pub async fn privacy_rules(ws: &mut Ws) -> Vec<shared_protocol::privacy::PrivacyRules> {
    match msg(ws).await {
        RelayMsg::Privacy(rules) => rules,
        other => panic!("expected the privacy rules, got {other:?}"),
    }
}

pub async fn sealed_seq(ws: &mut Ws) -> u64 {
    let env = next(ws).await.expect("a frame");
    assert!(matches!(env.msg, RelayMsg::Sealed(_)), "{:?}", env.msg);
    env.seq
}

/// A resume of session `routing` with `token`, having received up to `last_received`.
pub fn resume_of(routing: u32, token: [u8; 16], last_received: u64) -> Resume {
    Resume {
        routing,
        resume_token: token,
        last_received,
        reloaded: false,
    }
}

/// What a `Resumed` says: the relay's last frame from this side, whether frames for it were
/// lost, and whether the other side is there. Panics on anything else.
pub fn resumed(answer: RelayMsg) -> (u64, bool, bool) {
    match answer {
        RelayMsg::Resumed {
            last_received,
            lost,
            peer_present,
        } => (last_received, lost, peer_present),
        other => panic!("expected Resumed, got {other:?}"),
    }
}

/// A REST API request to `r` with `token`: its status and its body.
pub async fn api(r: &Relay, method: reqwest::Method, path: &str, token: &str) -> (u16, String) {
    let res = reqwest::Client::new()
        .request(method, r.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// `GET path` on the REST API: its JSON (panics on any status but 200).
pub async fn api_json(r: &Relay, path: &str, token: &str) -> serde_json::Value {
    let (status, body) = api(r, reqwest::Method::GET, path, token).await;
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}
