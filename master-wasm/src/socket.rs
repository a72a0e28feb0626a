//! The customer's connection to the relay: encoded envelopes out, [`SocketEvent`]s in, over a
//! WebSocket or, when a proxy refuses that, HTTP long polling ([`crate::polling`]); the session
//! above does not see which. Framing and numbering live in [`crate::link`], which outlives any
//! one connection. Dropping it closes the connection and detaches its handlers.

use std::cell::RefCell;
use std::rc::Rc;

use shared_protocol::transport::Transport;
use shared_protocol::{Envelope, RelayMsg};
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

pub(crate) type Handler = Rc<RefCell<dyn FnMut(SocketEvent)>>;

/// One connection to the relay, by either transport.
#[must_use = "the connection closes when this is dropped"]
pub enum RelaySocket {
    WebSocket(WebSocketConn),
    Polling(crate::polling::PollSocket),
}

impl RelaySocket {
    /// Opens `path` (with its query) on the relay at `relay_url` by `transport`.
    pub fn open(
        transport: Transport,
        relay_url: &str,
        path: &str,
        on_event: impl FnMut(SocketEvent) + 'static,
    ) -> Result<Self, JsValue> {
        let handler: Handler = Rc::new(RefCell::new(on_event));
        Ok(match transport {
            Transport::WebSocket => Self::WebSocket(WebSocketConn::open(
                &websocket_url(relay_url, path),
                handler,
            )?),
            Transport::Polling => {
                let base = relay_url.trim_end_matches('/');
                let urls = crate::polling::PollUrls {
                    relay: relay_url.to_string(),
                    open: format!("{base}/poll{}", path.strip_prefix("/ws").unwrap_or(path)),
                    websocket: websocket_url(relay_url, path),
                };
                Self::Polling(crate::polling::PollSocket::open(urls, handler)?)
            }
        })
    }

    /// Sends one encoded frame; false when the connection is not open.
    pub fn send(&self, frame: &[u8]) -> bool {
        match self {
            Self::WebSocket(ws) => ws.send(frame),
            Self::Polling(polling) => polling.send(frame),
        }
    }
}

#[must_use = "the socket closes when this is dropped"]
pub struct WebSocketConn {
    ws: WebSocket,
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

impl WebSocketConn {
    pub(crate) fn open(url: &str, handler: Handler) -> Result<Self, JsValue> {
        let ws = WebSocket::new(url)?;
        ws.set_binary_type(BinaryType::Arraybuffer);
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
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        })
    }

    /// Sends one encoded frame; false when the socket is not open.
    fn send(&self, frame: &[u8]) -> bool {
        self.ws.ready_state() == WebSocket::OPEN && self.ws.send_with_u8_array(frame).is_ok()
    }
}

impl Drop for WebSocketConn {
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
