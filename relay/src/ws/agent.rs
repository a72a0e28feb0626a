//! The agent's receive loop: authenticate and join (or resume) a session within the limits,
//! forward sealed frames and the key exchange, take render metrics, heartbeats and the exit.

use std::sync::Arc;

use shared_protocol::{AgentMsg, EndReason, ErrorCode, RelayMsg};

use super::*;
use crate::metrics::bump;
use crate::sessions::{JoinError, Phase, Session, Side};
use crate::state::AppState;
use crate::store::now_millis;
use crate::timers::went_away;

pub(super) async fn agent_loop(mut conn: Connection, state: AppState) {
    let tx = conn.tx.clone();
    let silence = state.config.heartbeat_timeout;
    let handshake = Instant::now() + state.config.handshake_timeout;
    let mut session: Option<Arc<Session>> = None;
    let mut ended = None;
    loop {
        let Some(env) = next_for::<AgentMsg>(
            &mut conn,
            &mut ended,
            silence,
            handshake,
            &session,
            Side::Agent,
        )
        .await
        else {
            break;
        };
        match (env.msg, &session) {
            (AgentMsg::Join { token, routing }, None) => {
                let agent_id = match state.authenticate(&token) {
                    Ok(id) => id,
                    Err(e) => {
                        tracing::warn!(error = %e, "agent refused");
                        break refuse(&tx, 0, ErrorCode::Unauthorized, e.to_string(), CLOSE_POLICY)
                            .await;
                    }
                };
                if !state.agent_joins.allow(&agent_id)
                    || !state.code_joins.allow(&routing.to_string())
                {
                    let msg = "too many join attempts; wait a minute and try again".into();
                    let _ = tx.send(error_frame(0, ErrorCode::RateLimited, msg)).await;
                    continue;
                }
                let limit = state.config.agent_sessions_limit as usize;
                if limit > 0 && state.registry.active_sessions_of(&agent_id) >= limit {
                    // As in the reference: the customer's session ends at once, "agent busy".
                    // Only a session still waiting for an agent: a code mistyped into someone
                    // else's active session must not end it.
                    if let Some(s) = state
                        .registry
                        .get(routing)
                        .filter(|s| s.phase() == Phase::Waiting)
                    {
                        state.end(&s, EndReason::AgentBusy);
                    }
                    let msg = format!("you are already in {limit} session(s), the limit");
                    let _ = tx.send(error_frame(0, ErrorCode::AgentBusy, msg)).await;
                    continue;
                }
                match state.registry.join(routing, &agent_id, tx.clone()) {
                    Ok(s) => {
                        tracing::info!(parent: &s.span, agent = %agent_id, "agent joined");
                        bump(&state.metrics.sessions_joined, 1);
                        let id = s.id;
                        let agent = agent_id.clone();
                        state.persist(&s.span, "join", move |store| {
                            let at = now_millis();
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
                        s.tell(Side::Customer, RelayMsg::AgentJoined);
                        ended = Some(s.phases());
                        session = Some(s);
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
                let agent_id = match state.authenticate(&token) {
                    Ok(id) => id,
                    Err(e) => {
                        break refuse(&tx, 0, ErrorCode::Unauthorized, e.to_string(), CLOSE_POLICY)
                            .await
                    }
                };
                let owner = state.registry.get(r.routing).and_then(|s| s.agent_id());
                if owner.as_deref() != Some(agent_id.as_str()) {
                    let why = "this agent is not in that session".into();
                    break refuse(&tx, 0, ErrorCode::CannotResume, why, CLOSE_POLICY).await;
                }
                match resume(&state, Side::Agent, &r, &tx).await {
                    Ok(s) => {
                        ended = Some(s.phases());
                        session = Some(s);
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
            (AgentMsg::Key(k), Some(s)) => s.tell(Side::Customer, RelayMsg::Key(k)),
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
