//! Why a session ended and why a request was refused: told to both sides, stored in the
//! history, and shown to people through each side's texts (never decided by them).

use serde::{Deserialize, Serialize};

/// Why a session ended; both sides are told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EndReason {
    CustomerExit,
    AgentExit,
    Inactivity,
    Disconnect,
    AgentBusy,
    VerificationFailed,
    Shutdown,
    /// Ended through the REST API (`POST /api/v1/sessions/{id}/end`): the agent's desktop when
    /// the call or chat ends, or a supervisor.
    ApiEnd,
}

impl EndReason {
    /// Stable name used in storage, logs and the API.
    pub fn as_str(&self) -> &'static str {
        match self {
            EndReason::CustomerExit => "customer_exit",
            EndReason::AgentExit => "agent_exit",
            EndReason::Inactivity => "inactivity",
            EndReason::Disconnect => "disconnect",
            EndReason::AgentBusy => "agent_busy",
            EndReason::VerificationFailed => "verification_failed",
            EndReason::Shutdown => "shutdown",
            EndReason::ApiEnd => "api_end",
        }
    }

    /// What a person reads when the session ends.
    pub fn describe(&self) -> &'static str {
        match self {
            EndReason::CustomerExit => "the customer ended the session",
            EndReason::AgentExit => "the agent ended the session",
            EndReason::Inactivity => "no agent joined in time",
            EndReason::Disconnect => "the other side disconnected",
            EndReason::AgentBusy => "the agent is busy with another session",
            EndReason::VerificationFailed => "the code could not be verified",
            EndReason::Shutdown => "the co-browse server is shutting down",
            EndReason::ApiEnd => "the session was ended from the agent's desktop",
        }
    }
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorCode {
    BadFrame,
    UnsupportedVersion,
    Unauthorized,
    UnknownCode,
    SessionEnded,
    AlreadyJoined,
    NotInSession,
    OriginNotAllowed,
    CodesExhausted,
    /// The agent is at its session limit; the session it tried to join goes on waiting.
    AgentBusy,
    RateLimited,
    /// A resume that does not match a live session and its resume token.
    CannotResume,
}
