//! Which way a browser reaches the relay: a WebSocket, or HTTP long polling
//! ([`crate::poll_records`]) when something between them refuses the WebSocket. Both browsers
//! make the same choice through [`TransportChoice`]: a WebSocket that closes before it ever
//! opened (a proxy answering the upgrade with an error) is followed at once by polling, and
//! later connections keep polling for [`RETRY_WEBSOCKET_AFTER_MS`] before trying the WebSocket
//! again. While a connection polls, its browser tries a WebSocket every
//! [`PROBE_WEBSOCKET_EVERY_MS`] (opened and closed at once, nothing sent): when one opens, the
//! polling connection closes itself with [`CLOSE_WEBSOCKET_AVAILABLE`] and the session resumes
//! at once over a WebSocket, so a proxy that stops refusing brings the WebSocket back within a
//! minute, mid-session. When polling fails to open as well, nothing refused the WebSocket in
//! particular (the relay is down or restarting): the next connection tries the WebSocket first
//! again.

use serde::{Deserialize, Serialize};

/// How long polling is used after a refused WebSocket before a new connection tries it again.
pub const RETRY_WEBSOCKET_AFTER_MS: f64 = 60_000.0;

/// How often a polling connection checks whether a WebSocket opens again.
pub const PROBE_WEBSOCKET_EVERY_MS: u32 = 60_000;

/// The code a polling connection closes itself with when a WebSocket probe opened (a browser's
/// own code: the relay never sends it).
pub const CLOSE_WEBSOCKET_AVAILABLE: u16 = 4100;

/// A close code as the relay sent it: [`CLOSE_WEBSOCKET_AVAILABLE`] is the browser's own (its
/// probe found a WebSocket), so from the relay it counts as an abnormal close (a relay cannot
/// make a browser switch, nor skip the delays between reconnects by saying so).
pub fn from_relay(code: u16) -> u16 {
    if code == CLOSE_WEBSOCKET_AVAILABLE {
        1006
    } else {
        code
    }
}

/// What a browser does after a connection closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterClose {
    /// A WebSocket refused before it opened: the same opening again at once, over polling.
    FallBack,
    /// A polling connection saw a WebSocket open: resume at once, over a WebSocket.
    Switch,
    /// An ordinary drop: resume after the usual delay (or end, when there is no session).
    Dropped,
}

/// The way one connection to the relay travels. The customer tells the console its own
/// (`CustomerPageMsg::Transport`), so the agent sees both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Transport {
    WebSocket,
    Polling,
}

/// The choice of transport across a session's connections (times are milliseconds of any
/// monotonic-enough clock, e.g. `Date.now()`).
#[derive(Debug, Default)]
pub struct TransportChoice {
    websocket_refused_at: Option<f64>,
}

/// One connection's transport, and whether it opened. Each connection keeps its own: an old
/// one may close after its replacement started.
#[derive(Debug, Clone, Copy)]
#[must_use]
pub struct Attempt {
    pub transport: Transport,
    opened: bool,
}

impl Attempt {
    /// The transport, once the connection opened.
    pub fn open_transport(&self) -> Option<Transport> {
        self.opened.then_some(self.transport)
    }
}

impl TransportChoice {
    /// The transport for a new connection.
    pub fn start(&self, now_ms: f64) -> Attempt {
        let transport = match self.websocket_refused_at {
            Some(at) if now_ms - at < RETRY_WEBSOCKET_AFTER_MS => Transport::Polling,
            _ => Transport::WebSocket,
        };
        Attempt {
            transport,
            opened: false,
        }
    }

    /// The connection of `attempt` opened.
    pub fn opened(&mut self, attempt: &mut Attempt) {
        attempt.opened = true;
        if attempt.transport == Transport::WebSocket {
            self.websocket_refused_at = None;
        }
    }

    /// The connection of `attempt` closed with `code`; what the caller does next. After
    /// [`AfterClose::FallBack`], [`TransportChoice::start`] picks polling; after
    /// [`AfterClose::Switch`], a WebSocket.
    pub fn closed(&mut self, attempt: Attempt, code: u16, now_ms: f64) -> AfterClose {
        match (attempt.transport, attempt.opened) {
            (Transport::WebSocket, false) => {
                self.websocket_refused_at = Some(now_ms);
                AfterClose::FallBack
            }
            (Transport::Polling, true) if code == CLOSE_WEBSOCKET_AVAILABLE => {
                self.websocket_refused_at = None;
                AfterClose::Switch
            }
            // Neither way reaches the relay: no reason left to prefer polling.
            (Transport::Polling, false) => {
                self.websocket_refused_at = None;
                AfterClose::Dropped
            }
            (_, true) => AfterClose::Dropped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dropped connection's code.
    const ABNORMAL: u16 = 1006;

    #[test]
    fn a_refused_websocket_falls_back_to_polling_and_is_tried_again_later() {
        let mut choice = TransportChoice::default();
        let first = choice.start(0.0);
        assert_eq!(first.transport, Transport::WebSocket);
        assert_eq!(first.open_transport(), None, "not open yet");
        assert_eq!(
            choice.closed(first, ABNORMAL, 10.0),
            AfterClose::FallBack,
            "refused before it opened"
        );
        let mut polling = choice.start(10.0);
        assert_eq!(polling.transport, Transport::Polling);
        choice.opened(&mut polling);
        assert_eq!(polling.open_transport(), Some(Transport::Polling));
        assert_eq!(
            choice.closed(polling, ABNORMAL, 20_000.0),
            AfterClose::Dropped,
            "a polling drop is an ordinary drop"
        );
        let mut again = choice.start(20_000.0);
        assert_eq!(again.transport, Transport::Polling, "within the minute");
        choice.opened(&mut again);
        assert_eq!(
            choice.closed(again, ABNORMAL, 30_000.0),
            AfterClose::Dropped
        );
        let mut later = choice.start(70_010.0);
        assert_eq!(later.transport, Transport::WebSocket, "a minute later");
        choice.opened(&mut later);
        assert_eq!(later.open_transport(), Some(Transport::WebSocket));
    }

    #[test]
    fn when_polling_fails_too_the_next_connection_tries_the_websocket_first() {
        // A relay restarting: its WebSocket and its polling both fail.
        let mut choice = TransportChoice::default();
        assert_eq!(
            choice.closed(choice.start(0.0), ABNORMAL, 1.0),
            AfterClose::FallBack
        );
        let polling = choice.start(2.0);
        assert_eq!(polling.transport, Transport::Polling);
        assert_eq!(
            choice.closed(polling, ABNORMAL, 3.0),
            AfterClose::Dropped,
            "an ordinary drop"
        );
        assert_eq!(choice.start(500.0).transport, Transport::WebSocket);
    }

    #[test]
    fn a_websocket_that_opens_while_polling_switches_the_session_back_at_once() {
        let mut choice = TransportChoice::default();
        assert_eq!(
            choice.closed(choice.start(0.0), ABNORMAL, 1.0),
            AfterClose::FallBack
        );
        let mut polling = choice.start(2.0);
        choice.opened(&mut polling);
        // The probe a minute later opened: the polling connection closed itself.
        assert_eq!(
            choice.closed(polling, CLOSE_WEBSOCKET_AVAILABLE, 60_002.0),
            AfterClose::Switch
        );
        // Even within the minute of the refusal, the next connection is a WebSocket.
        assert_eq!(choice.start(30_000.0).transport, Transport::WebSocket);
    }

    #[test]
    fn only_an_open_polling_connection_switches() {
        // The code means something only from a polling connection that opened; from a
        // WebSocket (the relay never sends it) it is an ordinary drop.
        let mut choice = TransportChoice::default();
        let mut ws = choice.start(0.0);
        choice.opened(&mut ws);
        assert_eq!(
            choice.closed(ws, CLOSE_WEBSOCKET_AVAILABLE, 1.0),
            AfterClose::Dropped
        );
        let unopened = Attempt {
            transport: Transport::Polling,
            opened: false,
        };
        assert_eq!(
            choice.closed(unopened, CLOSE_WEBSOCKET_AVAILABLE, 2.0),
            AfterClose::Dropped
        );
    }

    #[test]
    fn a_relay_cannot_make_a_browser_switch() {
        assert_eq!(from_relay(CLOSE_WEBSOCKET_AVAILABLE), ABNORMAL);
        assert_eq!(from_relay(1000), 1000);
        assert_eq!(from_relay(1012), 1012);
    }

    #[test]
    fn the_customer_tells_the_console_its_transport() {
        use crate::page::CustomerPageMsg;
        use crate::payload::{decode_payload, encode_payload};
        for transport in [Transport::WebSocket, Transport::Polling] {
            let msg = CustomerPageMsg::Transport(transport);
            let back: CustomerPageMsg = decode_payload(&encode_payload(&msg)).unwrap();
            assert_eq!(back, msg);
        }
    }

    #[test]
    fn a_websocket_that_opened_and_dropped_is_no_refusal() {
        let mut choice = TransportChoice::default();
        let mut ws = choice.start(0.0);
        choice.opened(&mut ws);
        // Its replacement started before the old one's close arrived.
        let next = choice.start(4.0);
        assert_eq!(choice.closed(ws, ABNORMAL, 5.0), AfterClose::Dropped);
        assert_eq!(next.transport, Transport::WebSocket);
        assert_eq!(choice.start(6.0).transport, Transport::WebSocket);
    }
}
