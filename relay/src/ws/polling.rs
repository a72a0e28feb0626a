//! For clients whose WebSocket a proxy refuses: the same envelopes over HTTP long polling,
//! run through the same loops as a WebSocket (the connection's stand-in is a [`Connection`]).
//!
//! - `POST /poll/customer` or `/poll/agent` opens a connection (the same checks as the
//!   WebSocket: the customer's `Origin`, `connections_per_ip`) and answers its id, a 128-bit
//!   random capability the next requests carry in the `x-cobrowse-poll` header (not in the
//!   URL: URLs end up in logs).
//! - `POST /poll` carries messages up; `GET /poll` waits up to [`LONG_POLL`] for messages down
//!   and answers all that are queued (204 when none came); `DELETE /poll` closes.
//! - Both bodies are records ([`shared_protocol::poll_records`]: a message, or the close with
//!   its code and reason).
//!
//! Messages down wait in a queue of [`QUEUE_LEN`]: a client that stops polling fills it, then
//! the session's own back-pressure applies as for a slow socket. A connection nobody polls for
//! `heartbeat_timeout` is closed (its loop sees the stream end, as for a dropped socket).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use futures_util::StreamExt;
use shared_protocol::poll_records::{decode_records, Record};
use shared_protocol::MAX_FRAME_LEN;
use tokio::sync::{mpsc, Notify};
use tokio::time::Instant;

use super::connection::{connection, Incoming};
use super::{admit_customer, connection_slot, serve};
use crate::client_ip::ClientIp;
use crate::error::HttpError;
use crate::sessions::{Side, QUEUE_LEN};
use crate::state::AppState;

/// How long a poll waits for something to answer.
pub const LONG_POLL: Duration = Duration::from_secs(25);
/// The header naming the connection.
pub use shared_protocol::poll_records::POLL_HEADER;
/// Bytes one poll answers at most (a snapshot frame alone may be more: it goes whole).
const ANSWER_BYTES: usize = 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/poll/customer", post(open_customer))
        .route("/poll/agent", post(open_agent))
        .route("/poll", post(push).get(poll).delete(close))
        .layer(axum::extract::DefaultBodyLimit::max(
            MAX_FRAME_LEN + 64 * 1024,
        ))
}

/// The open connections of this node, by id.
#[derive(Default)]
pub struct Polls(Mutex<HashMap<String, Arc<Polled>>>);

impl Polls {
    fn get(&self, headers: &HeaderMap) -> Result<Arc<Polled>, HttpError> {
        let id = headers
            .get(POLL_HEADER)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| HttpError::BadRequest(format!("no {POLL_HEADER} header")))?;
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(id).cloned().ok_or_else(gone)
    }

    fn forget(&self, id: &str) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(id);
    }
}

/// One connection: messages up go to its loop, messages down wait for a poll.
struct Polled {
    up: mpsc::Sender<Result<Message, axum::Error>>,
    down: Mutex<Down>,
    ready: Notify,
    room: Notify,
    /// One poll at a time answers, so answers cannot overtake each other.
    polling: tokio::sync::Mutex<()>,
    seen: Mutex<Instant>,
}

#[derive(Default)]
struct Down {
    records: VecDeque<Record>,
    /// The loop ended (its close, if any, is the last record).
    ended: bool,
}

impl Polled {
    fn lock(&self) -> std::sync::MutexGuard<'_, Down> {
        self.down.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn touch(&self) {
        *self.seen.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
    }

    /// Queues a record for the client, waiting while [`QUEUE_LEN`] already wait.
    async fn queue(&self, record: Record) {
        loop {
            let room = self.room.notified();
            {
                let mut down = self.lock();
                if down.records.len() < QUEUE_LEN {
                    down.records.push_back(record);
                    self.ready.notify_one();
                    return;
                }
            }
            room.await;
        }
    }
}

async fn open_customer(
    client: ClientIp,
    headers: HeaderMap,
    State(state): State<AppState>,
) -> Result<Response, HttpError> {
    let user_agent = admit_customer(&state, &headers)?;
    open(state, Side::Customer, client, user_agent)
}

async fn open_agent(
    client: ClientIp,
    State(state): State<AppState>,
) -> Result<Response, HttpError> {
    open(state, Side::Agent, client, String::new())
}

fn open(
    state: AppState,
    side: Side,
    client: ClientIp,
    user_agent: String,
) -> Result<Response, HttpError> {
    let slot = connection_slot(&state, client)?;
    let id: String = (0..16)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect();
    let (up, up_rx) = mpsc::channel(QUEUE_LEN);
    let polled = Arc::new(Polled {
        up,
        down: Mutex::default(),
        ready: Notify::new(),
        room: Notify::new(),
        polling: tokio::sync::Mutex::new(()),
        seen: Mutex::new(Instant::now()),
    });
    let sink = futures_util::sink::unfold(polled.clone(), |polled, msg: Message| async move {
        match msg {
            Message::Binary(bytes) => polled.queue(Record::Message(bytes.to_vec())).await,
            Message::Close(frame) => {
                let (code, reason) = frame
                    .map(|CloseFrame { code, reason }| (code, reason.to_string()))
                    .unwrap_or((1000, String::new()));
                polled.queue(Record::Close { code, reason }).await;
            }
            _ => {}
        }
        Ok::<_, axum::Error>(polled)
    });
    let stream = tokio_stream_of(up_rx);
    let conn = connection(Box::pin(sink), stream);
    state
        .polls
        .0
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(id.clone(), polled.clone());
    let (key, watched) = (id.clone(), polled.clone());
    let silent_after = state
        .config
        .heartbeat_timeout
        .max(LONG_POLL + Duration::from_secs(5));
    tokio::spawn(async move {
        let polls = state.clone();
        let served = serve(state, conn, side, client, user_agent, slot);
        tokio::pin!(served);
        // Ends when the loop does, or when the client stopped asking: dropping `served`
        // ends the loop as a dropped socket would.
        loop {
            tokio::select! {
                () = &mut served => break,
                () = tokio::time::sleep(Duration::from_secs(1)) => {
                    let seen = *watched.seen.lock().unwrap_or_else(|p| p.into_inner());
                    if seen.elapsed() > silent_after {
                        tracing::info!("a polling client went silent; closing its connection");
                        break;
                    }
                }
            }
        }
        watched.lock().ended = true;
        watched.ready.notify_one();
        // The client may still fetch the last records (a close); then it is gone.
        tokio::time::sleep(LONG_POLL).await;
        polls.polls.forget(&key);
    });
    Ok(([(axum::http::header::CACHE_CONTROL, "no-store")], id).into_response())
}

fn tokio_stream_of(mut rx: mpsc::Receiver<Result<Message, axum::Error>>) -> Incoming {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)).boxed()
}

/// Messages up, in order.
async fn push(
    headers: HeaderMap,
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response, HttpError> {
    let polled = state.polls.get(&headers)?;
    polled.touch();
    let records = decode_records(&body)
        .map_err(|e| HttpError::BadRequest(format!("malformed records: {e}")))?;
    for record in records {
        let msg = match record {
            Record::Message(data) => Message::Binary(data.into()),
            Record::Close { .. } => {
                return Err(HttpError::BadRequest("only messages go up".into()))
            }
        };
        if polled.up.send(Ok(msg)).await.is_err() {
            return Err(gone());
        }
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Waits for messages down and answers those queued.
async fn poll(headers: HeaderMap, State(state): State<AppState>) -> Result<Response, HttpError> {
    let polled = state.polls.get(&headers)?;
    let _one = polled.polling.lock().await;
    polled.touch();
    let deadline = Instant::now() + LONG_POLL;
    loop {
        let ready = polled.ready.notified();
        let (body, ended) = {
            let mut down = polled.lock();
            let mut body = Vec::new();
            while let Some(record) = down.records.pop_front() {
                record.encode_into(&mut body);
                if body.len() >= ANSWER_BYTES {
                    break;
                }
            }
            (body, down.ended && down.records.is_empty())
        };
        if !body.is_empty() {
            polled.room.notify_waiters();
            polled.touch();
            return Ok(body.into_response());
        }
        if ended {
            return Err(gone());
        }
        if tokio::time::timeout_at(deadline, ready).await.is_err() {
            polled.touch();
            return Ok(StatusCode::NO_CONTENT.into_response());
        }
    }
}

/// The client leaves: its loop sees the stream end.
async fn close(headers: HeaderMap, State(state): State<AppState>) -> Result<Response, HttpError> {
    let id = headers
        .get(POLL_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    state.polls.get(&headers)?;
    state.polls.forget(&id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn gone() -> HttpError {
    HttpError::NotFound("no such polling connection (closed, or never opened)".into())
}
