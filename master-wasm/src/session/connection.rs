//! The customer's connection to the relay: opening the socket (WebSocket or long polling, as
//! [`TransportChoice`] says for each new connection), what to do when it closes (switch
//! transport at once, resume after increasing delays, or give up), and the heartbeats that
//! carry what was received. A WebSocket refused before it opened is followed at once by HTTP
//! long polling, and a polling connection that found the WebSocket working again is followed
//! at once by a WebSocket that resumes the session.

use shared_protocol::texts::WidgetText;
use shared_protocol::transport::{AfterClose, Attempt, Transport, TransportChoice};
use shared_protocol::{CustomerMsg, CLOSE_RESTARTING, HEARTBEAT_INTERVAL_SECS};
use wasm_bindgen::JsValue;

use super::outbound::SharedOutbound;
use super::ticket::Ticket;
use crate::browser::{now_ms, Interval, Timeout};
use crate::socket::{RelaySocket, SocketEvent};

/// What a closed connection leads to.
#[derive(Debug)]
pub enum Closed {
    /// Another transport, at once (a proxy refused the WebSocket, or it works again).
    Reopen,
    /// Resume after the `attempt`th delay; the relay said it was restarting.
    Retry { attempt: usize, restarting: bool },
    /// No session to resume: the connection is lost, for this reason.
    Lost(String),
}

/// A reconnect under way: the how-manyth, whether the relay said it is restarting (the status
/// says so until a resume succeeds), and its timer.
struct Reconnect {
    attempt: usize,
    restarting: bool,
    _timer: Timeout,
}

#[derive(Default)]
pub struct Connection {
    /// WebSocket or long polling, for each new connection.
    transport: TransportChoice,
    /// The current connection's.
    attempt: Option<Attempt>,
    reconnect: Option<Reconnect>,
    heartbeat: Option<Interval>,
}

impl Connection {
    /// Opens a connection for `ticket`'s session (or a new one), on `out`'s link.
    pub fn open(
        &mut self,
        ticket: &Ticket,
        out: &SharedOutbound,
        on_event: impl FnMut(SocketEvent) + 'static,
    ) -> Result<(), JsValue> {
        let attempt = self.transport.start(now_ms());
        let socket = RelaySocket::open(
            attempt.transport,
            ticket.relay_url(),
            &shared_protocol::node_hint::url_with_node("/ws/customer", ticket.node()),
            on_event,
        )?;
        out.borrow_mut().set_socket(Some(socket));
        self.attempt = Some(attempt);
        Ok(())
    }

    pub fn opened(&mut self) {
        if let Some(attempt) = &mut self.attempt {
            self.transport.opened(attempt);
        }
    }

    /// The current connection closed with `code` and `reason`; `resumable`: the relay knows
    /// our session.
    pub fn closed(&mut self, code: u16, reason: String, resumable: bool) -> Closed {
        let after = self.attempt.take().map_or(AfterClose::Dropped, |a| {
            self.transport.closed(a, code, now_ms())
        });
        if after != AfterClose::Dropped {
            return Closed::Reopen;
        }
        if resumable {
            // Each drop before a successful resume waits longer, and gives up in the end. A
            // relay that said it restarts is still restarting until a resume succeeds.
            return Closed::Retry {
                attempt: self.reconnect.as_ref().map_or(0, |r| r.attempt + 1),
                restarting: code == CLOSE_RESTARTING || self.restarting(),
            };
        }
        Closed::Lost(if reason.is_empty() {
            format!("connection closed ({code})")
        } else {
            reason
        })
    }

    /// Waits the `attempt`th delay, then calls `due`; the status to show meanwhile, or `None`
    /// when there are no more attempts.
    pub fn retry(
        &mut self,
        attempt: usize,
        restarting: bool,
        due: impl FnOnce() + 'static,
    ) -> Option<WidgetText> {
        let delay = shared_protocol::link::reconnect_delay_ms(attempt)?;
        self.reconnect = Some(Reconnect {
            attempt,
            restarting,
            _timer: Timeout::new(delay as i32, due),
        });
        Some(if restarting {
            WidgetText::Restarting
        } else {
            WidgetText::Reconnecting
        })
    }

    /// The relay said it is restarting, and no resume has succeeded since.
    pub fn restarting(&self) -> bool {
        self.reconnect.as_ref().is_some_and(|r| r.restarting)
    }

    /// A resume succeeded: the delays start over.
    pub fn resumed(&mut self) {
        self.reconnect = None;
    }

    /// How this browser reaches the relay now, once the connection is open.
    pub fn open_transport(&self) -> Option<Transport> {
        self.attempt.and_then(|a| a.open_transport())
    }

    /// Tells the relay every few seconds what was received (it trims its replay buffer).
    pub fn start_heartbeat(&mut self, out: &SharedOutbound) {
        let out = out.clone();
        let every = HEARTBEAT_INTERVAL_SECS as i32 * 1000;
        self.heartbeat = Some(Interval::new(every, move || {
            let out = out.borrow();
            let last_received = out.last_received();
            out.send_control(CustomerMsg::Heartbeat { last_received });
        }));
    }

    /// The session is over: no heartbeat, no reconnect (the transport choice stays).
    pub fn stop(&mut self) {
        self.heartbeat = None;
        self.reconnect = None;
    }
}
