//! The limits an anonymous client meets. An `Origin` header proves nothing (any script or tool
//! sends any), so what a client may cost the relay is bounded by its address ([`ClientIp`]):
//! open WebSockets, sessions created per minute; by all clients together: sessions created per
//! second; and per session: page visits and mode changes recorded per minute.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use uuid::Uuid;

use crate::client_ip::ClientIp;
use crate::config::Config;
use crate::limits::RateLimiter;

pub struct ClientLimits {
    sessions_per_ip: RateLimiter,
    sessions: RateLimiter,
    connections: ConnectionLimit,
    page_visits: RateLimiter,
    mode_changes: RateLimiter,
}

/// Why a session was not created; the text is what the customer's widget shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CreateRefused {
    #[error("too many co-browse sessions from your network; try again in a minute")]
    ThisClient,
    #[error("the co-browse server is busy; try again in a few seconds")]
    Everyone,
}

impl ClientLimits {
    pub fn new(config: &Config) -> Self {
        Self {
            sessions_per_ip: RateLimiter::new(config.sessions_per_ip_per_minute),
            sessions: RateLimiter::per_second(config.sessions_per_second),
            connections: ConnectionLimit::new(config.connections_per_ip),
            page_visits: RateLimiter::new(config.page_visits_per_minute),
            mode_changes: RateLimiter::new(config.mode_changes_per_minute),
        }
    }

    /// Takes one session creation for `client` (its own budget first, then everyone's).
    pub fn create_session(&self, client: ClientIp) -> Result<(), CreateRefused> {
        if !self.sessions_per_ip.allow(&client.limit_key().to_string()) {
            return Err(CreateRefused::ThisClient);
        }
        if !self.sessions.allow("") {
            return Err(CreateRefused::Everyone);
        }
        Ok(())
    }

    /// A place for one more WebSocket of `client`, held until the slot is dropped; `None` when
    /// it has `connections_per_ip` open already.
    pub fn open_connection(&self, client: ClientIp) -> Option<ConnectionSlot> {
        self.connections.open(client.limit_key())
    }

    /// Whether `session` may record one more page visit now.
    pub fn page_visit(&self, session: Uuid) -> bool {
        self.page_visits.allow(&session.to_string())
    }

    /// Whether `session` may record one more mode change now.
    pub fn mode_change(&self, session: Uuid) -> bool {
        self.mode_changes.allow(&session.to_string())
    }
}

/// Open WebSockets per client address.
struct ConnectionLimit {
    max: u32,
    open: Arc<Mutex<HashMap<IpAddr, u32>>>,
}

/// One open WebSocket counted against its client; dropping it gives the place back.
pub struct ConnectionSlot {
    key: IpAddr,
    open: Option<Arc<Mutex<HashMap<IpAddr, u32>>>>,
}

impl ConnectionLimit {
    fn new(max: u32) -> Self {
        Self {
            max,
            open: Arc::default(),
        }
    }

    fn open(&self, key: IpAddr) -> Option<ConnectionSlot> {
        if self.max == 0 {
            return Some(ConnectionSlot { key, open: None });
        }
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(key).or_insert(0);
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(ConnectionSlot {
            key,
            open: Some(self.open.clone()),
        })
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let Some(open) = &self.open else { return };
        let mut open = open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_places_are_per_client_and_given_back() {
        let limit = ConnectionLimit::new(2);
        let (a, b): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        let first = limit.open(a).unwrap();
        let _second = limit.open(a).unwrap();
        assert!(limit.open(a).is_none());
        assert!(limit.open(b).is_some(), "another client has its own places");
        drop(first);
        assert!(limit.open(a).is_some());
        let unlimited = ConnectionLimit::new(0);
        let all: Vec<_> = (0..100).filter_map(|_| unlimited.open(a)).collect();
        assert_eq!(all.len(), 100);
    }
}
