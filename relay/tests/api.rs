//! The REST API, reporting sinks and clean restarts, against the real relay on port 0: the
//! history and reports must match what happened over the sockets.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use serde_json::Value;
use shared_protocol::*;

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

async fn get(r: &Relay, path: &str, token: Option<&str>) -> (u16, String) {
    let mut req = reqwest::Client::new().get(r.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn get_json(r: &Relay, path: &str) -> Value {
    let (status, body) = get(r, path, Some(TOKEN)).await;
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// A session that visits a second page and is ended by the agent; returns its id.
async fn a_whole_session(r: &Relay) -> String {
    let mut c = customer(r).await;
    let page = PageInfo {
        url: "http://shop.test/?promo=SECRET".into(),
        title: "Shop".into(),
    };
    send(
        &mut c,
        0,
        CustomerMsg::Create {
            page,
            user_agent: FIREFOX.into(),
            first_session: true,
        },
    )
    .await;
    let RelayMsg::Created {
        routing,
        session_id,
        ..
    } = msg(&mut c).await
    else {
        panic!()
    };
    privacy_rules(&mut c).await;
    let mut a = agent(r).await;
    join_request(&mut a, TOKEN, routing).await;
    assert!(matches!(msg(&mut a).await, RelayMsg::Joined { .. }));
    send(&mut c, 1, CustomerMsg::Sealed(vec![1, 2, 3])).await;
    send(
        &mut a,
        0,
        AgentMsg::RenderLatency {
            micros: vec![800, 1500],
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let visit = PageInfo {
        url: "http://shop.test/cart?item=42".into(),
        title: "Cart".into(),
    };
    send(&mut c, 0, CustomerMsg::PageVisit(visit)).await;
    // The customer's socket is read in order: once the agent holds a frame sent after the visit,
    // the visit has been handled, so the agent's exit cannot overtake it.
    send(&mut c, 2, CustomerMsg::Sealed(vec![4])).await;
    assert_eq!(msg(&mut a).await, RelayMsg::Sealed(vec![1, 2, 3]));
    assert_eq!(msg(&mut a).await, RelayMsg::Sealed(vec![4]));
    send(&mut a, 0, AgentMsg::Exit).await;
    assert_eq!(msg(&mut c).await, RelayMsg::AgentJoined);
    let _ = msg(&mut c).await; // the sealed frame never comes back to its sender: Ended
    uuid_string(session_id)
}

fn uuid_string(bytes: [u8; 16]) -> String {
    uuid::Uuid::from_bytes(bytes).to_string()
}

/// Polls until the report is stored (writes are queued).
async fn report(r: &Relay, id: &str) -> Value {
    for _ in 0..100 {
        let (status, body) = get(r, &format!("/api/v1/history/{id}"), Some(TOKEN)).await;
        if status == 200 {
            let v: Value = serde_json::from_str(&body).unwrap();
            if !v["endTime"].is_null() {
                return v;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no complete report for {id}");
}

#[tokio::test]
async fn the_history_report_matches_the_session() {
    let r = relay().await;
    let id = a_whole_session(&r).await;
    let rep = report(&r, &id).await;
    assert_eq!(rep["sessionId"], id);
    assert_eq!(rep["endReason"], "agent_exit");
    assert_eq!(rep["agentId"], "agent-1");
    assert_eq!(rep["firstSession"], true);
    assert_eq!(rep["writeModeUsed"], false);
    assert_eq!(rep["segments"].as_array().unwrap().len(), 1);
    assert_eq!(rep["segments"][0]["mode"], "POINTER");
    let pages = rep["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(
        pages[0]["url"], "http://shop.test/",
        "query strings are dropped by default"
    );
    assert_eq!(
        (pages[1]["path"].as_str(), pages[1]["title"].as_str()),
        (Some("/cart"), Some("Cart"))
    );
    assert_eq!(pages[1]["query"], "");
    assert_eq!(pages[0]["endTime"], pages[1]["startTime"]);
    assert_eq!(pages[1]["endTime"], rep["endTime"]);
    assert_eq!(rep["userAgent"]["agentName"], "Firefox");
    assert_eq!(rep["userAgent"]["osClass"], "Linux");
    assert!(!rep.to_string().contains("SECRET"));

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let window = get_json(
        &r,
        &format!("/api/v1/history?from={}&to={}", now - 60_000, now + 1),
    )
    .await;
    assert_eq!(window.as_array().unwrap().len(), 1);
    assert_eq!(window[0]["sessionId"], id);
    let empty = get_json(&r, &format!("/api/v1/history?from=0&to={}", now - 60_000)).await;
    assert!(empty.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn the_api_refuses_bad_tokens_and_bad_requests() {
    let r = relay().await;
    assert_eq!(get(&r, "/api/v1/sessions", None).await.0, 401);
    assert_eq!(
        get(&r, "/api/v1/sessions", Some("wrong-token-wrong-token"))
            .await
            .0,
        401
    );
    assert_eq!(get(&r, "/metrics", None).await.0, 401);
    assert_eq!(
        get(&r, "/api/v1/history/not-a-uuid", Some(TOKEN)).await.0,
        400
    );
    let unknown = format!("/api/v1/history/{}", uuid::Uuid::new_v4());
    assert_eq!(get(&r, &unknown, Some(TOKEN)).await.0, 404);
    assert_eq!(
        get(&r, "/api/v1/history?from=10&to=5", Some(TOKEN)).await.0,
        400
    );
    assert_eq!(get(&r, "/health", None).await.0, 200);
}

#[tokio::test]
async fn live_sessions_are_listed_with_their_state() {
    let r = relay().await;
    let (_c1, routing) = waiting_session(&r).await;
    let (_c2, _a2, _) = joined(&r).await;
    let (status, body) = get(&r, "/api/v1/sessions", Some(SUPERVISOR)).await;
    assert_eq!(status, 200, "{body}");
    let live: Value = serde_json::from_str(&body).unwrap();
    let states: Vec<(&str, &str)> = live
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["token"].as_str().unwrap(), s["state"].as_str().unwrap()))
        .collect();
    assert_eq!(states.len(), 2);
    assert_eq!(states[0], (format!("{routing:05}").as_str(), "waiting"));
    assert_eq!(states[1].1, "active");
}

#[tokio::test]
async fn metrics_count_sessions_frames_and_latencies() {
    let r = relay_configured(|c| c.inactivity_timeout = Duration::from_millis(300)).await;
    a_whole_session(&r).await;
    let (mut c, _) = waiting_session(&r).await;
    assert_eq!(
        msg(&mut c).await,
        RelayMsg::Ended {
            reason: EndReason::Inactivity
        }
    );
    let (status, text) = get(&r, "/metrics", Some(METRICS)).await;
    assert_eq!(status, 200);
    for line in [
        "cobrowse_sessions_created_total 2",
        "cobrowse_sessions_joined_total 1",
        "cobrowse_sessions_never_joined_total 1",
        "cobrowse_sessions_ended_total 2",
        "cobrowse_frames_routed_total 2",
        "cobrowse_routed_bytes_total 4",
        "cobrowse_routing_seconds_count 2",
        "cobrowse_agent_render_seconds_count 2",
        "cobrowse_agent_render_seconds_bucket{le=\"0.001\"} 1",
        "cobrowse_sessions_live 0",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
}

#[tokio::test]
async fn reports_go_to_the_jsonl_file_and_the_webhook_with_retries() {
    // A webhook that fails once, then accepts.
    let received = Arc::new(Mutex::new(Vec::<String>::new()));
    let calls = Arc::new(Mutex::new(0u32));
    let hook = {
        let (received, calls) = (received.clone(), calls.clone());
        axum::Router::new().route(
            "/hook",
            axum::routing::post(move |body: String| {
                let (received, calls) = (received.clone(), calls.clone());
                async move {
                    let mut n = calls.lock().unwrap();
                    *n += 1;
                    if *n == 1 {
                        return axum::http::StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    received.lock().unwrap().push(body);
                    axum::http::StatusCode::NO_CONTENT
                }
            }),
        )
    };
    let hook_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hook", hook_listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(hook_listener, hook).await });
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("reports.jsonl");
    let r = relay_configured(|c| {
        c.report_file = Some(file.clone());
        c.report_webhook = Some(hook_url);
    })
    .await;
    let id = a_whole_session(&r).await;
    for _ in 0..200 {
        if !received.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let posted = received.lock().unwrap().clone();
    assert_eq!(posted.len(), 1, "delivered once, after one refused attempt");
    let v: Value = serde_json::from_str(&posted[0]).unwrap();
    assert_eq!(
        (v["sessionId"].as_str(), v["endReason"].as_str()),
        (Some(id.as_str()), Some("agent_exit"))
    );
    let lines = std::fs::read_to_string(&file).unwrap();
    let line: Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(line, v, "the file and the webhook get the same report");
    assert_eq!(*calls.lock().unwrap(), 2);
}

#[tokio::test]
async fn the_openapi_document_describes_every_api_route() {
    let r = relay().await;
    let (status, body) = get(&r, "/api/v1/openapi.json", None).await;
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&body).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for route in [
        "/health",
        "/health/live",
        "/health/ready",
        "/metrics",
        "/api/v1/sessions",
        "/api/v1/history",
        "/api/v1/history/{id}",
    ] {
        assert!(paths.contains_key(route), "{route} is not documented");
    }
}

#[tokio::test]
async fn liveness_and_readiness_say_what_a_probe_needs() {
    let assets = tempfile::tempdir().unwrap();
    let dir = assets.path().to_path_buf();
    let r = relay_configured(move |c| c.assets_dir = Some(dir)).await;
    let (status, body) = get(&r, "/health/live", None).await;
    assert_eq!((status, body.as_str()), (200, r#"{"status":"live"}"#));
    // No browser bundles: the node cannot serve a session yet.
    let (status, body) = get(&r, "/health/ready", None).await;
    assert_eq!(status, 503, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["status"], "not ready");
    let reasons = v["reasons"].as_array().unwrap();
    assert_eq!(reasons.len(), 2, "both bundles: {reasons:?}");
    for bundle in ["master/master_wasm.js", "slave/slave_wasm.js"] {
        let file = assets.path().join(bundle);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, "export default 1;").unwrap();
    }
    let (status, body) = get(&r, "/health/ready", None).await;
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ready"}"#));
    assert_eq!(get(&r, "/health", None).await.0, 200, "/health stays");
}

#[tokio::test]
async fn everything_is_served_under_base_path() {
    let r = relay_configured(|c| c.base_path = "/cobrowse".into()).await;
    let started = r.started.clone().unwrap();
    assert!(started.relay_url.ends_with("/cobrowse"), "{started:?}");
    assert!(started.agent_url.contains("/cobrowse/agent"), "{started:?}");
    assert_eq!(get(&r, "/cobrowse/cobrowse.js", None).await.0, 200);
    // The loader's JSON too, and the module it names is found under the prefix.
    let (status, boot) = get(&r, "/cobrowse/cobrowse.json", None).await;
    assert_eq!(status, 200, "{boot}");
    let boot: Value = serde_json::from_str(&boot).unwrap();
    let module = format!(
        "/cobrowse{}master_wasm.js",
        boot["module"].as_str().unwrap()
    );
    assert_eq!(get(&r, &module, None).await.0, 200, "{module}");
    assert_eq!(
        get(&r, "/cobrowse.js", None).await.0,
        404,
        "nothing outside it"
    );
    assert_eq!(get(&r, "/cobrowse/health/live", None).await.0, 200);
    let console = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(r.url("/cobrowse/"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        console.headers()["location"].to_str().unwrap(),
        "/cobrowse/agent"
    );
    assert_eq!(get(&r, "/cobrowse/agent", None).await.0, 200);
    // A session over the prefixed WebSockets.
    let mut req = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
        format!("ws://{}/cobrowse/ws/customer", r.addr),
    )
    .unwrap();
    req.headers_mut().insert("Origin", ORIGIN.parse().unwrap());
    let c = tokio_tungstenite::connect_async(req).await.unwrap().0;
    let a = tokio_tungstenite::connect_async(format!("ws://{}/cobrowse/ws/agent", r.addr))
        .await
        .unwrap()
        .0;
    let (mut c, _, mut a, _, _) = create_and_join(c, a, None).await;
    send(&mut c, 1, CustomerMsg::Sealed(vec![1])).await;
    assert_eq!(msg(&mut a).await, RelayMsg::Sealed(vec![1]));
}
