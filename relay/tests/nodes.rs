//! Several relay nodes sharing Redis (a real `redis-server`, alone and as a Redis Cluster):
//! a customer and an agent on different nodes, their frames crossing through Redis in order and
//! untouched; codes unique across nodes; the live session list of the whole cluster.

mod common;

use std::sync::OnceLock;

use common::*;
use shared_protocol::*;
use test_servers::{RedisCluster, RedisServer};

/// One Redis server and one 3-master cluster for the whole binary.
fn single() -> &'static RedisServer {
    static SERVER: OnceLock<RedisServer> = OnceLock::new();
    SERVER.get_or_init(RedisServer::start)
}

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
    sealed_frames_cross_nodes(vec![single().url()]).await;
}

#[tokio::test]
async fn a_customer_and_an_agent_on_different_nodes_talk_through_a_redis_cluster() {
    sealed_frames_cross_nodes(cluster().urls()).await;
}

#[tokio::test]
async fn an_unknown_code_is_unknown_on_every_node() {
    let urls = vec![single().url()];
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
