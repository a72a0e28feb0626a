//! A lone relay stopped (`SIGTERM`, Ctrl-C) and started again: both sides are told the service
//! is restarting, come back with their resume tokens and the session goes on, one session in
//! the history; a session whose grace ran out while the relay was down ends as `shutdown`,
//! recorded when the relay stopped, and its report goes out; a side already away at the stop
//! keeps only the grace it had left.

mod common;

use std::time::Duration;

use cobrowse_relay::store::{SessionStore, SqliteStore};
use common::*;
use shared_protocol::*;

const SAVED: &str = "live-sessions.json";

/// The close code and reason that end `ws`, after any messages before it.
async fn closed(ws: &mut Ws) -> (u16, String) {
    loop {
        match next(ws).await {
            Ok(_) => continue,
            Err((code, reason)) => return (code.into(), reason),
        }
    }
}

/// What the relay answers a customer resuming `routing` with `token`: the error it expects.
async fn resume_error(r: &Relay, routing: u32, token: [u8; 16]) -> ErrorCode {
    let mut c = customer(r).await;
    send(&mut c, 0, CustomerMsg::Resume(resume_of(routing, token, 0))).await;
    privacy_rules(&mut c).await;
    let RelayMsg::Error { code, .. } = msg(&mut c).await else {
        panic!("an error")
    };
    code
}

/// Stops `r` and reads the history's newest session.
async fn last_record(r: Relay) -> cobrowse_relay::store::SessionRecord {
    let data = r.shut_down().await;
    let store = SqliteStore::open(data.path()).unwrap();
    store.recent(1).unwrap().pop().unwrap()
}

#[tokio::test]
async fn a_restarted_relay_takes_its_sessions_back() {
    let r = relay().await;
    let addr = r.addr.to_string();
    let (mut c, ct, mut a, at, routing) = joined_with_tokens(&r).await;
    send(&mut c, 1, CustomerMsg::Sealed(vec![1])).await;
    assert_eq!(msg(&mut a).await, RelayMsg::Sealed(vec![1]));
    let stopping = tokio::spawn(r.shut_down());
    let restarting = (1012, cobrowse_relay::restart::RESTARTING.to_string());
    assert_eq!(closed(&mut c).await, restarting, "the customer is told");
    assert_eq!(closed(&mut a).await, restarting, "so is the agent");
    let data = stopping.await.unwrap();
    assert!(data.path().join(SAVED).exists());
    let rec = {
        let store = SqliteStore::open(data.path()).unwrap();
        store.recent(1).unwrap().pop().unwrap()
    };
    assert_eq!((rec.routing, rec.end_reason), (routing, None), "not ended");

    // The same relay again, where it was.
    let r = relay_in(data, &addr, |_| {}).await;
    let mut c = customer(&r).await;
    send(&mut c, 0, CustomerMsg::Resume(resume_of(routing, ct, 1))).await;
    privacy_rules(&mut c).await;
    let (last_received, lost, peer_present) = resumed(msg(&mut c).await);
    assert_eq!(
        last_received,
        u64::MAX,
        "the relay's buffers did not survive"
    );
    assert!(lost && !peer_present);
    let mut a = agent(&r).await;
    let back = AgentMsg::Resume {
        token: TOKEN.into(),
        resume: resume_of(routing, at, 1),
    };
    send(&mut a, 0, back).await;
    let (_, lost, peer_present) = resumed(msg(&mut a).await);
    assert!(lost && peer_present);
    assert_eq!(msg(&mut c).await, RelayMsg::PeerBack);
    send(&mut c, 2, CustomerMsg::Sealed(vec![2])).await;
    let env = next(&mut a).await.unwrap();
    assert_eq!((env.seq, env.msg), (2, RelayMsg::Sealed(vec![2])));
    send(&mut a, 1, AgentMsg::Sealed(vec![7])).await;
    assert_eq!(msg(&mut c).await, RelayMsg::Sealed(vec![7]));
    assert!(!r.data.path().join(SAVED).exists(), "read once");
    // A stolen code without the token gets nothing.
    let mut thief = customer(&r).await;
    let guess = CustomerMsg::Resume(resume_of(routing, [0; 16], 0));
    send(&mut thief, 0, guess).await;
    privacy_rules(&mut thief).await;
    let RelayMsg::Error { code, .. } = msg(&mut thief).await else {
        panic!("an error")
    };
    assert_eq!(code, ErrorCode::CannotResume);
    // The customer ends it: one session in the history, ended once.
    send(&mut c, 3, CustomerMsg::Exit).await;
    let ended = RelayMsg::Ended {
        reason: EndReason::CustomerExit,
    };
    assert_eq!(msg(&mut a).await, ended);
    let data = r.shut_down().await;
    let store = SqliteStore::open(data.path()).unwrap();
    let all = store.recent(10).unwrap();
    assert_eq!(all.len(), 1, "one session, not two");
    assert_eq!(all[0].end_reason.as_deref(), Some("customer_exit"));
    assert!(!data.path().join(SAVED).exists(), "nothing live to save");
}

#[tokio::test]
async fn a_session_whose_grace_ran_out_while_the_relay_was_down_ends_when_it_stopped() {
    let reports = tempfile::tempdir().unwrap();
    let report_file = reports.path().join("reports.jsonl");
    let file = report_file.clone();
    let short_grace = move |c: &mut cobrowse_relay::Config| {
        c.disconnect_grace = Duration::from_millis(300);
        c.navigation_grace = Duration::from_millis(300);
        c.report_file = Some(file.clone());
    };
    let r = relay_configured(short_grace.clone()).await;
    let addr = r.addr.to_string();
    let (mut c, ct, _a, _at, routing) = joined_with_tokens(&r).await;
    let stopping = tokio::spawn(r.shut_down());
    assert_eq!(closed(&mut c).await.0, 1012);
    let data = stopping.await.unwrap();
    let stopped_by = cobrowse_relay::store::now_millis();
    // Down for longer than the grace: that is the case under test.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let r = relay_in(data, &addr, short_grace).await;
    assert_eq!(resume_error(&r, routing, ct).await, ErrorCode::CannotResume);
    let rec = last_record(r).await;
    assert_eq!(rec.end_reason.as_deref(), Some("shutdown"));
    assert!(
        rec.ended_at.unwrap() <= stopped_by,
        "ended when the relay stopped, not when it came back"
    );
    // Its report went out before the second relay's `run` returned.
    let lines = std::fs::read_to_string(&report_file).unwrap();
    let report: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(report["endReason"], "shutdown");
}

#[tokio::test]
async fn a_session_survives_two_restarts_in_a_row() {
    let r = relay().await;
    let addr = r.addr.to_string();
    let (mut c, ct, mut a, _at, routing) = joined_with_tokens(&r).await;
    let stopping = tokio::spawn(r.shut_down());
    assert_eq!(closed(&mut c).await.0, 1012);
    assert_eq!(closed(&mut a).await.0, 1012);
    let data = stopping.await.unwrap();
    // Started and stopped again before either side came back (a deploy rolled back, say).
    let r = relay_in(data, &addr, |_| {}).await;
    let data = r.shut_down().await;
    assert!(data.path().join(SAVED).exists(), "saved again");
    let r = relay_in(data, &addr, |_| {}).await;
    let mut c = customer(&r).await;
    send(&mut c, 0, CustomerMsg::Resume(resume_of(routing, ct, 0))).await;
    privacy_rules(&mut c).await;
    let (_, lost, _) = resumed(msg(&mut c).await);
    assert!(lost, "resumed, after two restarts");
    let data = r.shut_down().await;
    let store = SqliteStore::open(data.path()).unwrap();
    let rec = store.recent(1).unwrap().pop().unwrap();
    assert_eq!(rec.end_reason, None, "never ended");
}

#[tokio::test]
async fn a_side_away_before_the_stop_keeps_the_grace_it_had_left() {
    let grace = move |c: &mut cobrowse_relay::Config| {
        c.disconnect_grace = Duration::from_secs(2);
        c.navigation_grace = Duration::from_secs(2);
    };
    let r = relay_configured(grace).await;
    let addr = r.addr.to_string();
    let (mut c, ct, a, _at, routing) = joined_with_tokens(&r).await;
    // The agent's connection drops: its grace starts now...
    let agent_left = cobrowse_relay::store::now_millis();
    drop(a);
    assert_eq!(msg(&mut c).await, RelayMsg::PeerAway);
    // ... and half of it has gone when the relay stops, the rest while it is down.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let stopping = tokio::spawn(r.shut_down());
    assert_eq!(closed(&mut c).await.0, 1012);
    let data = stopping.await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let r = relay_in(data, &addr, grace).await;
    let restarted = cobrowse_relay::store::now_millis();
    // The customer, connected at the stop, would still have time; the agent has none left,
    // so the session ended (a relay counting the grace from its stop would resume it).
    assert_eq!(resume_error(&r, routing, ct).await, ErrorCode::CannotResume);
    let rec = last_record(r).await;
    assert_eq!(rec.end_reason.as_deref(), Some("disconnect"));
    let ended = rec.ended_at.unwrap();
    assert!(
        ended >= agent_left + 2000 && ended < restarted,
        "ended when the agent's grace ran out: left {agent_left}, ended {ended}"
    );
}

#[tokio::test]
async fn an_unreadable_saved_file_is_kept_aside_and_the_relay_starts() {
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("live-sessions.json");
    std::fs::write(&target, br#"{"saved_at":0,"records":[]}"#).unwrap();
    let not_json = |dir: &std::path::Path| std::fs::write(dir.join(SAVED), b"{not json").unwrap();
    // A link where the file goes is not followed, even to a readable file.
    let a_link =
        |dir: &std::path::Path| std::os::unix::fs::symlink(&target, dir.join(SAVED)).unwrap();
    for put in [&not_json as &dyn Fn(&std::path::Path), &a_link] {
        let data = tempfile::tempdir().unwrap();
        put(data.path());
        let r = relay_in(data, "127.0.0.1:0", |_| {}).await;
        // Serving: a new session works.
        let (_c, routing) = waiting_session(&r).await;
        assert!(routing > 0);
        let names: Vec<String> = std::fs::read_dir(r.data.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.contains(&SAVED.to_string()));
        assert!(
            names
                .iter()
                .any(|n| n.starts_with("live-sessions.unreadable-")),
            "kept for the operator: {names:?}"
        );
        r.shut_down().await;
    }
    assert!(target.exists(), "the link's target is left alone");
}
