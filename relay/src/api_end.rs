//! `POST /api/v1/sessions/{id}/end`: the agent's desktop ends co-browsing when the call or
//! chat ends (as the reference product's desktop integration does), or a supervisor ends any
//! session. Both sides are told, and the history records the reason `api_end`. An agent may
//! end only the sessions it is in: another agent's is "not found", as in the history. With
//! several nodes, a session another node runs is marked in Redis and ended by its owner at
//! its next renewal (`cluster::end_requests`): the answer is then 202 instead of 204.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use shared_protocol::EndReason;
use uuid::Uuid;

use crate::api::authorize;
use crate::error::HttpError;
use crate::roles::Role;
use crate::sessions::Phase;
use crate::state::AppState;

pub(crate) async fn end_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, HttpError> {
    let who = authorize(&state, &headers, Role::works_sessions)?;
    let id = Uuid::parse_str(&id)
        .map_err(|_| HttpError::BadRequest(format!("{id:?} is not a session id")))?;
    let may_end =
        |agent: Option<&str>| who.role.sees_all_sessions() || agent == Some(who.agent.as_str());
    let not_found = || HttpError::NotFound(format!("live session {id}"));
    // Run here: ended at once.
    let local = state
        .registry
        .all()
        .into_iter()
        .find(|s| s.id == id && !s.handed_over() && !matches!(s.phase(), Phase::Ended(_)));
    if let Some(session) = local {
        if !may_end(session.agent_id().as_deref()) {
            return Err(not_found());
        }
        tracing::info!(parent: &session.span, by = %who.agent, "ended through the REST API");
        state.end(&session, EndReason::ApiEnd);
        return Ok(StatusCode::NO_CONTENT);
    }
    // Run by another node: its owner ends it at its next renewal.
    let Some(cluster) = &state.cluster else {
        return Err(not_found());
    };
    let unreachable =
        |e: redis::RedisError| HttpError::Unavailable(format!("the cluster's sessions: {e}"));
    let mut redis = cluster.redis();
    let record = cluster
        .live
        .all(&mut redis)
        .await
        .map_err(unreachable)?
        .into_iter()
        .find(|r| r.id == id)
        .filter(|r| may_end(r.agent.as_deref()))
        .ok_or_else(not_found)?;
    if !cluster
        .live
        .request_end(&mut redis, record.routing, id)
        .await
        .map_err(unreachable)?
    {
        return Err(not_found());
    }
    tracing::info!(session = %id, owner = %record.owner, by = %who.agent, "end asked of the session's node");
    Ok(StatusCode::ACCEPTED)
}
