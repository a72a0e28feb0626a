//! The customer's receive loop: create or resume a session, forward sealed frames and the key
//! exchange, report failed verifications, page visits, heartbeats and the exit.

use std::sync::Arc;

use shared_protocol::{CustomerMsg, EndReason, ErrorCode, RelayMsg};

use tokio::time::Instant;

use super::connection::Connection;
use super::read::next_for;
use super::refusals::{error_frame, refuse, CLOSE_NORMAL, CLOSE_POLICY};
use super::routing::{resume, route, tell_node};
use crate::client_ip::ClientIp;
use crate::metrics::bump;
use crate::sessions::{control_frame, Forwarded, Outgoing, Session, Side, VerifyOutcome};
use crate::state::AppState;
use crate::store::{now_millis, SessionRecord};
use crate::stored_text;
use crate::timers::{spawn_inactivity_timer, went_away};

pub(super) async fn customer_loop(
    mut conn: Connection,
    state: AppState,
    user_agent: String,
    client: ClientIp,
) {
    let tx = conn.tx.clone();
    let silence = state.config.heartbeat_timeout;
    let handshake = Instant::now() + state.config.handshake_timeout;
    let mut session: Option<Arc<Session>> = None;
    let mut ended = None;
    loop {
        let Some(env) = next_for::<CustomerMsg>(
            &mut conn,
            &mut ended,
            silence,
            handshake,
            &session,
            Side::Customer,
        )
        .await
        else {
            break;
        };
        match (env.msg, &session) {
            (
                CustomerMsg::Create {
                    page,
                    user_agent: ua,
                    first_session,
                },
                None,
            ) => {
                if let Err(why) = state.limits.create_session(client) {
                    tracing::warn!(%client, %why, "session creation refused");
                    bump(&state.metrics.sessions_refused, 1);
                    let msg = why.to_string();
                    break refuse(&tx, 0, ErrorCode::RateLimited, msg, CLOSE_POLICY).await;
                }
                let (first_url, first_title) = state.stored_page(&page);
                let ua = if ua.is_empty() {
                    user_agent.clone()
                } else {
                    ua
                };
                let origin = crate::cluster::Origin {
                    user_agent: stored_text::user_agent(&ua),
                    first_url,
                    first_session,
                };
                // Boxed, as the resume below: the connection's task stays the size of its
                // idle read, not of a cluster's session creation.
                let s = match Box::pin(state.create_session(tx.clone(), origin.clone())).await {
                    Ok(s) => s,
                    Err(why) => {
                        let msg = why.to_string();
                        break refuse(&tx, 0, ErrorCode::CodesExhausted, msg, CLOSE_NORMAL).await;
                    }
                };
                let url = crate::stored_text::url_for_log(&origin.first_url);
                tracing::info!(parent: &s.span, %url, "session created");
                bump(&state.metrics.sessions_created, 1);
                let record = SessionRecord {
                    id: s.id,
                    routing: s.routing,
                    created_at: s.created_at,
                    user_agent: origin.user_agent,
                    first_url: origin.first_url,
                    agent_id: None,
                    joined_at: None,
                    ended_at: None,
                    end_reason: None,
                    first_session,
                };
                let (id, at) = (s.id, record.created_at);
                let (url, title) = (record.first_url.clone(), first_title);
                state.persist(&s.span, "session", move |store| {
                    store.create(&record)?;
                    store.add_page(id, &url, &title, at).map(|_| ())
                });
                s.tell(
                    Side::Customer,
                    RelayMsg::Created {
                        session_id: *s.id.as_bytes(),
                        routing: s.routing,
                        resume_token: s.customer_resume_token(),
                    },
                );
                // Before any agent can join: the customer captures nothing without them.
                s.tell(Side::Customer, privacy_rules(&state));
                tell_node(&state, &s, Side::Customer);
                spawn_inactivity_timer(state.clone(), s.clone());
                ended = Some(s.phases());
                session = Some(s);
            }
            (CustomerMsg::Resume(r), None) => {
                // A page load starts without rules: they go first, before `Resumed`.
                let rules = control_frame(r.routing, privacy_rules(&state));
                let _ = tx.send(Outgoing::Frame(rules.into())).await;
                match Box::pin(resume(&state, Side::Customer, &r, &tx)).await {
                    Ok(s) => {
                        ended = Some(s.phases());
                        session = Some(s);
                    }
                    Err(why) => {
                        break refuse(&tx, 0, ErrorCode::CannotResume, why, CLOSE_POLICY).await
                    }
                }
            }
            (CustomerMsg::Create { .. } | CustomerMsg::Resume(_), Some(s)) => {
                let _ = tx.try_send(error_frame(
                    s.routing,
                    ErrorCode::BadFrame,
                    "this socket already has a session".into(),
                ));
            }
            // A socket replaced by a resume may not speak for the session any more.
            (_, Some(s)) if !s.is_customer(&tx) => break,
            (CustomerMsg::Key(k), Some(s)) => s.key_from(Side::Customer, k),
            (CustomerMsg::VerificationFailed, Some(s)) => match s.verification_failed() {
                VerifyOutcome::Exhausted => {
                    state.end(s, EndReason::VerificationFailed);
                    break;
                }
                VerifyOutcome::Retry { attempts_left } => {
                    state.publish(s);
                    tracing::warn!(parent: &s.span, attempts_left, "verification failed; agent removed");
                }
            },
            (CustomerMsg::Sealed(payload), Some(s)) => {
                let outcome = route(&state, s, Side::Customer, env.delivery, env.seq, payload);
                if outcome == Forwarded::Nobody {
                    let _ = tx.try_send(error_frame(
                        s.routing,
                        ErrorCode::NotInSession,
                        "no agent has joined yet".into(),
                    ));
                }
            }
            // Over their rate, page visits and mode changes are dropped and counted, and the
            // socket is not told: the history is a record, not a control path, and an honest
            // module never gets near the limit, so there is nobody to tell.
            (CustomerMsg::PageVisit(_), Some(s)) if !state.limits.page_visit(s.id) => {
                bump(&state.metrics.page_visits_dropped, 1);
            }
            (CustomerMsg::PageVisit(page), Some(s)) => {
                let (url, title) = state.stored_page(&page);
                let logged = crate::stored_text::url_for_log(&url);
                tracing::info!(parent: &s.span, url = %logged, "page visit");
                let (id, at) = (s.id, now_millis());
                state.persist(&s.span, "page visit", move |store| {
                    store.add_page(id, &url, &title, at).map(|_| ())
                });
            }
            (CustomerMsg::Exit, Some(s)) => {
                state.end(s, EndReason::CustomerExit);
                break;
            }
            (CustomerMsg::Heartbeat { last_received }, Some(s)) => {
                s.acknowledged(Side::Customer, last_received)
            }
            (CustomerMsg::Heartbeat { .. }, None) => {}
            (CustomerMsg::AutoMasked(found), Some(s)) => {
                tracing::info!(
                    parent: &s.span,
                    card_numbers = found.card_numbers,
                    ssns = found.ssns,
                    bearer_tokens = found.bearer_tokens,
                    "masked without a rule"
                );
                state.metrics.auto_masked(&found);
            }
            (CustomerMsg::Leaving, Some(s)) => {
                tracing::info!(parent: &s.span, "the customer is leaving the page");
                s.leaving(Side::Customer);
            }
            (CustomerMsg::Mode(_), Some(s)) if !state.limits.mode_change(s.id) => {
                bump(&state.metrics.mode_changes_dropped, 1);
            }
            (CustomerMsg::Mode(mode), Some(s)) => {
                tracing::info!(parent: &s.span, mode = mode.as_str(), "mode");
                let (id, at) = (s.id, now_millis());
                state.persist(&s.span, "mode", move |store| {
                    store.start_segment(id, mode.as_str(), at).map(|_| ())
                });
            }
            (CustomerMsg::Refused(counts), Some(s)) => {
                for (reason, n) in counts.iter() {
                    tracing::warn!(parent: &s.span, reason = reason.as_str(), n, "agent messages refused by the customer");
                }
                state.metrics.refused(&counts);
            }
            (_, None) => {
                let _ = tx.try_send(error_frame(
                    0,
                    ErrorCode::NotInSession,
                    "create a session first".into(),
                ));
            }
        }
    }
    if let Some(s) = session {
        // Gone without saying goodbye: the session waits for a resume (a no-op if it ended).
        went_away(&state, &s, Side::Customer, &tx);
    }
}

fn privacy_rules(state: &AppState) -> RelayMsg {
    RelayMsg::Privacy(state.config.privacy_for_customers())
}
