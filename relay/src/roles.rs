//! What each kind of token may do. An `agent` works its own sessions: it joins them and reads
//! only their history. A `supervisor` also sees every session, live (with routing codes) and
//! past, and the metrics. A `metrics` token is for a Prometheus scraper: `/metrics` only; it
//! can neither join a session nor read any.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Agent,
    Supervisor,
    Metrics,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Agent, Role::Supervisor, Role::Metrics];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Metrics => "metrics",
        }
    }

    /// May join sessions over the agent WebSocket and read its own sessions' history.
    pub fn works_sessions(self) -> bool {
        matches!(self, Role::Agent | Role::Supervisor)
    }

    /// Sees every session, live and past, with routing codes.
    pub fn sees_all_sessions(self) -> bool {
        self == Role::Supervisor
    }

    /// May read `/metrics`.
    pub fn may_scrape(self) -> bool {
        matches!(self, Role::Supervisor | Role::Metrics)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not a role (agent, supervisor or metrics)"))
    }
}
