//! Health endpoints. `/health` says how the node is (always 200 while it serves, `degraded`
//! with a reason), for a load balancer that must keep a node serving its sessions in rotation
//! through a Redis outage. `/health/live` only says the process answers (a liveness probe
//! restarts a node that does not). `/health/ready` says whether the node should get new
//! traffic: its store takes writes, its browser bundles are there (embedded, or on disk), and it is not draining;
//! 503 with the reasons otherwise (a readiness probe takes it out of rotation, nothing more).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::state::AppState;

/// The files a browser needs from this node before it can serve a session.
const BUNDLES: [&str; 2] = ["master/master_wasm.js", "slave/slave_wasm.js"];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route(
            "/health/live",
            get(|| async { Json(Status { status: "live" }) }),
        )
        .route("/health/ready", get(ready))
}

#[derive(Serialize)]
struct Status {
    status: &'static str,
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    node: String,
    live_sessions: usize,
}

#[derive(Serialize)]
struct Readiness {
    status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    reasons: Vec<String>,
}

/// What keeps the store from taking writes now, if anything. Not the error itself (it names
/// Redis's address; it is in the log): these endpoints are public.
fn store_trouble(state: &AppState) -> Vec<String> {
    let redis_down = state
        .cluster
        .as_ref()
        .is_some_and(|c| c.redis_unreachable())
        .then(|| "redis unreachable".to_string());
    let store_failing = state
        .writer
        .status()
        .failing()
        .map(|_| "store unreachable: writes wait and are retried".to_string());
    redis_down.into_iter().chain(store_failing).collect()
}

async fn health(State(state): State<AppState>) -> Json<Health> {
    let reasons = store_trouble(&state);
    Json(Health {
        status: if reasons.is_empty() { "ok" } else { "degraded" },
        reason: (!reasons.is_empty()).then(|| reasons.join("; ")),
        node: state.node_id.clone(),
        live_sessions: state.registry.len(),
    })
}

async fn ready(State(state): State<AppState>) -> Response {
    let mut reasons = store_trouble(&state);
    let assets = crate::assets::disk_dir(&state.config);
    let embedded = crate::assets::embedded(&state.config);
    for bundle in BUNDLES {
        if !embedded && !assets.join(bundle).is_file() {
            reasons.push(format!("browser bundle missing: {bundle}"));
        }
    }
    if state.cluster.as_ref().is_some_and(|c| c.is_draining()) {
        reasons.push("draining".into());
    }
    let (code, status) = match reasons.is_empty() {
        true => (StatusCode::OK, "ready"),
        false => (StatusCode::SERVICE_UNAVAILABLE, "not ready"),
    };
    (code, Json(Readiness { status, reasons })).into_response()
}
