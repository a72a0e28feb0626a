//! A Redis Cluster (3 masters, 3 replicas) losing a master in the middle of a session between
//! two relay nodes: after the replica takes over, the session goes on and new sessions start.

mod common;

use common::*;
use shared_protocol::*;
use test_servers::RedisCluster;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_across_nodes_outlives_a_redis_master() {
    let mut redis = RedisCluster::start(3);
    let node = |name: &'static str| {
        let urls = redis.urls();
        relay_configured(move |c| {
            c.redis_url = urls;
            c.node_id = Some(name.into());
        })
    };
    let (a, b) = (node("node-a").await, node("node-b").await);
    let (mut c, routing) = waiting_session(&a).await;
    assert!(matches!(msg(&mut c).await, RelayMsg::Node(_)));
    let mut ag = agent(&b).await;
    join_request(&mut ag, TOKEN, routing).await;
    assert!(matches!(msg(&mut ag).await, RelayMsg::Joined { .. }));
    assert!(matches!(msg(&mut ag).await, RelayMsg::Node(_)));
    assert_eq!(msg(&mut c).await, RelayMsg::AgentJoined);

    // The master holding the owner's inbox (where the agent's frames go) dies.
    let owner = redis
        .cli(&["HGET", &format!("cb:live:{{{routing}}}"), "owner"])
        .expect("the session's record");
    redis.kill_master_of(&format!("cb:inbox:{{{owner}}}"));
    // Frames sent while the replica takes over wait, then arrive in order.
    for seq in 1..=20u64 {
        send(&mut ag, seq, AgentMsg::Sealed(vec![seq as u8])).await;
        send(&mut c, seq, CustomerMsg::Sealed(vec![seq as u8])).await;
    }
    // Waiting blocks: not on the runtime the two nodes run on.
    tokio::task::block_in_place(|| redis.wait_healthy());
    for seq in 1..=20u64 {
        let env = next(&mut c).await.expect("a frame from the agent");
        assert_eq!((env.seq, env.msg), (seq, RelayMsg::Sealed(vec![seq as u8])));
        let env = next(&mut ag).await.expect("a frame from the customer");
        assert_eq!((env.seq, env.msg), (seq, RelayMsg::Sealed(vec![seq as u8])));
    }
    // New sessions start, and are found from the other node.
    let (_c2, second) = waiting_session(&b).await;
    let mut ag2 = agent(&a).await;
    join_request(&mut ag2, SUPERVISOR, second).await;
    assert!(matches!(msg(&mut ag2).await, RelayMsg::Joined { .. }));
}
