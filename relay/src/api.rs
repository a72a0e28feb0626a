//! The REST API, agent-authenticated (`Authorization: Bearer <agent token>`): live sessions,
//! the session history with reports, Prometheus metrics, and the OpenAPI document describing
//! these routes.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::HttpError;
use crate::report::{self, SessionReport};
use crate::sessions::Phase;
use crate::state::AppState;
use crate::store::{now_millis, Millis};

/// The OpenAPI 3 document for these routes.
pub const OPENAPI: &str = include_str!("../openapi.json");

const DAY_MS: Millis = 24 * 3600 * 1000;
const MAX_LIMIT: usize = 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/sessions", get(live_sessions))
        .route("/api/v1/history", get(history))
        .route("/api/v1/history/{id}", get(history_one))
}

/// The agent id behind the request's bearer token.
fn authorize(state: &AppState, headers: &HeaderMap) -> Result<String, HttpError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| {
            HttpError::Unauthorized("send Authorization: Bearer <agent token>".into())
        })?;
    state
        .authenticate(token.trim())
        .map_err(|e| HttpError::Unauthorized(e.to_string()))
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, HttpError> {
    authorize(&state, &headers)?;
    let all = state.registry.all();
    let waiting = all.iter().filter(|s| s.phase() == Phase::Waiting).count();
    let body = state.metrics.render(all.len(), waiting);
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response())
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LiveSession {
    pub session_id: Uuid,
    pub token: String,
    /// `waiting` or `active`.
    pub state: String,
    pub agent_id: Option<String>,
    pub created_time: Millis,
}

async fn live_sessions(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<LiveSession>>, HttpError> {
    authorize(&state, &headers)?;
    let mut live: Vec<LiveSession> = state
        .registry
        .all()
        .iter()
        .filter_map(|s| {
            let phase = match s.phase() {
                Phase::Waiting => "waiting",
                Phase::Active => "active",
                Phase::Ended(_) => return None,
            };
            Some(LiveSession {
                session_id: s.id,
                token: format!("{:05}", s.routing),
                state: phase.into(),
                agent_id: s.agent_id(),
                created_time: s.created_at,
            })
        })
        .collect();
    live.sort_by_key(|s| s.created_time);
    Ok(Json(live))
}

#[derive(Debug, Deserialize)]
struct Window {
    /// Unix milliseconds, inclusive [default: 24 hours before `to`].
    from: Option<Millis>,
    /// Unix milliseconds, exclusive [default: now].
    to: Option<Millis>,
    limit: Option<usize>,
}

async fn history(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(window): Query<Window>,
) -> Result<Json<Vec<SessionReport>>, HttpError> {
    authorize(&state, &headers)?;
    let to = window.to.unwrap_or_else(|| now_millis() + 1);
    let from = window.from.unwrap_or(to - DAY_MS);
    if from > to {
        return Err(HttpError::BadRequest("`from` is after `to`".into()));
    }
    let limit = window.limit.unwrap_or(100).min(MAX_LIMIT);
    let store = state.store.clone();
    let reports = tokio::task::spawn_blocking(move || {
        store
            .history(from, to, limit)?
            .into_iter()
            .filter_map(|r| report::build(store.as_ref(), r.id).transpose())
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|e| HttpError::Internal(e.to_string()))?
    .map_err(|e| HttpError::Internal(e.to_string()))?;
    Ok(Json(reports))
}

async fn history_one(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<SessionReport>, HttpError> {
    authorize(&state, &headers)?;
    let id = Uuid::parse_str(&id)
        .map_err(|_| HttpError::BadRequest(format!("{id:?} is not a session id")))?;
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || report::build(store.as_ref(), id))
        .await
        .map_err(|e| HttpError::Internal(e.to_string()))?
        .map_err(|e| HttpError::Internal(e.to_string()))?
        .map(Json)
        .ok_or_else(|| HttpError::NotFound(format!("session {id}")))
}
