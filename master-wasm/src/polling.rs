//! The customer's HTTP long-polling connection to the relay, for when a proxy refuses the
//! WebSocket: the same [`SocketEvent`]s as the WebSocket. `POST <relay>/poll/customer` opens it
//! (the relay answers an id, sent back in the `x-cobrowse-poll` header), one `GET /poll` at a
//! time waits for records down, one `POST /poll` at a time carries the queued records up (so
//! they arrive in order), and dropping it stops the poll and sends `DELETE /poll` once the last
//! records went up. Records are [`shared_protocol::poll_records`]. The connection lives on the
//! relay node that opened it: the later requests carry that node's name (its `x-cobrowse-node`
//! answer) as the `?node=` hint a load balancer routes on. While it is open, a
//! [`WebSocketProbe`] checks whether the WebSocket works again; when it does, the connection
//! closes itself with [`CLOSE_WEBSOCKET_AVAILABLE`] and the session resumes over a WebSocket.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use shared_protocol::node_hint;
use shared_protocol::poll_records::{decode_records, Record};
use shared_protocol::transport::{self, CLOSE_WEBSOCKET_AVAILABLE};
use shared_protocol::{Envelope, RelayMsg};
use shared_web::fetch::{poll_request, Answer};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::AbortController;

use crate::socket::{Handler, SocketEvent};
use crate::websocket_probe::WebSocketProbe;

/// The pushes and the close may outlive the page (`keepalive`), so that the `Leaving` and
/// `Exit` messages still go up while it unloads.
const OUTLIVES_PAGE: bool = true;
/// What a dropped or refused connection reports, as a WebSocket's abnormal close does.
const ABNORMAL: u16 = 1006;

/// Where a polling connection goes.
pub struct PollUrls {
    /// The relay's base URL.
    pub relay: String,
    /// `<relay>/poll/customer` with the WebSocket's query.
    pub open: String,
    /// The WebSocket this connection stands in for (what the probe tries).
    pub websocket: String,
}

#[must_use = "the connection closes when this is dropped"]
pub struct PollSocket {
    shared: Rc<Shared>,
}

struct Shared {
    /// `<relay>/poll`, with the hint for the node that opened the connection.
    url: RefCell<String>,
    id: RefCell<Option<String>>,
    /// Encoded records waiting to go up.
    outbox: RefCell<Vec<u8>>,
    pushing: Cell<bool>,
    /// Dropped: close once the outbox is empty.
    closing: Cell<bool>,
    /// Closed for a WebSocket that works again: the session's resume over it takes this
    /// connection's place, and the relay closes it then (a `DELETE` first would show the agent
    /// the customer gone for a moment).
    switching: Cell<bool>,
    /// No more events (dropped, or closed already).
    ended: Cell<bool>,
    abort: AbortController,
    handler: RefCell<Option<Handler>>,
    /// Tries the WebSocket again while the connection is open.
    probe: RefCell<Option<WebSocketProbe>>,
}

impl PollSocket {
    /// Opens a connection through `urls.open`.
    pub fn open(urls: PollUrls, handler: Handler) -> Result<Self, JsValue> {
        let shared = Rc::new(Shared {
            url: RefCell::new(format!("{}/poll", urls.relay.trim_end_matches('/'))),
            id: RefCell::new(None),
            outbox: RefCell::new(Vec::new()),
            pushing: Cell::new(false),
            closing: Cell::new(false),
            switching: Cell::new(false),
            ended: Cell::new(false),
            abort: AbortController::new()?,
            handler: RefCell::new(Some(handler)),
            probe: RefCell::new(None),
        });
        spawn_local(run(shared.clone(), urls));
        Ok(Self { shared })
    }

    /// Queues one encoded frame; false when the connection is not open.
    pub fn send(&self, frame: &[u8]) -> bool {
        let s = &self.shared;
        if s.ended.get() || s.id.borrow().is_none() {
            return false;
        }
        Record::Message(frame.to_vec()).encode_into(&mut s.outbox.borrow_mut());
        push(s);
        true
    }
}

impl Drop for PollSocket {
    fn drop(&mut self) {
        let s = &self.shared;
        s.ended.set(true);
        s.handler.borrow_mut().take();
        s.probe.borrow_mut().take();
        s.closing.set(true);
        s.abort.abort();
        push(s);
    }
}

impl Shared {
    fn emit(&self, event: SocketEvent) {
        if self.ended.get() {
            return;
        }
        let handler = self.handler.borrow().clone();
        if let Some(h) = handler {
            (h.borrow_mut())(event);
        }
    }

    /// The connection is over: say so once, and stop.
    fn close(&self, code: u16, reason: String) {
        self.emit(SocketEvent::Closed { code, reason });
        self.ended.set(true);
        self.probe.borrow_mut().take();
        self.abort.abort();
    }
}

/// Opens, then polls until the connection ends.
async fn run(s: Rc<Shared>, urls: PollUrls) {
    let id = match poll_request(
        "POST",
        &urls.open,
        None,
        None,
        Some(&s.abort.signal()),
        false,
    )
    .await
    {
        Ok(Answer {
            status: 200,
            body,
            header: node,
        }) => {
            let url = node_hint::url_with_node(&s.url.borrow(), node.as_deref());
            *s.url.borrow_mut() = url;
            String::from_utf8_lossy(&body).trim().to_string()
        }
        _ => return s.close(ABNORMAL, String::new()),
    };
    *s.id.borrow_mut() = Some(id.clone());
    let url = s.url.borrow().clone();
    if s.closing.get() {
        return push(&s);
    }
    s.emit(SocketEvent::Open);
    if !s.ended.get() {
        let weak = Rc::downgrade(&s);
        let probe = WebSocketProbe::start(urls.websocket, move || {
            if let Some(s) = weak.upgrade() {
                s.switching.set(true);
                s.close(CLOSE_WEBSOCKET_AVAILABLE, String::new());
            }
        });
        *s.probe.borrow_mut() = Some(probe);
    }
    while !s.ended.get() {
        let body = match poll_request("GET", &url, Some(&id), None, Some(&s.abort.signal()), false)
            .await
        {
            Ok(Answer {
                status: 200, body, ..
            }) => body,
            Ok(Answer { status: 204, .. }) => continue,
            _ => return s.close(ABNORMAL, String::new()),
        };
        let records = match decode_records(&body) {
            Ok(records) => records,
            Err(e) => return s.emit(SocketEvent::BadFrame(e.to_string())),
        };
        for record in records {
            match record {
                Record::Message(bytes) => s.emit(match Envelope::<RelayMsg>::decode(&bytes) {
                    Ok(env) => SocketEvent::Message(env),
                    Err(err) => SocketEvent::BadFrame(err.to_string()),
                }),
                Record::Close { code, reason } => {
                    return s.close(transport::from_relay(code), reason)
                }
            }
        }
    }
}

/// Sends what waits in the outbox, one request at a time; then the close, when dropped.
fn push(s: &Rc<Shared>) {
    if s.pushing.get() {
        return;
    }
    let Some(id) = s.id.borrow().clone() else {
        return;
    };
    s.pushing.set(true);
    let s = s.clone();
    let url = s.url.borrow().clone();
    spawn_local(async move {
        loop {
            let body = std::mem::take(&mut *s.outbox.borrow_mut());
            if body.is_empty() {
                break;
            }
            let sent =
                poll_request("POST", &url, Some(&id), Some(&body), None, OUTLIVES_PAGE).await;
            if !matches!(
                sent,
                Ok(Answer {
                    status: 200..=299,
                    ..
                })
            ) {
                s.close(ABNORMAL, String::new());
                break;
            }
        }
        s.pushing.set(false);
        if s.closing.get() && !s.switching.get() {
            let _ = poll_request("DELETE", &url, Some(&id), None, None, OUTLIVES_PAGE).await;
        }
    });
}
