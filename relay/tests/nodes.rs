//! Several relay nodes sharing Redis (a real `redis-server`, alone and as a Redis Cluster):
//! a customer and an agent on different nodes, their frames crossing through Redis in order and
//! untouched; codes unique across nodes; the live session list of the whole cluster.

mod common;

use std::sync::OnceLock;

use common::*;
use shared_protocol::*;
use test_servers::{RedisCluster, RedisServer};

/// The 3-master cluster, started once for the whole binary. A single server starts in a few
/// milliseconds: each test has its own, so that agents' session counts and join attempts
/// (kept in Redis, by agent id) never meet another test's.
fn cluster() -> &'static RedisCluster {
    static CLUSTER: OnceLock<RedisCluster> = OnceLock::new();
    CLUSTER.get_or_init(|| RedisCluster::start(3))
}

async fn node(urls: Vec<String>, name: &str) -> Relay {
    let name = name.to_string();
    relay_configured(move |c| {
        c.redis_url = urls;
        c.node_id = Some(name);
    })
    .await
}

/// A waiting session on `r`, whose customer was told it runs on node `name`.
async fn create(r: &Relay, name: &str) -> (Ws, u32) {
    let (mut c, routing) = waiting_session(r).await;
    assert_eq!(msg(&mut c).await, RelayMsg::Node(name.into()));
    (c, routing)
}

async fn sealed_frames_cross_nodes(urls: Vec<String>) {
    let (a, b) = (
        node(urls.clone(), "node-a").await,
        node(urls, "node-b").await,
    );
    let (mut c, routing) = create(&a, "node-a").await;
    let mut ag = agent(&b).await;
    join_request(&mut ag, TOKEN, routing).await;
    assert!(matches!(msg(&mut ag).await, RelayMsg::Joined { .. }));
    // The owner names itself, through the bridge: the console's next sockets ask for it.
    assert_eq!(msg(&mut ag).await, RelayMsg::Node("node-a".into()));
    assert_eq!(msg(&mut c).await, RelayMsg::AgentJoined);
    // Reliable frames keep their order and bytes across the bridge, both ways.
    for seq in 1..=200u64 {
        send(&mut c, seq, CustomerMsg::Sealed(seq.to_be_bytes().to_vec())).await;
    }
    for seq in 1..=200u64 {
        let env = next(&mut ag).await.expect("a frame");
        assert_eq!(env.seq, seq);
        assert_eq!(env.msg, RelayMsg::Sealed(seq.to_be_bytes().to_vec()));
    }
    send(&mut ag, 1, AgentMsg::Sealed(vec![9, 9])).await;
    assert_eq!(msg(&mut c).await, RelayMsg::Sealed(vec![9, 9]));
    // The agent leaving through node b ends the session on node a, for both.
    send(&mut ag, 0, AgentMsg::Exit).await;
    let ended = RelayMsg::Ended {
        reason: EndReason::AgentExit,
    };
    assert_eq!(msg(&mut c).await, ended);
    assert_eq!(msg(&mut ag).await, ended);
}

#[tokio::test]
async fn a_customer_and_an_agent_on_different_nodes_talk_through_one_redis() {
    let redis = RedisServer::start();
    sealed_frames_cross_nodes(vec![redis.url()]).await;
}

#[tokio::test]
async fn a_customer_and_an_agent_on_different_nodes_talk_through_a_redis_cluster() {
    sealed_frames_cross_nodes(cluster().urls()).await;
}

#[tokio::test]
async fn an_unknown_code_is_unknown_on_every_node() {
    let redis = RedisServer::start();
    let urls = vec![redis.url()];
    let (a, b) = (
        node(urls.clone(), "node-a").await,
        node(urls, "node-b").await,
    );
    let (_c, routing) = create(&a, "node-a").await;
    let mut ag = agent(&b).await;
    let wrong = (routing + 1) % code::ROUTING_SPACE;
    join_request(&mut ag, TOKEN, wrong).await;
    let RelayMsg::Error { code, .. } = msg(&mut ag).await else {
        panic!("an error")
    };
    assert_eq!(code, ErrorCode::UnknownCode);
}

/// A customer on `a` with an agent joined through `b` (bridged), with their resume tokens.
async fn session_across(a: &Relay, b: &Relay, name_a: &str) -> (Ws, [u8; 16], Ws, [u8; 16], u32) {
    create_and_join(customer(a).await, agent(b).await, Some(name_a)).await
}

/// Skips what a socket gets before it closes; the close code.
async fn closed(ws: &mut Ws) -> u16 {
    loop {
        match next(ws).await {
            Ok(_) => continue,
            Err((code, _)) => return code.into(),
        }
    }
}

#[tokio::test]
async fn a_stopping_node_hands_its_sessions_to_the_others() {
    let redis = RedisServer::start();
    let urls = vec![redis.url()];
    let drain_fast = |name: &'static str| {
        let urls = urls.clone();
        relay_configured(move |c| {
            c.redis_url = urls;
            c.node_id = Some(name.into());
            c.drain_timeout = std::time::Duration::from_secs(8);
        })
    };
    let (a, b, c3) = (
        drain_fast("node-a").await,
        drain_fast("node-b").await,
        drain_fast("node-c").await,
    );
    let (mut c, ct, mut ag, at, routing) = session_across(&a, &b, "node-a").await;
    // A rolling restart of node a: it stops taking connections and tells its clients to move.
    let stopping = tokio::spawn(a.shut_down());
    assert_eq!(
        closed(&mut c).await,
        1012,
        "the customer is told the server restarts"
    );
    assert_eq!(
        closed(&mut ag).await,
        1012,
        "so is the agent, on the node it came through"
    );
    // The customer comes back on node c, which takes the session over.
    let mut c = customer(&c3).await;
    send(&mut c, 0, CustomerMsg::Resume(resume_of(routing, ct, 0))).await;
    privacy_rules(&mut c).await;
    let (last_received, lost, peer_present) = resumed(msg(&mut c).await);
    assert_eq!(
        last_received,
        u64::MAX,
        "nothing to resend: the old node's buffers are gone"
    );
    assert!(lost && !peer_present);
    assert_eq!(msg(&mut c).await, RelayMsg::Node("node-c".into()));
    // The agent comes back through node b, which now bridges it to node c.
    let mut ag = agent(&b).await;
    let back = AgentMsg::Resume {
        token: TOKEN.into(),
        resume: resume_of(routing, at, 0),
    };
    send(&mut ag, 0, back).await;
    let (_, lost, peer_present) = resumed(msg(&mut ag).await);
    assert!(lost && peer_present);
    assert_eq!(msg(&mut ag).await, RelayMsg::Node("node-c".into()));
    assert_eq!(msg(&mut c).await, RelayMsg::PeerBack);
    // The session goes on, both ways, numbering where each side left off.
    send(&mut c, 41, CustomerMsg::Sealed(vec![4, 1])).await;
    let env = next(&mut ag).await.unwrap();
    assert_eq!((env.seq, env.msg), (41, RelayMsg::Sealed(vec![4, 1])));
    send(&mut ag, 7, AgentMsg::Sealed(vec![7])).await;
    assert_eq!(msg(&mut c).await, RelayMsg::Sealed(vec![7]));
    // Node a stopped once its session had moved, well before its drain timeout.
    tokio::time::timeout(std::time::Duration::from_secs(6), stopping)
        .await
        .expect("node a stops once drained")
        .unwrap();
}

#[tokio::test]
async fn the_live_list_session_limits_and_join_limits_span_the_cluster() {
    let redis = RedisServer::start();
    let limited = |name: &'static str| {
        let urls = vec![redis.url()];
        relay_configured(move |c| {
            c.redis_url = urls;
            c.node_id = Some(name.into());
            c.agent_sessions_limit = 1;
            c.join_attempts_per_minute = 4;
        })
    };
    let (a, b) = (limited("node-a").await, limited("node-b").await);
    let (_c1, first) = create(&a, "node-a").await;
    let (_c2, second) = create(&b, "node-b").await;
    // Asked on either node, the list has both sessions.
    for node in [&a, &b] {
        let list = api_json(node, "/api/v1/sessions", SUPERVISOR).await;
        let mut codes: Vec<String> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["token"].as_str().unwrap().to_string())
            .collect();
        codes.sort();
        let mut want = vec![format!("{first:05}"), format!("{second:05}")];
        want.sort();
        assert_eq!(codes, want, "{list}");
    }
    // In a session through node a, the agent is at its limit of one on node b too.
    let mut ag = agent(&a).await;
    join_request(&mut ag, TOKEN, first).await;
    assert!(matches!(msg(&mut ag).await, RelayMsg::Joined { .. }));
    let mut other = agent(&b).await;
    join_request(&mut other, TOKEN, second).await;
    let RelayMsg::Error { code, .. } = msg(&mut other).await else {
        panic!("refused")
    };
    assert_eq!(code, ErrorCode::AgentBusy);
    // Join attempts are counted across nodes: 4 a minute, wherever they are made.
    let wrong = (second + 7) % code::ROUTING_SPACE;
    let mut guesses = [agent(&a).await, agent(&b).await];
    let mut refused = false;
    for attempt in 0..5 {
        let ws = &mut guesses[attempt % 2];
        join_request(ws, SUPERVISOR, wrong).await;
        match msg(ws).await {
            RelayMsg::Error {
                code: ErrorCode::UnknownCode,
                ..
            } => assert!(attempt < 4),
            RelayMsg::Error {
                code: ErrorCode::RateLimited,
                ..
            } => {
                assert_eq!(attempt, 4, "the fifth attempt, split over two nodes");
                refused = true;
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(refused);
}

#[tokio::test]
async fn a_node_whose_session_was_taken_over_lets_its_clients_go() {
    // A node that looked dead to the others for a while (its Redis shard failing over longer
    // than its heartbeat lives) finds its session owned by another node: its clients move.
    let redis = RedisServer::start();
    let a = node(vec![redis.url()], "node-a").await;
    let (mut c, routing) = create(&a, "node-a").await;
    let key = format!("cb:live:{{{routing}}}");
    assert!(redis
        .cli(&["HGET", &key, "owner"])
        .unwrap()
        .starts_with("node-a/"));
    redis
        .cli(&["HSET", &key, "owner", "node-b/00000000"])
        .unwrap();
    // Within one renewal (5 s), node a notices and tells the customer to reconnect.
    let Err((code, _)) = next(&mut c).await else {
        panic!("a close")
    };
    assert_eq!(u16::from(code), 1012);
}

#[tokio::test]
async fn a_bridged_agent_too_slow_to_read_is_dropped_and_resumes() {
    let redis = RedisServer::start();
    let urls = vec![redis.url()];
    let (a, b) = (
        node(urls.clone(), "node-a").await,
        node(urls, "node-b").await,
    );
    let (mut c, _ct, mut ag, at, routing) = session_across(&a, &b, "node-a").await;
    // The agent stops reading while the customer sends far more than the socket's queue, the
    // bridge's backlog and the owner's resume ring hold together (60 MB).
    let big = vec![7u8; 60 * 1024];
    let sent = 1000u64;
    for seq in 1..=sent {
        send(&mut c, seq, CustomerMsg::Sealed(big.clone())).await;
    }
    // Reading again, it finds its socket dropped before the last frame: memory stayed bounded.
    let mut last = 0;
    while let Ok(env) = next(&mut ag).await {
        if matches!(env.msg, RelayMsg::Sealed(_)) {
            last = env.seq;
        }
    }
    assert!(
        last < sent,
        "dropped before the end ({last} of {sent} arrived)"
    );
    // It resumes through node b and hears that frames were lost: it asks for a fresh snapshot.
    let mut ag = agent(&b).await;
    let back = AgentMsg::Resume {
        token: TOKEN.into(),
        resume: Resume {
            last_received: last,
            ..resume_of(routing, at, 0)
        },
    };
    send(&mut ag, 0, back).await;
    let (_, lost, _) = resumed(msg(&mut ag).await);
    assert!(lost, "the frames it missed were more than the ring holds");
}

#[tokio::test]
async fn the_rest_api_ends_a_session_another_node_runs() {
    let redis = RedisServer::start();
    let (a, b) = (
        node(vec![redis.url()], "node-a").await,
        node(vec![redis.url()], "node-b").await,
    );
    // The customer on node a (its owner), the agent through node b.
    let (mut c, _, mut ag, _, routing) = session_across(&a, &b, "node-a").await;
    let live = api_json(&b, "/api/v1/sessions", SUPERVISOR).await;
    let id = live
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["token"] == format!("{routing:05}"))
        .map(|s| s["sessionId"].as_str().unwrap().to_string())
        .unwrap();
    // Asked of node b: node a ends it at its next renewal (every 5 s).
    let path = format!("/api/v1/sessions/{id}/end");
    let (status, _) = api(&b, reqwest::Method::POST, &path, TOKEN).await;
    assert_eq!(status, 202);
    let ended = RelayMsg::Ended {
        reason: EndReason::ApiEnd,
    };
    for ws in [&mut c, &mut ag] {
        loop {
            let m = msg(ws).await;
            if matches!(m, RelayMsg::Ended { .. }) {
                assert_eq!(m, ended);
                break;
            }
        }
    }
}
