//! The agent's WebSocket to the relay (same origin as the console). Messages to send go through
//! an unbounded channel to a writer task; every decoded frame from the relay is handed to a
//! callback. Dropping the [`Connection`] closes the socket.

use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use gloo_net::websocket::{futures::WebSocket, Message};
use std::cell::Cell;

use shared_protocol::crypto::Sealer;
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
    Closed,
}

pub struct Connection {
    routing: u32,
    tx: mpsc::UnboundedSender<Envelope<AgentMsg>>,
    reliable_seq: Cell<u64>,
    ephemeral_seq: Cell<u64>,
}

/// The relay's agent endpoint on the console's own origin.
fn agent_ws_url() -> Result<String, String> {
    let location = web_sys::window().ok_or("no window")?.location();
    let protocol = location.protocol().map_err(|_| "no location")?;
    let host = location.host().map_err(|_| "no location")?;
    let scheme = if protocol == "https:" { "wss" } else { "ws" };
    Ok(format!("{scheme}://{host}/ws/agent"))
}

impl Connection {
    /// Opens the socket and sends `Join` first.
    pub fn open(
        token: String,
        routing: u32,
        on_event: Callback<ConnEvent>,
    ) -> Result<Self, String> {
        let ws = WebSocket::open(&agent_ws_url()?)
            .map_err(|e| format!("cannot reach the co-browse server: {e}"))?;
        let (mut write, mut read) = ws.split();
        let (tx, mut rx) = mpsc::unbounded::<Envelope<AgentMsg>>();
        let join = AgentMsg::Join { token, routing };
        tx.unbounded_send(Envelope::new(routing, Delivery::Reliable, 0, join))
            .map_err(|e| e.to_string())?;
        wasm_bindgen_futures::spawn_local(async move {
            while let Some(envelope) = rx.next().await {
                if write.send(Message::Bytes(envelope.encode())).await.is_err() {
                    break;
                }
            }
            let _ = write.close().await;
        });
        wasm_bindgen_futures::spawn_local(async move {
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
                    Err(_) => break,
                };
                on_event.emit(event);
            }
            on_event.emit(ConnEvent::Closed);
        });
        Ok(Self {
            routing,
            tx,
            reliable_seq: Cell::new(0),
            ephemeral_seq: Cell::new(0),
        })
    }

    /// Sends a control message (sequence number 0).
    pub fn send_control(&self, msg: AgentMsg) {
        // A closed socket reports itself through `ConnEvent::Closed`.
        let _ = self
            .tx
            .unbounded_send(Envelope::new(self.routing, Delivery::Reliable, 0, msg));
    }

    /// Seals `plaintext` for the customer under the next sequence number of its class.
    pub fn send_sealed(&self, sealer: &Sealer, delivery: Delivery, plaintext: &[u8]) {
        let counter = match delivery {
            Delivery::Reliable => &self.reliable_seq,
            Delivery::Ephemeral => &self.ephemeral_seq,
        };
        let seq = counter.get() + 1;
        counter.set(seq);
        let sealed = sealer.seal(self.routing, delivery, seq, plaintext);
        let _ = self.tx.unbounded_send(Envelope::new(
            self.routing,
            delivery,
            seq,
            AgentMsg::Sealed(sealed),
        ));
    }
}
