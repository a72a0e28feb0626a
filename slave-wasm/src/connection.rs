//! The agent's WebSocket to the relay (same origin as the console). Messages to send go through
//! an unbounded channel to a writer task; every decoded frame from the relay is handed to a
//! callback. Dropping the [`Connection`] closes the socket.

use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use gloo_net::websocket::{futures::WebSocket, Message};
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
    tx: mpsc::UnboundedSender<AgentMsg>,
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
        let (tx, mut rx) = mpsc::unbounded::<AgentMsg>();
        tx.unbounded_send(AgentMsg::Join { token, routing })
            .map_err(|e| e.to_string())?;
        wasm_bindgen_futures::spawn_local(async move {
            let mut seq = 0u64;
            while let Some(msg) = rx.next().await {
                seq += 1;
                let frame = Envelope::new(routing, Delivery::Reliable, seq, msg).encode();
                if write.send(Message::Bytes(frame)).await.is_err() {
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
        Ok(Self { tx })
    }

    pub fn send(&self, msg: AgentMsg) {
        // A closed socket reports itself through `ConnEvent::Closed`.
        let _ = self.tx.unbounded_send(msg);
    }
}
