//! The two WebSocket endpoints. Each connection is split into a send task (draining a bounded
//! queue into the socket) and a receive loop (decoding envelopes and acting on them), as in the
//! axum examples. A malformed frame closes that one socket with a reason; nothing else is hurt.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use shared_protocol::{
    AgentMsg, CustomerMsg, DecodeError, Delivery, Direction, EndReason, Envelope, ErrorCode,
    RelayMsg, Resume,
};
use tokio::sync::{mpsc, watch};
use tracing::Instrument;

use crate::error::HttpError;
use crate::metrics::bump;
use crate::sessions::{
    Forwarded, JoinError, Outbox, Outgoing, Phase, Session, Side, VerifyOutcome, QUEUE_LEN,
};
use crate::state::AppState;
use crate::store::{now_millis, SessionRecord};

/// Close codes: normal end, policy (auth, origin), protocol (bad frames).
const CLOSE_NORMAL: u16 = 1000;
const CLOSE_PROTOCOL: u16 = 1002;
const CLOSE_POLICY: u16 = 1008;

pub async fn customer(
    ws: WebSocketUpgrade,
    headers: HeaderMap,
    State(state): State<AppState>,
) -> Result<Response, HttpError> {
    let origin = headers
        .get(axum::http::header::ORIGIN)
        .and_then(|v| v.to_str().ok());
    if !state.origin_allowed(origin) {
        tracing::warn!(?origin, "customer refused: origin not allowed");
        return Err(HttpError::OriginNotAllowed(origin.unwrap_or("").into()));
    }
    let user_agent = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    Ok(ws
        .on_upgrade(move |socket| async move {
            let (tx, sender) = spawn_sender(socket);
            customer_loop(sender, tx, state, user_agent).await;
        })
        .into_response())
}

pub async fn agent(ws: WebSocketUpgrade, State(state): State<AppState>) -> Response {
    ws.on_upgrade(move |socket| async move {
        let (tx, receiver) = spawn_sender(socket);
        agent_loop(receiver, tx, state).await;
    })
}

/// Splits the socket: a task writes queued frames; the caller keeps the read half.
fn spawn_sender(socket: WebSocket) -> (Outbox, SplitStream<WebSocket>) {
    let (sink, stream) = socket.split();
    let (tx, rx) = mpsc::channel(QUEUE_LEN);
    tokio::spawn(send_loop(sink, rx).in_current_span());
    (tx, stream)
}

async fn send_loop(mut sink: SplitSink<WebSocket, Message>, mut rx: mpsc::Receiver<Outgoing>) {
    while let Some(out) = rx.recv().await {
        let result = match out {
            Outgoing::Frame(bytes) => sink.send(Message::Binary(bytes.into())).await,
            Outgoing::Close { code, reason } => {
                let frame = CloseFrame {
                    code,
                    reason: reason.into(),
                };
                let _ = sink.send(Message::Close(Some(frame))).await;
                break;
            }
        };
        if result.is_err() {
            break;
        }
    }
    let _ = sink.close().await;
}

/// One decoded frame, or why the connection must stop reading.
enum Next<M> {
    Frame(Envelope<M>),
    Bad(DecodeError),
    Text,
    /// The session ended, the socket closed, or it went silent past the heartbeat timeout.
    Gone,
}

async fn next_frame<M: Direction>(
    stream: &mut SplitStream<WebSocket>,
    phases: &mut Option<watch::Receiver<Phase>>,
    silence: Duration,
) -> Next<M> {
    loop {
        let ended = async {
            match phases {
                Some(rx) => {
                    let _ = rx.wait_for(|p| matches!(p, Phase::Ended(_))).await;
                }
                None => std::future::pending().await,
            }
        };
        let msg = tokio::select! {
            m = stream.next() => m,
            _ = ended => return Next::Gone,
            _ = tokio::time::sleep(silence) => {
                tracing::info!("no heartbeat within {silence:?}; closing");
                return Next::Gone;
            }
        };
        return match msg {
            Some(Ok(Message::Binary(bytes))) => match Envelope::<M>::decode(&bytes) {
                Ok(env) => Next::Frame(env),
                Err(e) => Next::Bad(e),
            },
            Some(Ok(Message::Text(_))) => Next::Text,
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => Next::Gone,
        };
    }
}

fn error_frame(session: u32, code: ErrorCode, message: String) -> Outgoing {
    let msg = RelayMsg::Error { code, message };
    Outgoing::Frame(Envelope::new(session, Delivery::Reliable, 0, msg).encode())
}

/// Tells the client why and closes its socket.
async fn refuse(tx: &Outbox, session: u32, code: ErrorCode, message: String, close: u16) {
    let _ = tx.send(error_frame(session, code, message.clone())).await;
    let _ = tx
        .send(Outgoing::Close {
            code: close,
            reason: message,
        })
        .await;
}

async fn bad_frame(tx: &Outbox, session: u32, why: String) {
    tracing::warn!(%why, "bad frame; closing the socket");
    refuse(tx, session, ErrorCode::BadFrame, why, CLOSE_PROTOCOL).await
}

const TEXT_FRAME: &str = "text frames are not part of the protocol";

/// Render samples taken from one report; the console sends a few per heartbeat.
const MAX_RENDER_SAMPLES: usize = 256;

/// Forwards a sealed frame and counts it.
async fn route(
    state: &AppState,
    session: &Session,
    from: Side,
    delivery: Delivery,
    seq: u64,
    payload: Vec<u8>,
) -> Forwarded {
    let started = std::time::Instant::now();
    let bytes = payload.len() as u64;
    let outcome = session.forward(from, delivery, seq, payload).await;
    let m = &state.metrics;
    match outcome {
        Forwarded::Delivered | Forwarded::Kept => {
            bump(&m.frames_routed, 1);
            bump(&m.bytes_routed, bytes);
            m.routing.observe(started.elapsed().as_micros() as u64);
        }
        Forwarded::Dropped => bump(&m.frames_dropped, 1),
        Forwarded::Nobody => {}
    }
    outcome
}

/// Puts `tx` back in `side`'s place: `Resumed`, then every frame it missed.
async fn resume(
    state: &AppState,
    side: Side,
    resume: &Resume,
    tx: &Outbox,
) -> Result<Arc<Session>, String> {
    let session = state
        .registry
        .get(resume.routing)
        .ok_or("no live session has this code")?;
    let resumed = session
        .resume(side, &resume.resume_token, resume.last_received, tx.clone())
        .map_err(|e| e.to_string())?;
    tracing::info!(parent: &session.span, ?side, replayed = resumed.replay.len(), lost = resumed.lost, "resumed");
    let msg = RelayMsg::Resumed {
        last_received: resumed.last_from,
        lost: resumed.lost,
    };
    let _ = tx
        .send(Outgoing::Frame(
            Envelope::new(session.routing, Delivery::Reliable, 0, msg).encode(),
        ))
        .await;
    for frame in resumed.replay {
        let _ = tx.send(Outgoing::Frame(frame)).await;
    }
    Ok(session)
}

/// The socket of `side` closed without an exit: the session waits `disconnect_grace` for it.
fn went_away(state: &AppState, session: &Arc<Session>, side: Side, tx: &Outbox) {
    let Some(epoch) = session.went_away(side, tx) else {
        return;
    };
    tracing::info!(parent: &session.span, ?side, "connection lost; waiting for a resume");
    let grace = state.config.disconnect_grace;
    let (state, session) = (state.clone(), session.clone());
    let span = session.span.clone();
    tokio::spawn(
        async move {
            tokio::time::sleep(grace).await;
            if session.still_away(side, epoch) {
                state.end(&session, EndReason::Disconnect);
            }
        }
        .instrument(span),
    );
}

async fn customer_loop(
    mut stream: SplitStream<WebSocket>,
    tx: Outbox,
    state: AppState,
    user_agent: String,
) {
    let silence = state.config.heartbeat_timeout;
    let mut session: Option<Arc<Session>> = None;
    let mut ended = None;
    loop {
        let routing = session.as_ref().map_or(0, |s| s.routing);
        let env = match next_frame::<CustomerMsg>(&mut stream, &mut ended, silence).await {
            Next::Frame(env) => env,
            Next::Bad(e) => break bad_frame(&tx, routing, e.to_string()).await,
            Next::Text => break bad_frame(&tx, routing, TEXT_FRAME.into()).await,
            Next::Gone => break,
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
                let Some(s) = state.registry.create(tx.clone()) else {
                    let msg = "the server has no free session codes; try again shortly".into();
                    break refuse(&tx, 0, ErrorCode::CodesExhausted, msg, CLOSE_NORMAL).await;
                };
                tracing::info!(parent: &s.span, url = %page.url, "session created");
                bump(&state.metrics.sessions_created, 1);
                let ua = if ua.is_empty() {
                    user_agent.clone()
                } else {
                    ua
                };
                let record = SessionRecord {
                    id: s.id,
                    routing: s.routing,
                    created_at: now_millis(),
                    user_agent: ua,
                    first_url: state.history_url(&page.url),
                    agent_id: None,
                    joined_at: None,
                    ended_at: None,
                    end_reason: None,
                    first_session,
                };
                let (id, at) = (s.id, record.created_at);
                let (url, title) = (record.first_url.clone(), page.title);
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
                spawn_inactivity_timer(state.clone(), s.clone());
                ended = Some(s.phases());
                session = Some(s);
            }
            (CustomerMsg::Resume(r), None) => match resume(&state, Side::Customer, &r, &tx).await {
                Ok(s) => {
                    ended = Some(s.phases());
                    session = Some(s);
                }
                Err(why) => break refuse(&tx, 0, ErrorCode::CannotResume, why, CLOSE_POLICY).await,
            },
            (CustomerMsg::Create { .. } | CustomerMsg::Resume(_), Some(s)) => {
                let _ = tx.try_send(error_frame(
                    s.routing,
                    ErrorCode::BadFrame,
                    "this socket already has a session".into(),
                ));
            }
            (CustomerMsg::Key(k), Some(s)) => s.tell(Side::Agent, RelayMsg::Key(k)),
            (CustomerMsg::VerificationFailed, Some(s)) => match s.verification_failed() {
                VerifyOutcome::Exhausted => {
                    state.end(s, EndReason::VerificationFailed);
                    break;
                }
                VerifyOutcome::Retry { attempts_left } => {
                    tracing::warn!(parent: &s.span, attempts_left, "verification failed; agent removed");
                }
            },
            (CustomerMsg::Sealed(payload), Some(s)) => {
                let outcome =
                    route(&state, s, Side::Customer, env.delivery, env.seq, payload).await;
                if outcome == Forwarded::Nobody {
                    let _ = tx.try_send(error_frame(
                        s.routing,
                        ErrorCode::NotInSession,
                        "no agent has joined yet".into(),
                    ));
                }
            }
            (CustomerMsg::PageVisit(page), Some(s)) => {
                let url = state.history_url(&page.url);
                tracing::info!(parent: &s.span, %url, "page visit");
                let id = s.id;
                state.persist(&s.span, "page visit", move |store| {
                    store
                        .add_page(id, &url, &page.title, now_millis())
                        .map(|_| ())
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

async fn agent_loop(mut stream: SplitStream<WebSocket>, tx: Outbox, state: AppState) {
    let silence = state.config.heartbeat_timeout;
    let mut session: Option<Arc<Session>> = None;
    let mut ended = None;
    loop {
        let routing = session.as_ref().map_or(0, |s| s.routing);
        let env = match next_frame::<AgentMsg>(&mut stream, &mut ended, silence).await {
            Next::Frame(env) => env,
            Next::Bad(e) => break bad_frame(&tx, routing, e.to_string()).await,
            Next::Text => break bad_frame(&tx, routing, TEXT_FRAME.into()).await,
            Next::Gone => break,
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
                    if let Some(s) = state.registry.get(routing) {
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
                route(&state, s, Side::Agent, env.delivery, env.seq, payload).await;
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

/// Ends the session once it has waited `inactivity_timeout` for an agent. Each new waiting
/// period (a session goes back to waiting after a failed verification) gets the full timeout.
fn spawn_inactivity_timer(state: AppState, session: Arc<Session>) {
    let timeout = state.config.inactivity_timeout;
    let span = session.span.clone();
    tokio::spawn(
        async move {
            let mut phases = session.phases();
            loop {
                let phase = *phases.borrow_and_update();
                match phase {
                    Phase::Ended(_) => break,
                    Phase::Active => {
                        if phases.changed().await.is_err() {
                            break;
                        }
                    }
                    Phase::Waiting => tokio::select! {
                        _ = tokio::time::sleep(timeout) => {
                            if session.phase() == Phase::Waiting {
                                state.end(&session, EndReason::Inactivity);
                            }
                            break;
                        }
                        changed = phases.changed() => if changed.is_err() { break },
                    },
                }
            }
        }
        .instrument(span),
    );
}
