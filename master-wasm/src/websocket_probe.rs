//! While the customer's connection polls, a WebSocket to the relay is tried every
//! [`PROBE_WEBSOCKET_EVERY_MS`]: opened, and closed again at once with nothing sent. The first
//! one that opens says the proxy lets WebSockets through again; the polling connection then
//! closes itself so that the session resumes over a WebSocket (see
//! [`shared_protocol::transport`]). Dropping the probe stops it.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use shared_protocol::transport::PROBE_WEBSOCKET_EVERY_MS;

use crate::browser::Timeout;
use crate::socket::{Handler, SocketEvent, WebSocketConn};

#[must_use = "the probe stops when this is dropped"]
pub struct WebSocketProbe {
    _inner: Rc<Inner>,
}

struct Inner {
    url: String,
    stage: RefCell<Option<Stage>>,
    /// Called once, when a WebSocket opened.
    on_open: RefCell<Option<Box<dyn FnOnce()>>>,
}

/// What the probe holds: the timer of the next try, or the socket of this one.
enum Stage {
    Waiting { _timer: Timeout },
    Trying { _socket: WebSocketConn },
}

impl WebSocketProbe {
    /// Tries a WebSocket to `url` every [`PROBE_WEBSOCKET_EVERY_MS`] until one opens; then calls
    /// `on_open` and stops.
    pub fn start(url: String, on_open: impl FnOnce() + 'static) -> Self {
        let inner = Rc::new(Inner {
            url,
            stage: RefCell::new(None),
            on_open: RefCell::new(Some(Box::new(on_open))),
        });
        wait(&inner);
        Self { _inner: inner }
    }
}

/// The next try, a while from now.
fn wait(inner: &Rc<Inner>) {
    let weak = Rc::downgrade(inner);
    let timer = Timeout::new(PROBE_WEBSOCKET_EVERY_MS as i32, move || try_now(&weak));
    *inner.stage.borrow_mut() = Some(Stage::Waiting { _timer: timer });
}

fn try_now(weak: &Weak<Inner>) {
    let Some(inner) = weak.upgrade() else {
        return;
    };
    let events = weak.clone();
    let handler: Handler = Rc::new(RefCell::new(move |event: SocketEvent| {
        let Some(inner) = events.upgrade() else {
            return;
        };
        match event {
            SocketEvent::Open => {
                // Closes the probe's socket; the relay sees a WebSocket that said nothing.
                inner.stage.borrow_mut().take();
                let on_open = inner.on_open.borrow_mut().take();
                if let Some(on_open) = on_open {
                    on_open();
                }
            }
            // Refused (or dropped before it opened): try again later.
            SocketEvent::Closed { .. } => wait(&inner),
            SocketEvent::Message(_) | SocketEvent::BadFrame(_) => {}
        }
    }));
    match WebSocketConn::open(&inner.url, handler) {
        Ok(socket) => *inner.stage.borrow_mut() = Some(Stage::Trying { _socket: socket }),
        Err(_) => wait(&inner),
    }
}
