//! Relay nodes as real processes sharing a real Redis, and what their clients live through:
//! a node killed (`SIGKILL`) or stopped (`SIGTERM`) in the middle of a session.

mod common;

use std::time::Duration;

use common::{next, privacy_rules, resume_of, resumed, ORIGIN, TOKEN};
use futures_util::SinkExt;
use shared_protocol::*;
use test_servers::{RedisServer, RelayProcess};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

type Ws = common::Ws;

fn node(redis: &RedisServer, name: &str) -> RelayProcess {
    let args = [
        "--redis-url",
        &redis.url(),
        "--node-id",
        name,
        "--allowed-origins",
        ORIGIN,
        "--agent-tokens",
        TOKEN,
        "--drain-timeout",
        "10",
    ]
    .map(String::from);
    RelayProcess::start(env!("CARGO_BIN_EXE_cobrowse-relay").as_ref(), &args)
}

async fn connect(n: &RelayProcess, side: &str) -> Ws {
    let url = format!("{}/ws/{side}", n.url.replace("http://", "ws://"));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert("Origin", ORIGIN.parse().unwrap());
    tokio_tungstenite::connect_async(req).await.unwrap().0
}

async fn send<M: Direction>(ws: &mut Ws, seq: u64, msg: M) {
    let frame = Envelope::new(0, Delivery::Reliable, seq, msg).encode();
    ws.send(Message::Binary(frame.into())).await.unwrap();
}

async fn msg(ws: &mut Ws) -> RelayMsg {
    next(ws).await.expect("a message").msg
}

/// A session on node `n`, named `name`, with the customer's and the agent's resume tokens.
async fn session_on(n: &RelayProcess, name: &str) -> (Ws, [u8; 16], Ws, [u8; 16], u32) {
    let (c, a) = (connect(n, "customer").await, connect(n, "agent").await);
    common::create_and_join(c, a, Some(name)).await
}

/// Connects to `n` and sends `first` until the answer is not "your session's server stopped"
/// (1012), as a client does: for a few seconds after a crash the dead node still looks alive
/// (its heartbeat key lives 6 s), and a socket bridged to it is closed once it is known dead.
/// The socket and its first answer.
async fn reconnect<M: Direction + Clone>(n: &RelayProcess, side: &str, first: M) -> (Ws, RelayMsg) {
    for _ in 0..20 {
        let mut ws = connect(n, side).await;
        send(&mut ws, 0, first.clone()).await;
        match next(&mut ws).await {
            Ok(env) => return (ws, env.msg),
            Err((code, _)) if u16::from(code) == 1012 => {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(other) => panic!("closed: {other:?}"),
        }
    }
    panic!("no node took the session over")
}

#[tokio::test]
async fn a_killed_node_s_session_goes_on_on_the_others() {
    let redis = RedisServer::start();
    let (mut a, b, c3) = (
        node(&redis, "node-a"),
        node(&redis, "node-b"),
        node(&redis, "node-c"),
    );
    let (mut c, ct, mut ag, at, routing) = session_on(&a, "node-a").await;
    for seq in 1..=3 {
        send(&mut c, seq, CustomerMsg::Sealed(vec![seq as u8])).await;
        assert_eq!(msg(&mut ag).await, RelayMsg::Sealed(vec![seq as u8]));
    }
    a.kill();
    assert!(next(&mut c).await.is_err(), "the customer's socket dropped");
    assert!(next(&mut ag).await.is_err(), "the agent's socket dropped");

    // The customer reconnects to node b, which takes the session over...
    let (mut c, rules) = reconnect(
        &b,
        "customer",
        CustomerMsg::Resume(resume_of(routing, ct, 0)),
    )
    .await;
    assert!(matches!(rules, RelayMsg::Privacy(_)));
    let (last_received, lost, peer_present) = resumed(msg(&mut c).await);
    assert_eq!((last_received, lost, peer_present), (u64::MAX, true, false));
    assert_eq!(msg(&mut c).await, RelayMsg::Node("node-b".into()));
    // ...and the agent to node c, which bridges it to b.
    let back = AgentMsg::Resume {
        token: TOKEN.into(),
        resume: resume_of(routing, at, 3),
    };
    let (mut ag, answer) = reconnect(&c3, "agent", back).await;
    let (_, lost, peer_present) = resumed(answer);
    assert!(
        lost && peer_present,
        "a gap (the agent asks for a fresh snapshot)"
    );
    assert_eq!(msg(&mut ag).await, RelayMsg::Node("node-b".into()));
    assert_eq!(msg(&mut c).await, RelayMsg::PeerBack);
    send(&mut c, 4, CustomerMsg::Sealed(vec![4])).await;
    let env = next(&mut ag).await.unwrap();
    assert_eq!((env.seq, env.msg), (4, RelayMsg::Sealed(vec![4])));
    send(&mut ag, 1, AgentMsg::Sealed(vec![1])).await;
    assert_eq!(msg(&mut c).await, RelayMsg::Sealed(vec![1]));
    // A resume with a wrong token is refused on the new owner too.
    let mut thief = connect(&c3, "customer").await;
    send(
        &mut thief,
        0,
        CustomerMsg::Resume(resume_of(routing, [0; 16], 0)),
    )
    .await;
    privacy_rules(&mut thief).await;
    let RelayMsg::Error { code, .. } = msg(&mut thief).await else {
        panic!("an error")
    };
    assert_eq!(code, ErrorCode::CannotResume);
}

#[tokio::test]
async fn sigterm_drains_a_node_and_it_exits() {
    let redis = RedisServer::start();
    let (mut a, b) = (node(&redis, "node-a"), node(&redis, "node-b"));
    let (mut c, ct, mut ag, _at, routing) = session_on(&a, "node-a").await;
    a.terminate();
    for ws in [&mut c, &mut ag] {
        let Err((code, _)) = next(ws).await else {
            panic!("a close")
        };
        assert_eq!(
            u16::from(code),
            1012,
            "told to reconnect, not that the session ended"
        );
    }
    let (mut c, rules) = reconnect(
        &b,
        "customer",
        CustomerMsg::Resume(resume_of(routing, ct, 0)),
    )
    .await;
    assert!(matches!(rules, RelayMsg::Privacy(_)));
    assert!(matches!(msg(&mut c).await, RelayMsg::Resumed { .. }));
    // Its only session taken over, node a exits cleanly, well before its drain timeout (10 s).
    let exited = tokio::task::spawn_blocking(move || a.wait(Duration::from_secs(8)))
        .await
        .unwrap();
    assert_eq!(exited, Some(0), "node a exited cleanly after draining");
}
