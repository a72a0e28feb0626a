//! The agent's connection to the relay (same origin as the console): a WebSocket or, when a
//! proxy refuses that, HTTP long polling ([`crate::polling`]), chosen by
//! [`TransportChoice`] as the customer's module chooses. Envelopes to send go through an
//! unbounded channel to the connection's task; every decoded frame from the relay is handed to
//! a callback. Numbering and sealing live in the session, which outlives a connection: a
//! dropped one is replaced by a new one that opens with `Resume`. Dropping it closes it.

use std::cell::RefCell;

use futures::channel::mpsc;
use futures::future::{select, Either};
use futures::{SinkExt, StreamExt};
use gloo_net::websocket::{futures::WebSocket, Message, State, WebSocketError};
use shared_protocol::transport::{AfterClose, Attempt, Transport, TransportChoice};
use shared_protocol::{AgentMsg, Delivery, Envelope, RelayMsg};
use yew::Callback;

pub enum ConnEvent {
    /// The connection opened, by this transport.
    Opened(Transport),
    /// A frame from the relay, with the sequence number and class it travelled with.
    Relay {
        seq: u64,
        delivery: Delivery,
        msg: RelayMsg,
    },
    BadFrame(String),
    /// The connection closed, with the relay's close code (1006 when it never opened or dropped).
    Closed {
        code: u16,
    },
}

/// What a dropped or refused connection reports, as a WebSocket's abnormal close does.
pub(crate) const ABNORMAL: u16 = 1006;
/// The code of a connection this console closed itself.
const NORMAL_CLOSE: u16 = 1000;

thread_local! {
    // The console's way to the relay: the same proxy stands between every session and it.
    static CHOICE: RefCell<TransportChoice> = RefCell::default();
}

pub struct Connection {
    routing: u32,
    tx: mpsc::UnboundedSender<Vec<u8>>,
}

/// Where the relay serves the console (`<origin><base_path>/`, ending in `/`): the page is
/// `<that>agent`, and the relay's other paths are beside it. A relay under a prefix (its
/// `base_path`, behind the site's own proxy) works as one at the root.
pub(crate) fn relay_base() -> Option<String> {
    let location = web_sys::window()?.location();
    let origin = location.origin().ok()?;
    let path = location.pathname().ok()?;
    let dir = path.rsplit_once('/').map_or("", |(dir, _)| dir);
    Some(format!("{origin}{dir}/"))
}

impl Connection {
    /// Opens a connection (to the relay `node` that runs the session, when known) that sends
    /// `first` (a `Join` or a `Resume`) as soon as it is open.
    pub fn open(
        routing: u32,
        first: AgentMsg,
        node: Option<&str>,
        on_event: Callback<ConnEvent>,
    ) -> Result<Self, String> {
        let base = relay_base().ok_or("no location")?;
        let (scheme, rest) = base.split_once("://").ok_or("no location")?;
        let ws_scheme = if scheme == "https" { "wss" } else { "ws" };
        let with_node = |url: String| shared_protocol::node_hint::url_with_node(&url, node);
        let urls = Urls {
            websocket: with_node(format!("{ws_scheme}://{rest}ws/agent")),
            poll_open: with_node(format!("{base}poll/agent")),
            poll: format!("{base}poll"),
        };
        let first = Envelope::new(routing, Delivery::Reliable, 0, first).encode();
        let (tx, rx) = mpsc::unbounded::<Vec<u8>>();
        wasm_bindgen_futures::spawn_local(run(urls, first, rx, on_event));
        Ok(Self { routing, tx })
    }

    /// Sends a control message (sequence number 0).
    pub fn send_control(&self, msg: AgentMsg) {
        self.send_frame(Envelope::new(self.routing, Delivery::Reliable, 0, msg).encode());
    }

    /// Sends an already encoded frame (a sealed one, or one kept for a resend).
    pub fn send_frame(&self, frame: Vec<u8>) {
        // A closed connection reports itself through `ConnEvent::Closed`.
        let _ = self.tx.unbounded_send(frame);
    }
}

pub(crate) struct Urls {
    /// The WebSocket (what a polling connection's probe tries too).
    pub(crate) websocket: String,
    /// `<relay>/poll/agent` with the WebSocket's query.
    pub(crate) poll_open: String,
    /// `<relay>/poll`.
    pub(crate) poll: String,
}

/// Connects by the chosen transport; a refused WebSocket is followed at once by polling. Any
/// other close goes to the session, which resumes on a new connection (at once when polling
/// found the WebSocket working again: its opening here would be stale).
async fn run(
    urls: Urls,
    first: Vec<u8>,
    mut rx: mpsc::UnboundedReceiver<Vec<u8>>,
    on_event: Callback<ConnEvent>,
) {
    loop {
        let mut attempt = CHOICE.with(|c| c.borrow().start(crate::session::now_ms()));
        let code = match attempt.transport {
            Transport::WebSocket => {
                websocket(&urls.websocket, &first, &mut rx, &on_event, &mut attempt).await
            }
            Transport::Polling => {
                crate::polling::run(&urls, &first, &mut rx, &on_event, &mut attempt).await
            }
        };
        let after = CHOICE.with(|c| {
            c.borrow_mut()
                .closed(attempt, code, crate::session::now_ms())
        });
        if after != AfterClose::FallBack {
            return on_event.emit(ConnEvent::Closed { code });
        }
    }
}

/// Says the connection opened by `transport`.
pub(crate) fn opened(attempt: &mut Attempt, on_event: &Callback<ConnEvent>) {
    CHOICE.with(|c| c.borrow_mut().opened(attempt));
    on_event.emit(ConnEvent::Opened(attempt.transport));
}

/// One frame from the relay as an event.
pub(crate) fn relay_event(bytes: &[u8]) -> ConnEvent {
    match Envelope::<RelayMsg>::decode(bytes) {
        Ok(env) => ConnEvent::Relay {
            seq: env.seq,
            delivery: env.delivery,
            msg: env.msg,
        },
        Err(e) => ConnEvent::BadFrame(e.to_string()),
    }
}

/// Opens a WebSocket to `url` and closes it again at once, nothing sent: whether it opened.
pub(crate) async fn websocket_opens(url: &str) -> bool {
    let Ok(mut ws) = WebSocket::open(url) else {
        return false;
    };
    let opened = futures::future::poll_fn(|cx| ws.poll_ready_unpin(cx))
        .await
        .is_ok()
        && matches!(ws.state(), State::Open);
    let _ = ws.close(Some(1000), None);
    opened
}

/// Serves one WebSocket until it closes; its close code.
async fn websocket(
    url: &str,
    first: &[u8],
    rx: &mut mpsc::UnboundedReceiver<Vec<u8>>,
    on_event: &Callback<ConnEvent>,
    attempt: &mut Attempt,
) -> u16 {
    let Ok(mut ws) = WebSocket::open(url) else {
        return ABNORMAL;
    };
    // Ready once it opened, or failed to (a refused upgrade fires `error` while it connects).
    if futures::future::poll_fn(|cx| ws.poll_ready_unpin(cx))
        .await
        .is_err()
        || !matches!(ws.state(), State::Open)
    {
        return ABNORMAL;
    }
    opened(attempt, on_event);
    let (mut write, mut read) = ws.split();
    // True once the session let go of the connection (its sender dropped).
    let writer = async move {
        let mut frame = Some(first.to_vec());
        while let Some(bytes) = frame {
            if write.send(Message::Bytes(bytes)).await.is_err() {
                return false;
            }
            frame = rx.next().await;
        }
        true
    };
    let reader = async move {
        while let Some(frame) = read.next().await {
            let event = match frame {
                Ok(Message::Bytes(bytes)) => relay_event(&bytes),
                Ok(Message::Text(_)) => ConnEvent::BadFrame("a text frame".into()),
                Err(WebSocketError::ConnectionClose(close)) => return close.code,
                Err(_) => break,
            };
            on_event.emit(event);
        }
        ABNORMAL
    };
    match select(Box::pin(writer), Box::pin(reader)).await {
        // Let go: the socket closes as both halves drop here, after what was sent (gloo's
        // sink `close` does nothing; waiting for the relay to close it left a failed or ended
        // console's socket open for as long as the relay kept it).
        Either::Left((true, _)) => NORMAL_CLOSE,
        Either::Left((false, reader)) => reader.await,
        Either::Right((code, _)) => code,
    }
}
