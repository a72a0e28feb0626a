//! The agent's WebSocket to the relay (same origin as the console). Envelopes to send go
//! through an unbounded channel to a writer task; every decoded frame from the relay is handed
//! to a callback. Numbering and sealing live in the session, which outlives a connection: a
//! dropped one is replaced by a new one that opens with `Resume`. Dropping it closes the socket.

use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use gloo_net::websocket::{futures::WebSocket, Message, WebSocketError};
use shared_protocol::{AgentMsg, Delivery, Envelope, RelayMsg};
use yew::Callback;

pub enum ConnEvent {
    /// A frame from the relay, with the sequence number and class it travelled with.
    Relay {
        seq: u64,
        delivery: Delivery,
        msg: RelayMsg,
    },
    BadFrame(String),
    /// The socket closed, with the relay's close code (1006 when it never opened or dropped).
    Closed {
        code: u16,
    },
}

pub struct Connection {
    routing: u32,
    tx: mpsc::UnboundedSender<Vec<u8>>,
}

/// The relay's agent endpoint, beside the console's page.
fn agent_ws_url() -> Result<String, String> {
    let base = relay_base().ok_or("no location")?;
    let (scheme, rest) = base.split_once("://").ok_or("no location")?;
    let scheme = if scheme == "https" { "wss" } else { "ws" };
    Ok(format!("{scheme}://{rest}ws/agent"))
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
    /// Opens the socket (to the relay `node` that runs the session, when known) and sends
    /// `first` (a `Join` or a `Resume`).
    pub fn open(
        routing: u32,
        first: AgentMsg,
        node: Option<&str>,
        on_event: Callback<ConnEvent>,
    ) -> Result<Self, String> {
        let url = shared_protocol::node_hint::url_with_node(&agent_ws_url()?, node);
        let ws =
            WebSocket::open(&url).map_err(|e| format!("cannot reach the co-browse server: {e}"))?;
        let (mut write, mut read) = ws.split();
        let (tx, mut rx) = mpsc::unbounded::<Vec<u8>>();
        let conn = Self { routing, tx };
        conn.send_control(first);
        wasm_bindgen_futures::spawn_local(async move {
            while let Some(frame) = rx.next().await {
                if write.send(Message::Bytes(frame)).await.is_err() {
                    break;
                }
            }
            let _ = write.close().await;
        });
        wasm_bindgen_futures::spawn_local(async move {
            let mut code = 1006;
            while let Some(frame) = read.next().await {
                let event = match frame {
                    Ok(Message::Bytes(bytes)) => match Envelope::<RelayMsg>::decode(&bytes) {
                        Ok(env) => ConnEvent::Relay {
                            seq: env.seq,
                            delivery: env.delivery,
                            msg: env.msg,
                        },
                        Err(e) => ConnEvent::BadFrame(e.to_string()),
                    },
                    Ok(Message::Text(_)) => ConnEvent::BadFrame("a text frame".into()),
                    Err(WebSocketError::ConnectionClose(close)) => {
                        code = close.code;
                        break;
                    }
                    Err(_) => break,
                };
                on_event.emit(event);
            }
            on_event.emit(ConnEvent::Closed { code });
        });
        Ok(conn)
    }

    /// Sends a control message (sequence number 0).
    pub fn send_control(&self, msg: AgentMsg) {
        self.send_frame(Envelope::new(self.routing, Delivery::Reliable, 0, msg).encode());
    }

    /// Sends an already encoded frame (a sealed one, or one kept for a resend).
    pub fn send_frame(&self, frame: Vec<u8>) {
        // A closed socket reports itself through `ConnEvent::Closed`.
        let _ = self.tx.unbounded_send(frame);
    }
}
