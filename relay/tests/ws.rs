//! The relay over real WebSockets (tokio-tungstenite clients against `run` on port 0):
//! lifecycle, routing, and every kind of bad input getting a clear answer.

mod common;

use std::time::Duration;

use cobrowse_relay::roles::Role;
use cobrowse_relay::store::{SessionStore, SqliteStore};
use common::*;
use futures_util::SinkExt;
use shared_protocol::*;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn sealed_frames_are_routed_both_ways_and_agent_exit_ends_both() {
    let r = relay().await;
    let (mut c, mut a, routing) = joined(&r).await;
    send(&mut c, 2, CustomerMsg::Sealed(b"page bytes".to_vec())).await;
    let env = next(&mut a).await.unwrap();
    assert_eq!(
        (env.session, env.seq),
        (routing, 2),
        "sender's sequence number kept"
    );
    assert_eq!(env.msg, RelayMsg::Sealed(b"page bytes".to_vec()));
    send(&mut a, 2, AgentMsg::Sealed(b"resync".to_vec())).await;
    assert_eq!(msg(&mut c).await, RelayMsg::Sealed(b"resync".to_vec()));

    send(&mut a, 3, AgentMsg::Exit).await;
    let ended = RelayMsg::Ended {
        reason: EndReason::AgentExit,
    };
    assert_eq!(msg(&mut a).await, ended);
    assert_eq!(msg(&mut c).await, ended);
    assert_eq!(next(&mut c).await.unwrap_err().0, CloseCode::Normal);

    // The session is recorded, and an ended session cannot be rejoined.
    let mut late = agent(&r).await;
    send(
        &mut late,
        1,
        AgentMsg::Join {
            token: TOKEN.into(),
            routing,
        },
    )
    .await;
    assert!(matches!(
        msg(&mut late).await,
        RelayMsg::Error {
            code: ErrorCode::UnknownCode,
            ..
        }
    ));
    // Store writes are queued: poll until the end is on disk.
    let store = SqliteStore::open(r.data.path()).unwrap();
    let mut rec = None;
    for _ in 0..250 {
        rec = store.recent(1).unwrap().pop();
        if rec.as_ref().is_some_and(|r| r.end_reason.is_some()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let rec = rec.expect("a stored session");
    assert_eq!(rec.routing, routing);
    assert_eq!(rec.agent_id.as_deref(), Some("agent-1"));
    assert_eq!(rec.end_reason.as_deref(), Some("agent_exit"));
}

#[tokio::test]
async fn a_customer_gone_past_the_grace_period_ends_the_session() {
    let r = relay_configured(|c| c.disconnect_grace = Duration::from_millis(300)).await;
    let (c, mut a, _) = joined(&r).await;
    drop(c);
    assert_eq!(msg(&mut a).await, RelayMsg::PeerAway);
    assert_eq!(
        msg(&mut a).await,
        RelayMsg::Ended {
            reason: EndReason::Disconnect
        }
    );
}

#[tokio::test]
async fn a_silent_socket_is_dropped_after_the_heartbeat_timeout() {
    let r = relay_configured(|c| {
        c.heartbeat_timeout = Duration::from_millis(400);
        c.disconnect_grace = Duration::from_millis(300);
    })
    .await;
    let (mut c, routing) = waiting_session(&r).await;
    let mut a = agent(&r).await;
    join_request(&mut a, TOKEN, routing).await;
    assert!(matches!(msg(&mut a).await, RelayMsg::Joined { .. }));
    assert_eq!(msg(&mut c).await, RelayMsg::AgentJoined);
    // The agent keeps its heartbeats going; the customer falls silent.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        send(&mut a, 0, AgentMsg::Heartbeat { last_received: 0 }).await;
    }
    assert_eq!(msg(&mut a).await, RelayMsg::PeerAway);
    assert_eq!(
        msg(&mut a).await,
        RelayMsg::Ended {
            reason: EndReason::Disconnect
        }
    );
}

#[tokio::test]
async fn an_agent_socket_killed_mid_session_resumes_with_nothing_lost_or_doubled() {
    let r = relay().await;
    let (mut c, _, mut a, agent_token, routing) = joined_with_tokens(&r).await;
    for seq in 1..=2 {
        send(&mut c, seq, CustomerMsg::Sealed(vec![seq as u8])).await;
        assert_eq!(sealed_seq(&mut a).await, seq);
    }
    drop(a);
    assert_eq!(msg(&mut c).await, RelayMsg::PeerAway);
    for seq in 3..=4 {
        send(&mut c, seq, CustomerMsg::Sealed(vec![seq as u8])).await;
    }
    // A wrong token cannot take the agent's place.
    let mut thief = agent(&r).await;
    let wrong = Resume {
        routing,
        resume_token: [9; 16],
        last_received: 0,
        reloaded: false,
    };
    send(
        &mut thief,
        0,
        AgentMsg::Resume {
            token: TOKEN.into(),
            resume: wrong,
        },
    )
    .await;
    assert!(matches!(
        msg(&mut thief).await,
        RelayMsg::Error {
            code: ErrorCode::CannotResume,
            ..
        }
    ));

    let mut a = agent(&r).await;
    let resume = Resume {
        routing,
        resume_token: agent_token,
        last_received: 2,
        reloaded: false,
    };
    send(
        &mut a,
        0,
        AgentMsg::Resume {
            token: TOKEN.into(),
            resume,
        },
    )
    .await;
    assert_eq!(
        msg(&mut a).await,
        RelayMsg::Resumed {
            last_received: 0,
            lost: false,
            peer_present: true
        }
    );
    assert_eq!(sealed_seq(&mut a).await, 3);
    assert_eq!(sealed_seq(&mut a).await, 4);
    assert_eq!(msg(&mut c).await, RelayMsg::PeerBack);
    send(&mut c, 5, CustomerMsg::Sealed(vec![5])).await;
    assert_eq!(
        sealed_seq(&mut a).await,
        5,
        "no duplicates, nothing missing"
    );
}

#[tokio::test]
async fn a_customer_resumes_and_learns_what_to_resend() {
    let r = relay().await;
    let (mut c, customer_token, mut a, _, routing) = joined_with_tokens(&r).await;
    send(&mut c, 1, CustomerMsg::Sealed(vec![1])).await;
    assert_eq!(sealed_seq(&mut a).await, 1);
    send(&mut a, 1, AgentMsg::Sealed(vec![0xA1])).await;
    assert_eq!(sealed_seq(&mut c).await, 1);
    drop(c);
    assert_eq!(msg(&mut a).await, RelayMsg::PeerAway);
    send(&mut a, 2, AgentMsg::Sealed(vec![0xA2])).await;
    let mut c = customer(&r).await;
    let resume = Resume {
        routing,
        resume_token: customer_token,
        last_received: 1,
        reloaded: false,
    };
    send(&mut c, 0, CustomerMsg::Resume(resume)).await;
    privacy_rules(&mut c).await;
    // The relay had the customer's frame 1: the customer resends from 2.
    assert_eq!(
        msg(&mut c).await,
        RelayMsg::Resumed {
            last_received: 1,
            lost: false,
            peer_present: true
        }
    );
    assert_eq!(sealed_seq(&mut c).await, 2);
    assert_eq!(msg(&mut a).await, RelayMsg::PeerBack);
}

#[tokio::test]
async fn a_customer_from_another_origin_is_refused() {
    let r = relay().await;
    let mut req = format!("ws://{}/ws/customer", r.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("Origin", "http://evil.test".parse().unwrap());
    let err = connect_async(req).await.unwrap_err().to_string();
    assert!(err.contains("403"), "{err}");
}

#[tokio::test]
async fn a_bad_token_is_refused_with_a_policy_close() {
    let r = relay().await;
    let (_customer, routing) = waiting_session(&r).await;
    let mut a = agent(&r).await;
    join_request(&mut a, "wrong-token-wrong-token", routing).await;
    assert!(matches!(
        msg(&mut a).await,
        RelayMsg::Error {
            code: ErrorCode::Unauthorized,
            ..
        }
    ));
    assert_eq!(next(&mut a).await.unwrap_err().0, CloseCode::Policy);
}

#[tokio::test]
async fn an_unknown_code_can_be_retried_on_the_same_socket() {
    let r = relay().await;
    let (_customer, routing) = waiting_session(&r).await;
    let mut a = agent(&r).await;
    let wrong = (routing + 1) % code::ROUTING_SPACE;
    join_request(&mut a, TOKEN, wrong).await;
    assert!(matches!(
        msg(&mut a).await,
        RelayMsg::Error {
            code: ErrorCode::UnknownCode,
            ..
        }
    ));
    send(
        &mut a,
        2,
        AgentMsg::Join {
            token: TOKEN.into(),
            routing,
        },
    )
    .await;
    assert!(matches!(msg(&mut a).await, RelayMsg::Joined { .. }));
}

#[tokio::test]
async fn malformed_frames_close_that_socket_only() {
    let r = relay().await;
    let (mut c, mut a, _) = joined(&r).await;
    let mut other = customer(&r).await;
    other
        // This version, role Customer, session 0, Reliable, seq 1, message kind 100.
        .send(Message::Binary(
            vec![PROTOCOL_VERSION as u8, 0, 0, 0, 1, 100].into(),
        ))
        .await
        .unwrap();
    let RelayMsg::Error { code, message } = msg(&mut other).await else {
        panic!()
    };
    assert_eq!(code, ErrorCode::BadFrame);
    assert_eq!(message, "unknown message kind");
    let (close, reason) = next(&mut other).await.unwrap_err();
    assert_eq!(
        (close, reason.as_str()),
        (CloseCode::Protocol, "unknown message kind")
    );

    let mut text = customer(&r).await;
    text.send(Message::Text("hello".into())).await.unwrap();
    assert!(matches!(
        msg(&mut text).await,
        RelayMsg::Error {
            code: ErrorCode::BadFrame,
            ..
        }
    ));

    let mut future = customer(&r).await;
    let mut bad = Envelope::new(0, Delivery::Reliable, 1, CustomerMsg::Exit);
    bad.version = PROTOCOL_VERSION + 1;
    future
        .send(Message::Binary(postcard::to_allocvec(&bad).unwrap().into()))
        .await
        .unwrap();
    let RelayMsg::Error { message, .. } = msg(&mut future).await else {
        panic!()
    };
    assert!(message.contains("version"), "{message}");

    // The joined session is untouched.
    send(&mut c, 2, CustomerMsg::Sealed(vec![7])).await;
    assert_eq!(msg(&mut a).await, RelayMsg::Sealed(vec![7]));
}

#[tokio::test]
async fn a_session_nobody_joins_ends_after_the_inactivity_timeout() {
    let r = relay_with(Duration::from_secs(1)).await;
    let mut c = customer(&r).await;
    send(
        &mut c,
        1,
        CustomerMsg::Create {
            page: page(),
            user_agent: String::new(),
            first_session: true,
        },
    )
    .await;
    assert!(matches!(msg(&mut c).await, RelayMsg::Created { .. }));
    privacy_rules(&mut c).await;
    assert_eq!(
        msg(&mut c).await,
        RelayMsg::Ended {
            reason: EndReason::Inactivity
        }
    );
}

#[tokio::test]
async fn health_reports_live_sessions() {
    let r = relay().await;
    let (_c, _a, _) = joined(&r).await;
    let response = reqwest::get(format!("http://{}/health", r.addr))
        .await
        .unwrap();
    let node = response.headers()["x-cobrowse-node"]
        .to_str()
        .unwrap()
        .to_string();
    let body: serde_json::Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["live_sessions"], 1);
    assert_eq!(body["node"], node, "the node that answered names itself");
    assert!(
        node.ends_with(&format!(":{}", r.addr.port())),
        "host:port by default: {node}"
    );
}

#[tokio::test]
async fn key_exchange_is_forwarded_and_failed_verifications_remove_the_agent_then_end() {
    let r = relay().await;
    let (mut c, mut a, routing) = joined(&r).await;
    send(
        &mut c,
        0,
        CustomerMsg::Key(KeyExchange::Spake {
            exchange: 9,
            message: vec![1, 2],
            proof: vec![3],
        }),
    )
    .await;
    assert_eq!(
        msg(&mut a).await,
        RelayMsg::Key(KeyExchange::Spake {
            exchange: 9,
            message: vec![1, 2],
            proof: vec![3],
        })
    );
    send(
        &mut a,
        0,
        AgentMsg::Key(KeyExchange::Confirm {
            exchange: 9,
            mac: vec![3],
        }),
    )
    .await;
    assert_eq!(
        msg(&mut c).await,
        RelayMsg::Key(KeyExchange::Confirm {
            exchange: 9,
            mac: vec![3]
        })
    );
    for left in [2u8, 1] {
        send(&mut c, 0, CustomerMsg::VerificationFailed).await;
        let notice = RelayMsg::VerificationFailed {
            attempts_left: left,
        };
        assert_eq!(msg(&mut c).await, notice);
        assert_eq!(msg(&mut a).await, notice);
        assert_eq!(next(&mut a).await.unwrap_err().0, CloseCode::Policy);
        // The customer keeps waiting; another try joins the same session.
        a = agent(&r).await;
        join_request(&mut a, TOKEN, routing).await;
        assert!(matches!(msg(&mut a).await, RelayMsg::Joined { .. }));
        assert_eq!(msg(&mut c).await, RelayMsg::AgentJoined);
    }
    send(&mut c, 0, CustomerMsg::VerificationFailed).await;
    let ended = RelayMsg::Ended {
        reason: EndReason::VerificationFailed,
    };
    assert_eq!(msg(&mut c).await, ended);
    assert_eq!(msg(&mut a).await, ended);
}

#[tokio::test]
async fn an_agent_at_its_limit_is_refused_and_the_customer_keeps_waiting() {
    let second = "agent-token-second-0123";
    let r = relay_configured(|c| c.agent_tokens = vec![TOKEN.into(), second.into()]).await;
    let (mut c1, mut a, _) = joined(&r).await; // agent-1 is at its limit of 1
    let (mut c2, routing2) = waiting_session(&r).await;
    let mut busy = agent(&r).await;
    join_request(&mut busy, TOKEN, routing2).await;
    let RelayMsg::Error { code, message } = msg(&mut busy).await else {
        panic!("an error")
    };
    assert_eq!(code, ErrorCode::AgentBusy);
    assert!(message.contains("limit"), "{message}");
    // Another agent still takes the session: the customer's next message after the refusal
    // is that an agent joined, not that the session ended.
    let mut a2 = agent(&r).await;
    join_request(&mut a2, second, routing2).await;
    assert!(matches!(msg(&mut a2).await, RelayMsg::Joined { .. }));
    assert_eq!(msg(&mut c2).await, RelayMsg::AgentJoined);
    // The first session goes on.
    send(&mut c1, 1, CustomerMsg::Sealed(vec![1])).await;
    assert_eq!(msg(&mut a).await, RelayMsg::Sealed(vec![1]));
}

#[tokio::test]
async fn a_limit_of_zero_lets_an_agent_join_many_sessions() {
    let r = relay_configured(|c| c.agent_sessions_limit = 0).await;
    let (_c1, _a1, _) = joined(&r).await;
    let (_c2, _a2, _) = joined(&r).await;
}

#[tokio::test]
async fn join_attempts_are_rate_limited_per_agent() {
    let r = relay_configured(|c| c.join_attempts_per_minute = 3).await;
    let mut a = agent(&r).await;
    for attempt in 0..4 {
        join_request(&mut a, TOKEN, 99_999 - attempt).await;
        let RelayMsg::Error { code, .. } = msg(&mut a).await else {
            panic!()
        };
        let expected = if attempt < 3 {
            ErrorCode::UnknownCode
        } else {
            ErrorCode::RateLimited
        };
        assert_eq!(code, expected, "attempt {attempt}");
    }
}

#[tokio::test]
async fn signed_agent_tokens_join_and_expired_ones_are_refused() {
    let secret = "a-relay-secret-of-at-least-32-chars!";
    let r = relay_configured(|c| c.agent_token_secret = Some(secret.into())).await;
    let (_c, routing) = waiting_session(&r).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut late = agent(&r).await;
    let expired = cobrowse_relay::auth::mint(secret, Role::Agent, "alice", now - 1);
    send(
        &mut late,
        0,
        AgentMsg::Join {
            token: expired,
            routing,
        },
    )
    .await;
    let RelayMsg::Error { code, message } = msg(&mut late).await else {
        panic!()
    };
    assert_eq!(
        (code, message.as_str()),
        (ErrorCode::Unauthorized, "the agent token expired")
    );
    let mut a = agent(&r).await;
    let token = cobrowse_relay::auth::mint(secret, Role::Agent, "alice", now + 60);
    send(&mut a, 0, AgentMsg::Join { token, routing }).await;
    assert!(matches!(msg(&mut a).await, RelayMsg::Joined { .. }));
}

#[tokio::test]
async fn a_slow_agent_never_blocks_the_customer_and_catches_up_or_gets_a_gap() {
    let r = relay().await;
    let (mut c, _, mut a, _, _) = joined_with_tokens(&r).await;
    // The agent reads nothing while the customer sends far more than queue and ring hold.
    let flood = 3000u64;
    let started = std::time::Instant::now();
    for seq in 1..=flood {
        send(&mut c, seq, CustomerMsg::Sealed(vec![7; 8 * 1024])).await;
    }
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the customer was never held up"
    );
    // Now the agent reads what reached it, in order, then its heartbeat lets it catch up.
    let mut last = 0;
    loop {
        let next_msg = tokio::time::timeout(Duration::from_millis(500), next(&mut a)).await;
        match next_msg {
            Ok(Ok(env)) if matches!(env.msg, RelayMsg::Sealed(_)) => {
                assert!(
                    env.seq > last,
                    "in order, never twice: {} after {last}",
                    env.seq
                );
                last = env.seq;
            }
            Ok(Ok(env)) if env.msg == RelayMsg::Gap => break,
            Ok(other) => panic!("unexpected {other:?}"),
            Err(_) => {
                send(
                    &mut a,
                    0,
                    AgentMsg::Heartbeat {
                        last_received: last,
                    },
                )
                .await
            }
        }
    }
    assert!(
        last < flood,
        "frames were dropped ({last} of {flood}) and the agent was told"
    );
    assert_eq!(msg(&mut c).await, RelayMsg::SnapshotNeeded);
    // Frames the relay was still taking in flow on in order, then the fresh snapshot (the
    // customer's next frame) arrives too.
    send(&mut c, flood + 1, CustomerMsg::Sealed(vec![1])).await;
    loop {
        let env = next(&mut a).await.expect("a frame");
        match env.msg {
            // Still behind while the flood came in: another gap is as legitimate as the first.
            RelayMsg::Gap => continue,
            RelayMsg::Sealed(_) => {
                assert!(
                    env.seq > last,
                    "in order after the gap: {} after {last}",
                    env.seq
                );
                last = env.seq;
                if last == flood + 1 {
                    break;
                }
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_customer_socket_replaced_by_a_resume_can_no_longer_act() {
    let r = relay().await;
    let (mut old, customer_token, mut a, _, routing) = joined_with_tokens(&r).await;
    let mut fresh = customer(&r).await;
    let resume = Resume {
        routing,
        resume_token: customer_token,
        last_received: 0,
        reloaded: false,
    };
    send(&mut fresh, 0, CustomerMsg::Resume(resume)).await;
    privacy_rules(&mut fresh).await;
    assert!(matches!(msg(&mut fresh).await, RelayMsg::Resumed { .. }));
    assert_eq!(msg(&mut a).await, RelayMsg::PeerBack);
    // The old socket was told to close; whatever it still sends is not routed.
    send(&mut old, 1, CustomerMsg::Sealed(vec![0xBA, 0xD])).await;
    send(&mut old, 0, CustomerMsg::Exit).await;
    send(&mut fresh, 1, CustomerMsg::Sealed(vec![1])).await;
    let env = next(&mut a).await.unwrap();
    assert_eq!(
        (env.seq, env.msg),
        (1, RelayMsg::Sealed(vec![1])),
        "only the resumed socket speaks"
    );
}

#[tokio::test]
async fn an_agent_at_its_limit_cannot_end_another_agents_active_session() {
    let second = "agent-token-second-0123";
    let r = relay_configured(|c| c.agent_tokens = vec![TOKEN.into(), second.into()]).await;
    let (_c1, _a1, _) = joined(&r).await; // agent-1 is at its limit of 1
    let (mut c2, routing2) = waiting_session(&r).await;
    let mut a2 = agent(&r).await;
    send(
        &mut a2,
        0,
        AgentMsg::Join {
            token: second.into(),
            routing: routing2,
        },
    )
    .await;
    assert!(matches!(msg(&mut a2).await, RelayMsg::Joined { .. }));
    assert_eq!(msg(&mut c2).await, RelayMsg::AgentJoined);
    // agent-1 types the code of agent-2's session.
    let mut busy = agent(&r).await;
    send(
        &mut busy,
        0,
        AgentMsg::Join {
            token: TOKEN.into(),
            routing: routing2,
        },
    )
    .await;
    assert!(matches!(
        msg(&mut busy).await,
        RelayMsg::Error {
            code: ErrorCode::AgentBusy,
            ..
        }
    ));
    send(&mut c2, 1, CustomerMsg::Sealed(vec![2])).await;
    assert_eq!(
        msg(&mut a2).await,
        RelayMsg::Sealed(vec![2]),
        "agent-2's session goes on"
    );
}
