//! The customer's WebSocket to the relay: binary envelopes out, [`SocketEvent`]s in. Sequence
//! numbers are kept per delivery class. Dropping it closes the socket and detaches its handlers.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use shared_protocol::crypto::Sealer;
use shared_protocol::{CustomerMsg, Delivery, Envelope, RelayMsg};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, Event, MessageEvent, WebSocket};

pub enum SocketEvent {
    Open,
    /// A frame from the relay; its `seq` and class matter for sealed payloads.
    Message(Envelope<RelayMsg>),
    /// A frame from the relay that could not be decoded; the socket stays open.
    BadFrame(String),
    Closed {
        code: u16,
        reason: String,
    },
}

type Handler = Rc<RefCell<dyn FnMut(SocketEvent)>>;

#[must_use = "the socket closes when this is dropped"]
pub struct RelaySocket {
    ws: WebSocket,
    session: Cell<u32>,
    reliable_seq: Cell<u64>,
    ephemeral_seq: Cell<u64>,
    _on_open: Closure<dyn FnMut(Event)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

/// `http://host/` → `ws://host/path`, `https://` → `wss://`.
pub fn websocket_url(relay_url: &str, path: &str) -> String {
    let base = relay_url.trim_end_matches('/');
    let base = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_string()
    };
    format!("{base}{path}")
}

impl RelaySocket {
    pub fn open(url: &str, on_event: impl FnMut(SocketEvent) + 'static) -> Result<Self, JsValue> {
        let ws = WebSocket::new(url)?;
        ws.set_binary_type(BinaryType::Arraybuffer);
        let handler: Handler = Rc::new(RefCell::new(on_event));
        let emit = move |h: &Handler, e: SocketEvent| (h.borrow_mut())(e);

        let h = handler.clone();
        let on_open = Closure::<dyn FnMut(Event)>::new(move |_| emit(&h, SocketEvent::Open));
        let h = handler.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let Ok(buf) = e.data().dyn_into::<js_sys::ArrayBuffer>() else {
                emit(&h, SocketEvent::BadFrame("a text frame".into()));
                return;
            };
            let bytes = js_sys::Uint8Array::new(&buf).to_vec();
            match Envelope::<RelayMsg>::decode(&bytes) {
                Ok(env) => emit(&h, SocketEvent::Message(env)),
                Err(err) => emit(&h, SocketEvent::BadFrame(err.to_string())),
            }
        });
        let h = handler;
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |e: CloseEvent| {
            emit(
                &h,
                SocketEvent::Closed {
                    code: e.code(),
                    reason: e.reason(),
                },
            )
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(Self {
            ws,
            session: Cell::new(0),
            reliable_seq: Cell::new(0),
            ephemeral_seq: Cell::new(0),
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        })
    }

    /// The routing part the relay allocated; stamped on every later envelope.
    pub fn set_session(&self, routing: u32) {
        self.session.set(routing);
    }

    /// Starts sealed sequence numbers again from 1: each new key exchange starts a new
    /// sequence space (the keys differ, so no nonce repeats).
    pub fn restart_sequences(&self) {
        self.reliable_seq.set(0);
        self.ephemeral_seq.set(0);
    }

    /// Sends a control message (sequence number 0); false when the socket is not open.
    pub fn send_control(&self, msg: CustomerMsg) -> bool {
        self.send_frame(Envelope::new(
            self.session.get(),
            Delivery::Reliable,
            0,
            msg,
        ))
    }

    /// Seals `plaintext` for the agent under the next sequence number of its class.
    pub fn send_sealed(&self, sealer: &Sealer, delivery: Delivery, plaintext: &[u8]) -> bool {
        let counter = match delivery {
            Delivery::Reliable => &self.reliable_seq,
            Delivery::Ephemeral => &self.ephemeral_seq,
        };
        let seq = counter.get() + 1;
        counter.set(seq);
        let sealed = sealer.seal(self.session.get(), delivery, seq, plaintext);
        let msg = CustomerMsg::Sealed(sealed);
        self.send_frame(Envelope::new(self.session.get(), delivery, seq, msg))
    }

    fn send_frame(&self, envelope: Envelope<CustomerMsg>) -> bool {
        if self.ws.ready_state() != WebSocket::OPEN {
            return false;
        }
        self.ws.send_with_u8_array(&envelope.encode()).is_ok()
    }
}

impl Drop for RelaySocket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}

#[cfg(test)]
mod tests {
    use super::websocket_url;

    #[test]
    fn http_urls_become_websocket_urls() {
        assert_eq!(
            websocket_url("http://127.0.0.1:8080/", "/ws/customer"),
            "ws://127.0.0.1:8080/ws/customer"
        );
        assert_eq!(
            websocket_url("https://cb.bank.example", "/ws/customer"),
            "wss://cb.bank.example/ws/customer"
        );
    }
}
