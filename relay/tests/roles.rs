//! Token roles and token lifetimes against the real relay on port 0: an agent token sees only
//! its own sessions and no routing codes; a supervisor sees everything; a metrics token may only
//! scrape; a live agent socket closes when its signed token expires.

mod common;

use std::time::Duration;

use cobrowse_relay::roles::Role;
use common::*;
use serde_json::Value;
use shared_protocol::*;

const OTHER_AGENT: &str = "agent-token-of-agent-2-0123456789";

async fn get(r: &Relay, path: &str, token: &str) -> (u16, String) {
    let res = reqwest::Client::new()
        .get(r.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn get_json(r: &Relay, path: &str, token: &str) -> Value {
    let (status, body) = get(r, path, token).await;
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// Joins `routing` as the agent behind `token`.
async fn join_as(r: &Relay, token: &str, routing: u32) -> Ws {
    let mut a = agent(r).await;
    join_request(&mut a, token, routing).await;
    assert!(matches!(msg(&mut a).await, RelayMsg::Joined { .. }));
    a
}

/// The session ids in a history or live list.
fn ids(list: &Value) -> Vec<String> {
    let list = list.as_array().unwrap();
    list.iter()
        .map(|s| s["sessionId"].as_str().unwrap().to_string())
        .collect()
}

/// Polls the history (writes are queued) until it holds `n` sessions.
async fn history_of(r: &Relay, token: &str, n: usize) -> Value {
    for _ in 0..250 {
        let h = get_json(r, "/api/v1/history", token).await;
        if h.as_array().unwrap().len() >= n {
            return h;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the history never held {n} sessions")
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn an_agent_token_sees_only_its_own_sessions_and_no_codes() {
    let r = relay_configured(|c| c.agent_tokens = vec![TOKEN.into(), OTHER_AGENT.into()]).await;
    let (_c1, routing1) = waiting_session(&r).await;
    let _a1 = join_as(&r, TOKEN, routing1).await;
    let (_c2, routing2) = waiting_session(&r).await;
    let _a2 = join_as(&r, OTHER_AGENT, routing2).await;
    let (_c3, _waiting) = waiting_session(&r).await;

    let live = get_json(&r, "/api/v1/sessions", TOKEN).await;
    let live = live.as_array().unwrap();
    assert_eq!(live.len(), 1, "only agent-1's own session: {live:?}");
    assert_eq!(live[0]["agentId"], "agent-1");
    assert!(live[0].get("token").is_none(), "no routing code: {live:?}");

    // Once the store holds both sessions (the join is stored), each agent sees only its own.
    let mine = history_of(&r, TOKEN, 1).await;
    let theirs = history_of(&r, OTHER_AGENT, 1).await;
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine[0]["agentId"], "agent-1");
    assert_eq!(theirs[0]["agentId"], "agent-2");
    let their_id = ids(&theirs)[0].clone();
    let (status, body) = get(&r, &format!("/api/v1/history/{their_id}"), TOKEN).await;
    assert_eq!(status, 404, "another agent's session is not found: {body}");
    let my_id = ids(&mine)[0].clone();
    assert_eq!(
        get(&r, &format!("/api/v1/history/{my_id}"), TOKEN).await.0,
        200
    );
}

#[tokio::test]
async fn a_supervisor_sees_every_session_with_its_code() {
    let r = relay_configured(|c| c.agent_tokens = vec![TOKEN.into(), OTHER_AGENT.into()]).await;
    let (_c1, routing1) = waiting_session(&r).await;
    let _a1 = join_as(&r, TOKEN, routing1).await;
    let (_c2, routing2) = waiting_session(&r).await;
    let _a2 = join_as(&r, OTHER_AGENT, routing2).await;
    let (_c3, waiting) = waiting_session(&r).await;

    let live = get_json(&r, "/api/v1/sessions", SUPERVISOR).await;
    let codes: Vec<&str> = live
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["token"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = [routing1, routing2, waiting]
        .iter()
        .map(|r| format!("{r:05}"))
        .collect();
    assert_eq!(codes, expected);
    let history = history_of(&r, SUPERVISOR, 3).await;
    let agents: Vec<&Value> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["agentId"])
        .collect();
    assert_eq!(
        agents,
        [
            &Value::from("agent-1"),
            &Value::from("agent-2"),
            &Value::Null
        ]
    );
    let theirs = ids(&history)[1].clone();
    let one = get_json(&r, &format!("/api/v1/history/{theirs}"), SUPERVISOR).await;
    assert_eq!(one["agentId"], "agent-2");
    assert_eq!(get(&r, "/metrics", SUPERVISOR).await.0, 200);
}

#[tokio::test]
async fn a_metrics_token_may_only_scrape() {
    let r = relay().await;
    let (status, body) = get(&r, "/metrics", METRICS).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("cobrowse_"), "{body}");
    let some_id = uuid::Uuid::new_v4();
    for path in [
        "/api/v1/sessions".to_string(),
        "/api/v1/history".to_string(),
        format!("/api/v1/history/{some_id}"),
    ] {
        let (status, body) = get(&r, &path, METRICS).await;
        assert_eq!(status, 403, "{path}");
        assert!(body.contains("may only read /metrics"), "{path}: {body}");
    }
    // Nor can it join a session.
    let (_c, routing) = waiting_session(&r).await;
    let mut a = agent(&r).await;
    join_request(&mut a, METRICS, routing).await;
    let RelayMsg::Error { code, message } = msg(&mut a).await else {
        panic!("an error")
    };
    assert_eq!(code, ErrorCode::Unauthorized);
    assert!(message.contains("cannot join"), "{message}");
    let (close, _) = next(&mut a).await.expect_err("a close");
    assert_eq!(u16::from(close), 1008);
}

#[tokio::test]
async fn an_agent_token_may_not_scrape() {
    let r = relay().await;
    let (status, body) = get(&r, "/metrics", TOKEN).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("supervisor"), "{body}");
}

#[tokio::test]
async fn signed_tokens_carry_their_role() {
    let secret = "a-relay-secret-of-at-least-32-chars!";
    let r = relay_configured(|c| c.agent_token_secret = Some(secret.into())).await;
    let later = unix_now() + 60;
    let supervisor = cobrowse_relay::auth::mint(secret, Role::Supervisor, "sam", later);
    let scraper = cobrowse_relay::auth::mint(secret, Role::Metrics, "prom", later);
    let agent = cobrowse_relay::auth::mint(secret, Role::Agent, "alice", later);
    let (_c, routing) = waiting_session(&r).await;
    let live = get_json(&r, "/api/v1/sessions", &supervisor).await;
    assert_eq!(live[0]["token"], format!("{routing:05}"));
    assert_eq!(get(&r, "/metrics", &scraper).await.0, 200);
    assert_eq!(get(&r, "/api/v1/sessions", &scraper).await.0, 403);
    assert_eq!(get(&r, "/metrics", &agent).await.0, 403);
    let none = get_json(&r, "/api/v1/sessions", &agent).await;
    assert_eq!(none, Value::Array(vec![]), "alice is in no session");
}

#[tokio::test]
async fn a_live_agent_socket_closes_when_its_signed_token_expires() {
    let secret = "a-relay-secret-of-at-least-32-chars!";
    let r = relay_configured(|c| c.agent_token_secret = Some(secret.into())).await;
    let (mut c, routing) = waiting_session(&r).await;
    let token = cobrowse_relay::auth::mint(secret, Role::Agent, "alice", unix_now() + 2);
    let mut a = join_as(&r, &token, routing).await;
    assert_eq!(msg(&mut c).await, RelayMsg::AgentJoined);
    // Heartbeats keep the socket alive until the token runs out (at most 2 s from now).
    let closed = loop {
        match tokio::time::timeout(Duration::from_millis(500), next(&mut a)).await {
            Err(_) => send(&mut a, 0, AgentMsg::Heartbeat { last_received: 0 }).await,
            Ok(Ok(env)) => match env.msg {
                RelayMsg::Error { code, message } => {
                    assert_eq!(code, ErrorCode::Unauthorized);
                    assert!(message.contains("expired"), "{message}");
                }
                other => panic!("unexpected {other:?}"),
            },
            Ok(Err(close)) => break close,
        }
    };
    assert_eq!(u16::from(closed.0), 1008, "{closed:?}");
    assert!(closed.1.contains("expired"), "{closed:?}");
}

/// Skips what comes before the session's end; its reason.
async fn end_reason(ws: &mut Ws) -> EndReason {
    loop {
        if let RelayMsg::Ended { reason } = msg(ws).await {
            return reason;
        }
    }
}

async fn post_end(r: &Relay, id: &str, token: &str) -> u16 {
    let path = format!("/api/v1/sessions/{id}/end");
    api(r, reqwest::Method::POST, &path, token).await.0
}

#[tokio::test]
async fn the_rest_api_ends_a_session_for_its_agent_or_a_supervisor() {
    let r = relay_configured(|c| c.agent_tokens = vec![TOKEN.into(), OTHER_AGENT.into()]).await;
    let (mut c1, routing1) = waiting_session(&r).await;
    let mut a1 = join_as(&r, TOKEN, routing1).await;
    let (_c2, routing2) = waiting_session(&r).await;
    let _a2 = join_as(&r, OTHER_AGENT, routing2).await;
    let (mut c3, routing3) = waiting_session(&r).await;
    // The supervisor's live list names each session's code: the ids by code.
    let live = get_json(&r, "/api/v1/sessions", SUPERVISOR).await;
    let id_of = |routing: u32| {
        live.as_array()
            .unwrap()
            .iter()
            .find(|s| s["token"] == format!("{routing:05}"))
            .map(|s| s["sessionId"].as_str().unwrap().to_string())
            .unwrap()
    };
    let (id1, id2, id3) = (id_of(routing1), id_of(routing2), id_of(routing3));

    assert_eq!(post_end(&r, &id1, METRICS).await, 403);
    assert_eq!(
        post_end(&r, &id1, OTHER_AGENT).await,
        404,
        "another agent's"
    );
    assert_eq!(post_end(&r, "not-a-session", TOKEN).await, 400);
    let unknown = uuid::Uuid::new_v4().to_string();
    assert_eq!(post_end(&r, &unknown, SUPERVISOR).await, 404);

    // The agent's desktop ends its session: both sides are told why.
    assert_eq!(post_end(&r, &id1, TOKEN).await, 204);
    assert_eq!(end_reason(&mut c1).await, EndReason::ApiEnd);
    assert_eq!(end_reason(&mut a1).await, EndReason::ApiEnd);
    assert_eq!(post_end(&r, &id1, TOKEN).await, 404, "ended already");

    // A waiting session has no agent: only a supervisor may end it.
    assert_eq!(post_end(&r, &id3, TOKEN).await, 404);
    assert_eq!(post_end(&r, &id3, SUPERVISOR).await, 204);
    assert_eq!(end_reason(&mut c3).await, EndReason::ApiEnd);

    // The other agent's session goes on; the history has the reason.
    assert_eq!(
        ids(&get_json(&r, "/api/v1/sessions", SUPERVISOR).await),
        vec![id2]
    );
    // (Writes are queued: the end lands a moment after the session's record.)
    for _ in 0..250 {
        let history = get_json(&r, "/api/v1/history", SUPERVISOR).await;
        let reason = history
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["sessionId"] == id1.as_str())
            .map(|s| s["endReason"].clone());
        if reason == Some(Value::from("api_end")) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the history never recorded the end reason api_end");
}
