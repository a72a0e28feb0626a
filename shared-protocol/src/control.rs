//! Control messages: the part of the protocol the relay reads. They say who creates, joins and
//! leaves a session; everything about the page itself goes in `Sealed` payloads, opaque here.

use serde::{Deserialize, Serialize};

use crate::agent_control::{Mode, RefusedCounts};
use crate::envelope::Direction;
use crate::privacy::PrivacyRules;
use crate::Role;

pub use crate::ends::{EndReason, ErrorCode};

/// A page the customer is on, for the session history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageInfo {
    pub url: String,
    pub title: String,
}

/// The key exchange between the two browsers (see `crypto`); the relay forwards it as it is.
/// Only the customer starts an exchange, under a fresh random `exchange` id that the agent
/// echoes; each side ignores messages of any other exchange, so a late message from an
/// abandoned exchange (a page that was left) can never mix keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyExchange {
    /// This side's SPAKE2 message, with (after an exchange of this session confirmed) a proof
    /// that it comes from the same browser (see `key_guard`); empty before.
    Spake {
        exchange: u64,
        #[serde(with = "serde_bytes")]
        message: Vec<u8>,
        #[serde(with = "serde_bytes")]
        proof: Vec<u8>,
    },
    /// This side's key confirmation, sent after the other side's SPAKE2 message arrived.
    Confirm {
        exchange: u64,
        #[serde(with = "serde_bytes")]
        mac: Vec<u8>,
    },
}

impl KeyExchange {
    pub fn exchange(&self) -> u64 {
        match self {
            KeyExchange::Spake { exchange, .. } | KeyExchange::Confirm { exchange, .. } => {
                *exchange
            }
        }
    }
}

/// What the customer's browser sends to the relay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CustomerMsg {
    /// Start a new session; the relay answers [`RelayMsg::Created`].
    Create {
        page: PageInfo,
        user_agent: String,
        /// No earlier co-browse session in this browser tab (for reporting).
        first_session: bool,
    },
    /// Take this session back on a new socket after a drop (within the grace period).
    Resume(Resume),
    /// Key exchange with the agent's browser.
    Key(KeyExchange),
    /// The agent's key confirmation did not match: a wrong code (or an attack). The relay
    /// removes the agent, and ends the session after [`MAX_VERIFY_FAILURES`].
    VerificationFailed,
    /// Page content for the agent, sealed end to end; the relay forwards it as it is.
    Sealed(#[serde(with = "serde_bytes")] Vec<u8>),
    /// The customer is on a new page (history metadata).
    PageVisit(PageInfo),
    /// The customer ends the session.
    Exit,
    /// Sent every [`HEARTBEAT_INTERVAL_SECS`]; acknowledges the sealed reliable frames received
    /// so far, so the relay can drop them from its replay buffer.
    Heartbeat { last_received: u64 },
    /// Text the customer module masked although no rule asked for it (it looked like a card
    /// number, an SSN or a bearer token), counted since the last report: counts only, for the
    /// relay's metrics, so integrators learn what they forgot to mark.
    AutoMasked(AutoMaskedCounts),
    /// The session's mode changed (the customer's browser decides it): a new segment of the
    /// session history.
    Mode(Mode),
    /// Agent messages the customer module refused since the last report (counts only).
    Refused(RefusedCounts),
    /// This page is being unloaded (a link, a reload, leaving the site): the customer may be
    /// away longer than a dropped connection, so the session waits `navigation_grace` for the
    /// next page of the session, as the reference pauses until the customer is back.
    Leaving,
}

/// How many pieces of text of each kind the last line of defence masked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoMaskedCounts {
    pub card_numbers: u32,
    pub ssns: u32,
    pub bearer_tokens: u32,
}

impl AutoMaskedCounts {
    pub fn is_zero(&self) -> bool {
        *self == Self::default()
    }
}

/// What the agent console sends to the relay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AgentMsg {
    /// Join the session with this routing part; the secret part of the code stays in the browser.
    Join { token: String, routing: u32 },
    /// Take the agent's place back on a new socket after a drop (the token is checked again).
    Resume { token: String, resume: Resume },
    /// Key exchange with the customer's browser.
    Key(KeyExchange),
    /// A message for the customer's browser, sealed end to end; forwarded as it is.
    Sealed(#[serde(with = "serde_bytes")] Vec<u8>),
    /// How long the console took to apply recent page frames, in microseconds (metrics): at
    /// most [`MAX_RENDER_SAMPLES`] per report (the relay takes no more).
    RenderLatency { micros: Vec<u32> },
    /// The agent ends the session.
    Exit,
    /// Sent every [`HEARTBEAT_INTERVAL_SECS`]; acknowledges the sealed reliable frames received
    /// so far, so the relay can drop them from its replay buffer.
    Heartbeat { last_received: u64 },
}

/// What the relay sends to either side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RelayMsg {
    /// To the customer: the session exists; show the code with this routing part.
    /// `resume_token` lets this side take its place back after a dropped connection.
    Created {
        session_id: [u8; 16],
        routing: u32,
        resume_token: [u8; 16],
    },
    /// To the agent: you are in the session.
    Joined {
        session_id: [u8; 16],
        resume_token: [u8; 16],
    },
    /// This side is back in its session. The relay had the sender's sealed reliable frames up
    /// to `last_received`: resend any later ones. When `lost`, frames for this side were
    /// dropped while it was away (the buffer is bounded): ask for a resync.
    Resumed {
        last_received: u64,
        lost: bool,
        /// The other side is connected (after a reload, the key exchange starts again).
        peer_present: bool,
    },
    /// To the agent: the customer's page reloaded; run the key exchange again with the same
    /// code (a new snapshot follows).
    PeerReloaded,
    /// To the agent: the customer's page is being unloaded (see [`CustomerMsg::Leaving`]).
    /// Co-browsing pauses until a page of the site continues the session.
    PeerNavigating,
    /// Reliable frames for this side were dropped because it fell too far behind: accept the
    /// next frame's number (the customer is asked for a fresh snapshot).
    Gap,
    /// To the customer: the agent missed page frames; send a fresh snapshot.
    SnapshotNeeded,
    /// The other side's connection dropped; the session waits for it within the grace period.
    PeerAway,
    /// The other side is back.
    PeerBack,
    /// To the customer: an agent joined; the key exchange starts.
    AgentJoined,
    /// The other side's key exchange message, forwarded unread.
    Key(KeyExchange),
    /// To both: the key confirmation failed. The agent is removed from the session (the
    /// customer keeps waiting) while attempts remain.
    VerificationFailed { attempts_left: u8 },
    /// From the other side, forwarded unread (same `seq` and delivery class as sent).
    Sealed(#[serde(with = "serde_bytes")] Vec<u8>),
    /// The session is over; the socket closes after this.
    Ended { reason: EndReason },
    /// The last request was refused; the socket stays usable unless the error says otherwise.
    Error { code: ErrorCode, message: String },
    /// To the customer, after `Created` and after each `Resumed`: the relay's privacy rules
    /// (global first, then per URL). Capture waits for them.
    Privacy(Vec<PrivacyRules>),
    /// From the relay node that runs the session, after `Created`, `Joined` and `Resumed`: its
    /// name. The side adds `?node=<name>` to the WebSocket URL of its next connections, so a
    /// load balancer that supports it sends them straight to that node (a page load continues
    /// with it); without one, any node bridges them there.
    Node(String),
}

impl RelayMsg {
    /// The variant's name, for the browsers' debug logs: a `Debug` of the whole message would
    /// link the formatting of every type it carries into both bundles (~1.5 KB brotli each).
    pub fn name(&self) -> &'static str {
        match self {
            RelayMsg::Created { .. } => "Created",
            RelayMsg::Joined { .. } => "Joined",
            RelayMsg::Resumed { .. } => "Resumed",
            RelayMsg::PeerReloaded => "PeerReloaded",
            RelayMsg::PeerNavigating => "PeerNavigating",
            RelayMsg::Gap => "Gap",
            RelayMsg::SnapshotNeeded => "SnapshotNeeded",
            RelayMsg::PeerAway => "PeerAway",
            RelayMsg::PeerBack => "PeerBack",
            RelayMsg::AgentJoined => "AgentJoined",
            RelayMsg::Key(_) => "Key",
            RelayMsg::VerificationFailed { .. } => "VerificationFailed",
            RelayMsg::Sealed(_) => "Sealed",
            RelayMsg::Ended { .. } => "Ended",
            RelayMsg::Error { .. } => "Error",
            RelayMsg::Privacy(_) => "Privacy",
            RelayMsg::Node(_) => "Node",
        }
    }
}

/// How a side takes its place back after a dropped connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resume {
    pub routing: u32,
    pub resume_token: [u8; 16],
    /// The last sealed reliable frame this side received (and opened) from the other side.
    pub last_received: u64,
    /// A new page load of this side: its keys and sequence numbers are gone, so the relay
    /// replays nothing, restarts both directions' numbering, and the browsers key again.
    pub reloaded: bool,
}

/// Seconds between heartbeats from each browser; the relay closes a silent socket after
/// `heartbeat_timeout` (its configuration).
pub const HEARTBEAT_INTERVAL_SECS: u32 = 10;

/// The WebSocket close code (1012, "service restart") a relay sends when it stops: the client
/// keeps its session, says the service is restarting and resumes, on another node or on the
/// same relay once it is back.
pub const CLOSE_RESTARTING: u16 = 1012;

/// Render samples in one [`AgentMsg::RenderLatency`]: the console keeps no more between two
/// heartbeats, and the relay counts no more from one report.
pub const MAX_RENDER_SAMPLES: usize = 200;

/// Failed key confirmations after which a session ends.
pub const MAX_VERIFY_FAILURES: u8 = 3;

impl Direction for CustomerMsg {
    const ROLE: Role = Role::Customer;
}
impl Direction for AgentMsg {
    const ROLE: Role = Role::Agent;
}
impl Direction for RelayMsg {
    const ROLE: Role = Role::Relay;
}
