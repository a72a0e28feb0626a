//! The agent's receive loop: authenticate and join (or resume) a session within the limits,
//! forward sealed frames and the key exchange, take render metrics, heartbeats and the exit.
//! A socket in a session closes when its signed token expires: the agent resumes with a new
//! one, or the session ends after the disconnect grace.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use shared_protocol::{AgentMsg, EndReason, ErrorCode, RelayMsg};

use shared_protocol::MAX_RENDER_SAMPLES;
use tokio::time::Instant;

use super::connection::Connection;
use super::read::next_for;
use super::refusals::{error_frame, refuse, CLOSE_POLICY};
use super::routing::{resume, route, tell_node};
use crate::auth::{AuthError, Identity};
use crate::metrics::bump;
use crate::sessions::{JoinError, Session, Side};
use crate::state::AppState;
use crate::store::now_millis;
use crate::timers::went_away;

pub(super) async fn agent_loop(mut conn: Connection, state: AppState) {
    let tx = conn.tx.clone();
    let silence = state.config.heartbeat_timeout;
    let handshake = Instant::now() + state.config.handshake_timeout;
    let mut session: Option<Arc<Session>> = None;
    let mut ended = None;
    // When the token the session was joined or resumed with stops being valid.
    let mut token_expiry: Option<Instant> = None;
    loop {
        let next = next_for::<AgentMsg>(
            &mut conn,
            &mut ended,
            silence,
            handshake,
            &session,
            Side::Agent,
        );
        let next = tokio::select! {
            next = next => next,
            () = until(token_expiry) => {
                let routing = session.as_ref().map_or(0, |s| s.routing);
                let why = AuthError::Expired.to_string();
                tracing::info!("agent token expired; closing the socket");
                break refuse(&tx, routing, ErrorCode::Unauthorized, why, CLOSE_POLICY).await;
            }
        };
        let Some(env) = next else {
            break;
        };
        match (env.msg, &session) {
            (AgentMsg::Join { token, routing }, None) => {
                let who = match authenticate(&state, &token) {
                    Ok(who) => who,
                    Err(why) => {
                        tracing::warn!(%why, "agent refused");
                        break refuse(&tx, 0, ErrorCode::Unauthorized, why, CLOSE_POLICY).await;
                    }
                };
                let agent_id = who.agent.clone();
                if !state.join_allowed(&agent_id, routing).await {
                    let msg = "too many join attempts; wait a minute and try again".into();
                    let _ = tx.send(error_frame(0, ErrorCode::RateLimited, msg)).await;
                    continue;
                }
                let limit = state.config.agent_sessions_limit as usize;
                if limit > 0 && state.agent_sessions(&agent_id).await >= limit {
                    // Only this agent is refused: the customer's session goes on waiting for
                    // another agent (or this one, once it has left a session). Ending it here
                    // would let anyone at their limit end a session by typing its code.
                    // The console puts this in its own sentence, which says what to do.
                    let msg = format!("you are already in {limit} session(s), the limit");
                    let _ = tx.send(error_frame(0, ErrorCode::AgentBusy, msg)).await;
                    continue;
                }
                match state.registry.join(routing, &agent_id, tx.clone()) {
                    Ok(s) => {
                        tracing::info!(parent: &s.span, agent = %agent_id, "agent joined");
                        state.publish_now(&s).await;
                        bump(&state.metrics.sessions_joined, 1);
                        let id = s.id;
                        let agent = agent_id.clone();
                        // The time of the event, not of the write: a write retried after an
                        // outage stores the same moment (and is recognised as the same write).
                        let at = now_millis();
                        state.persist(&s.span, "join", move |store| {
                            store.mark_joined(id, &agent, at)?;
                            // Every session starts in pointer mode.
                            store.start_segment(id, "POINTER", at).map(|_| ())
                        });
                        let resume_token = s.agent_resume_token().unwrap_or_default();
                        s.tell(
                            Side::Agent,
                            RelayMsg::Joined {
                                session_id: *s.id.as_bytes(),
                                resume_token,
                            },
                        );
                        tell_node(&state, &s, Side::Agent);
                        s.tell(Side::Customer, RelayMsg::AgentJoined);
                        ended = Some(s.phases());
                        session = Some(s);
                        token_expiry = who.expires_at.map(instant_of);
                    }
                    Err(e) => {
                        // The socket stays open: the agent may have mistyped the code.
                        let code = match e {
                            JoinError::UnknownCode => ErrorCode::UnknownCode,
                            JoinError::AlreadyJoined => ErrorCode::AlreadyJoined,
                        };
                        let _ = tx.send(error_frame(0, code, e.to_string())).await;
                    }
                }
            }
            (AgentMsg::Resume { token, resume: r }, None) => {
                let who = match authenticate(&state, &token) {
                    Ok(who) => who,
                    Err(why) => {
                        break refuse(&tx, 0, ErrorCode::Unauthorized, why, CLOSE_POLICY).await
                    }
                };
                let owner = state.registry.get(r.routing).and_then(|s| s.agent_id());
                if owner.as_deref() != Some(who.agent.as_str()) {
                    let why = "this agent is not in that session".into();
                    break refuse(&tx, 0, ErrorCode::CannotResume, why, CLOSE_POLICY).await;
                }
                match resume(&state, Side::Agent, &r, &tx).await {
                    Ok(s) => {
                        ended = Some(s.phases());
                        session = Some(s);
                        token_expiry = who.expires_at.map(instant_of);
                    }
                    Err(why) => {
                        break refuse(&tx, 0, ErrorCode::CannotResume, why, CLOSE_POLICY).await
                    }
                }
            }
            (AgentMsg::Join { .. } | AgentMsg::Resume { .. }, Some(s)) => {
                let _ = tx.try_send(error_frame(
                    s.routing,
                    ErrorCode::AlreadyJoined,
                    "this socket is already in a session".into(),
                ));
            }
            // An agent removed after a failed verification may not speak for the session.
            (_, Some(s)) if !s.is_agent(&tx) => break,
            (AgentMsg::Key(k), Some(s)) => s.key_from(Side::Agent, k),
            (AgentMsg::Sealed(payload), Some(s)) => {
                route(&state, s, Side::Agent, env.delivery, env.seq, payload);
            }
            (AgentMsg::RenderLatency { micros }, Some(_)) => {
                for m in micros.into_iter().take(MAX_RENDER_SAMPLES) {
                    state.metrics.render.observe(m as u64);
                }
            }
            (AgentMsg::Exit, Some(s)) => {
                state.end(s, EndReason::AgentExit);
                break;
            }
            (AgentMsg::Heartbeat { last_received }, Some(s)) => {
                s.acknowledged(Side::Agent, last_received)
            }
            (AgentMsg::Heartbeat { .. }, None) => {}
            (_, None) => {
                let _ = tx.try_send(error_frame(
                    0,
                    ErrorCode::NotInSession,
                    "join a session first".into(),
                ));
            }
        }
    }
    if let Some(s) = session {
        went_away(&state, &s, Side::Agent, &tx);
    }
}

/// Who `token` stands for, if its role may work sessions; otherwise why not.
fn authenticate(state: &AppState, token: &str) -> Result<Identity, String> {
    let who = state.authenticate(token).map_err(|e| e.to_string())?;
    if !who.role.works_sessions() {
        return Err(format!(
            "a {} token cannot join sessions; use an agent or supervisor token",
            who.role
        ));
    }
    Ok(who)
}

/// The moment of a Unix time in seconds (now, if it has passed). A token's expiry is the
/// signer's number: one too far ahead for the clocks (`u64::MAX`) means "not for a year".
fn instant_of(unix_secs: u64) -> Instant {
    const FAR: Duration = Duration::from_secs(365 * 24 * 3600);
    let left = UNIX_EPOCH
        .checked_add(Duration::from_secs(unix_secs))
        .map(|at| at.duration_since(SystemTime::now()).unwrap_or_default())
        .unwrap_or(FAR)
        .min(FAR);
    Instant::now() + left
}

/// Resolves at `at`, never without one.
async fn until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
