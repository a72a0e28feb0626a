//! Which way a browser reaches the relay: a WebSocket, or HTTP long polling
//! ([`crate::poll_records`]) when something between them refuses the WebSocket. Both browsers
//! make the same choice through [`TransportChoice`]: a WebSocket that closes before it ever
//! opened (a proxy answering the upgrade with an error) is followed at once by polling, and
//! later connections keep polling for [`RETRY_WEBSOCKET_AFTER_MS`] before trying the WebSocket
//! again, so a proxy that stops refusing brings the WebSocket back at the next reconnect.

/// How long polling is used after a refused WebSocket before a new connection tries it again.
pub const RETRY_WEBSOCKET_AFTER_MS: f64 = 60_000.0;

/// The way one connection to the relay travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    WebSocket,
    Polling,
}

/// The choice of transport across a session's connections (times are milliseconds of any
/// monotonic-enough clock, e.g. `Date.now()`).
#[derive(Debug, Default)]
pub struct TransportChoice {
    current: Option<Attempt>,
    websocket_refused_at: Option<f64>,
}

#[derive(Debug, Clone, Copy)]
struct Attempt {
    transport: Transport,
    opened: bool,
}

impl TransportChoice {
    /// The transport for a new connection, remembered as the one under way.
    pub fn start(&mut self, now_ms: f64) -> Transport {
        let transport = match self.websocket_refused_at {
            Some(at) if now_ms - at < RETRY_WEBSOCKET_AFTER_MS => Transport::Polling,
            _ => Transport::WebSocket,
        };
        self.current = Some(Attempt {
            transport,
            opened: false,
        });
        transport
    }

    /// The connection under way opened.
    pub fn opened(&mut self) {
        if let Some(attempt) = &mut self.current {
            attempt.opened = true;
            if attempt.transport == Transport::WebSocket {
                self.websocket_refused_at = None;
            }
        }
    }

    /// The connection under way closed. True when it was a WebSocket refused before it opened:
    /// the caller connects again at once, and [`TransportChoice::start`] then picks polling.
    pub fn closed(&mut self, now_ms: f64) -> bool {
        let refused = matches!(
            self.current.take(),
            Some(Attempt {
                transport: Transport::WebSocket,
                opened: false,
            })
        );
        if refused {
            self.websocket_refused_at = Some(now_ms);
        }
        refused
    }

    /// The transport of the open connection, if one is open.
    pub fn open_transport(&self) -> Option<Transport> {
        self.current.filter(|a| a.opened).map(|a| a.transport)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_websocket_falls_back_to_polling_and_is_tried_again_later() {
        let mut choice = TransportChoice::default();
        assert_eq!(choice.start(0.0), Transport::WebSocket);
        assert_eq!(choice.open_transport(), None, "not open yet");
        assert!(choice.closed(10.0), "refused before it opened: fall back");
        assert_eq!(choice.start(10.0), Transport::Polling);
        choice.opened();
        assert_eq!(choice.open_transport(), Some(Transport::Polling));
        assert!(!choice.closed(20_000.0), "a polling drop is an ordinary drop");
        assert_eq!(choice.start(20_000.0), Transport::Polling, "within the minute");
        assert!(!choice.closed(70_000.0), "polling that never opened: relay down");
        assert_eq!(choice.start(70_010.0), Transport::WebSocket, "a minute later");
        choice.opened();
        assert_eq!(choice.open_transport(), Some(Transport::WebSocket));
    }

    #[test]
    fn a_websocket_that_opened_and_dropped_is_no_refusal() {
        let mut choice = TransportChoice::default();
        assert_eq!(choice.start(0.0), Transport::WebSocket);
        choice.opened();
        assert!(!choice.closed(5.0));
        assert_eq!(choice.start(6.0), Transport::WebSocket);
    }
}
