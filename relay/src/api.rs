//! The REST API, token-authenticated (`Authorization: Bearer <token>`): live sessions (and
//! ending one), the session history with reports, Prometheus metrics, and the OpenAPI document
//! describing these routes. What a token sees depends on its role ([`Role`]): an agent only its own sessions
//! (and no live routing codes), a supervisor everything, a metrics token only `/metrics`.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::Identity;
use crate::error::HttpError;
use crate::report::{self, SessionReport};
use crate::roles::Role;
use crate::sessions::Phase;
use crate::state::AppState;
use crate::store::{now_millis, Millis};

/// The OpenAPI 3 document for these routes.
pub const OPENAPI: &str = include_str!("../openapi.json");

const DAY_MS: Millis = 24 * 3600 * 1000;
const MAX_LIMIT: usize = 1000;

/// The REST API and `/metrics`, both behind a token with the right role.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/metrics", get(metrics))
        .merge(api_routes())
}

/// The same on the admin listener (`admin_listen`), a private network: `/metrics` needs no
/// token there (scrapers rarely hold one); the REST API still does.
pub fn admin_routes() -> Router<AppState> {
    Router::new()
        .route("/metrics", get(open_metrics))
        .merge(api_routes())
}

fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/sessions", get(live_sessions))
        .route(
            "/api/v1/sessions/{id}/end",
            post(crate::api_end::end_session),
        )
        .route("/api/v1/history", get(history))
        .route("/api/v1/history/{id}", get(history_one))
}

/// Who is behind the request's bearer token, if its role may do what `allowed` says.
pub(crate) fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    allowed: fn(Role) -> bool,
) -> Result<Identity, HttpError> {
    let identity = authenticate(state, headers)?;
    if allowed(identity.role) {
        return Ok(identity);
    }
    Err(HttpError::Forbidden(match identity.role {
        Role::Metrics => "a metrics token may only read /metrics".into(),
        role => format!("a token of role {role} may not read this; ask for a supervisor token"),
    }))
}

fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Identity, HttpError> {
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
    authorize(&state, &headers, Role::may_scrape)?;
    Ok(open_metrics(State(state)).await)
}

async fn open_metrics(State(state): State<AppState>) -> Response {
    let all = state.registry.all();
    let waiting = all.iter().filter(|s| s.phase() == Phase::Waiting).count();
    let body = state.metrics.render(all.len(), waiting);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LiveSession {
    pub session_id: Uuid,
    /// The routing code, for supervisors only: with it anyone could ask to join.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub token: Option<String>,
    /// `waiting` or `active`.
    pub state: String,
    pub agent_id: Option<String>,
    pub created_time: Millis,
}

async fn live_sessions(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<LiveSession>>, HttpError> {
    let who = authorize(&state, &headers, Role::works_sessions)?;
    let sees_all = who.role.sees_all_sessions();
    let mut live = match &state.cluster {
        // Every node's sessions, from their records.
        Some(cluster) => cluster
            .live
            .all(&mut cluster.redis())
            .await
            .map_err(|e| HttpError::Unavailable(format!("the cluster's sessions: {e}")))?
            .into_iter()
            .map(|r| LiveSession {
                session_id: r.id,
                token: sees_all.then(|| format!("{:05}", r.routing)),
                state: if r.active { "active" } else { "waiting" }.into(),
                agent_id: r.agent,
                created_time: r.created_at,
            })
            .collect(),
        None => state
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
                    token: sees_all.then(|| format!("{:05}", s.routing)),
                    state: phase.into(),
                    agent_id: s.agent_id(),
                    created_time: s.created_at,
                })
            })
            .collect::<Vec<_>>(),
    };
    live.retain(|s| sees_all || s.agent_id.as_deref() == Some(who.agent.as_str()));
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
    let who = authorize(&state, &headers, Role::works_sessions)?;
    let only = (!who.role.sees_all_sessions()).then_some(who.agent);
    let to = window.to.unwrap_or_else(|| now_millis() + 1);
    let from = window.from.unwrap_or(to - DAY_MS);
    if from > to {
        return Err(HttpError::BadRequest("`from` is after `to`".into()));
    }
    let limit = window.limit.unwrap_or(100).min(MAX_LIMIT);
    let store = state.store.clone();
    let reports = tokio::task::spawn_blocking(move || {
        store
            .history(from, to, limit, only.as_deref())?
            .into_iter()
            .filter_map(|r| report::build(store.as_ref(), r.id).transpose())
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|e| HttpError::Internal(e.to_string()))??;
    Ok(Json(reports))
}

async fn history_one(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<SessionReport>, HttpError> {
    let who = authorize(&state, &headers, Role::works_sessions)?;
    let id = Uuid::parse_str(&id)
        .map_err(|_| HttpError::BadRequest(format!("{id:?} is not a session id")))?;
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || report::build(store.as_ref(), id))
        .await
        .map_err(|e| HttpError::Internal(e.to_string()))??
        // Another agent's session is "not found": an agent may not learn that it exists.
        .filter(|r| who.role.sees_all_sessions() || r.agent_id.as_ref() == Some(&who.agent))
        .map(Json)
        .ok_or_else(|| HttpError::NotFound(format!("session {id}")))
}
