//! What the customer's page hears of its session through the page API (`window.cobrowse` in
//! the browser, the Rust crate's events): the events, in the order the session lives them, and
//! the state they leave. The customer module pushes [`ApiEvent`]s as they happen; the state is
//! derived from them here, once, so the snippet's API, the npm package and the Rust crate agree.
//!
//! Names are stable (they are the API): `idle` / `waiting` / `active`, the events' `type`s
//! and the end reasons ([`EndCause::name`]).

use crate::agent_control::Mode;
use crate::ends::EndReason;

/// Why a session the page knew of is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndCause {
    /// It ended as someone asked: the customer, the agent, the relay (see [`EndReason`]).
    Ended(EndReason),
    /// The customer said no at the consent question: no session was created.
    Declined,
    /// Something failed (the connection, the capture, the server's answer); an `error` event
    /// said what first.
    Failed,
}

impl EndCause {
    /// The stable name of the reason: [`EndReason::as_str`], `declined` or `error`.
    pub fn name(&self) -> &'static str {
        match self {
            EndCause::Ended(reason) => reason.as_str(),
            EndCause::Declined => "declined",
            EndCause::Failed => "error",
        }
    }
}

/// What happened in the session, for the page's listeners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiEvent {
    /// A session was created, or continued on this page of it: the code the customer hands to
    /// the agent (read out, or sent into a chat).
    Code { code: String },
    /// An agent joined and proved it has the code: it sees the page from now on.
    AgentJoined,
    /// The agent's mode changed (write mode after the customer's consent, pointer again).
    ModeChanged { mode: Mode },
    /// The agent asks for write mode: the page's UI (or the built-in one) asks the customer.
    WriteModeRequested,
    /// The page is being left during a session; the session goes on on the next page.
    Navigating,
    /// The session is over (or was never started): why, and what the customer was told.
    Ended { cause: EndCause, message: String },
}

impl ApiEvent {
    /// The event's name for listeners (`cobrowse.on(name, fn)`).
    pub fn name(&self) -> &'static str {
        match self {
            ApiEvent::Code { .. } => "code",
            ApiEvent::AgentJoined => "agentJoined",
            ApiEvent::ModeChanged { .. } => "modeChanged",
            ApiEvent::WriteModeRequested => "writeModeRequested",
            ApiEvent::Navigating => "navigating",
            ApiEvent::Ended { .. } => "ended",
        }
    }
}

/// Where the session is, as the page sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Phase {
    /// No session: the customer may start one.
    #[default]
    Idle,
    /// A session is being created or waits for its agent (the code is known once created).
    Waiting,
    /// An agent sees the page.
    Active,
}

impl Phase {
    pub fn name(&self) -> &'static str {
        match self {
            Phase::Idle => "idle",
            Phase::Waiting => "waiting",
            Phase::Active => "active",
        }
    }
}

/// The page API's `state()`: the phase, the session's code while there is one, the mode.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApiState {
    pub phase: Phase,
    pub code: Option<String>,
    pub mode: Mode,
    /// The agent's request for write mode waits for the customer's answer.
    pub write_requested: bool,
}

impl ApiState {
    /// The customer agreed and the session is being created (no code yet).
    pub fn starting(&mut self) {
        *self = ApiState {
            phase: Phase::Waiting,
            ..ApiState::default()
        };
    }

    /// The agent is gone before the page reached it (its code did not verify): the session
    /// waits for an agent again.
    pub fn agent_lost(&mut self) {
        if self.phase == Phase::Active {
            self.phase = Phase::Waiting;
        }
        self.mode = Mode::Pointer;
        self.write_requested = false;
    }

    /// The customer answered the request for write mode (the mode event follows if it changed).
    pub fn answered(&mut self) {
        self.write_requested = false;
    }

    /// The state after `event`.
    pub fn apply(&mut self, event: &ApiEvent) {
        match event {
            ApiEvent::Code { code } => {
                if self.phase == Phase::Idle {
                    self.phase = Phase::Waiting;
                }
                self.code = Some(code.clone());
            }
            ApiEvent::AgentJoined => self.phase = Phase::Active,
            ApiEvent::ModeChanged { mode } => {
                self.mode = *mode;
                self.write_requested = false;
            }
            ApiEvent::WriteModeRequested => self.write_requested = true,
            ApiEvent::Navigating => {}
            ApiEvent::Ended { .. } => *self = ApiState::default(),
        }
    }

    /// Whether a session is underway (being created, waiting or active): a start is a no-op.
    pub fn in_session(&self) -> bool {
        self.phase != Phase::Idle
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code() -> ApiEvent {
        ApiEvent::Code {
            code: "123456789".into(),
        }
    }

    #[test]
    fn a_session_goes_from_idle_to_active_and_back() {
        let mut s = ApiState::default();
        assert!(!s.in_session());
        s.starting();
        assert_eq!((s.phase, s.code.as_deref()), (Phase::Waiting, None));
        s.apply(&code());
        assert_eq!(s.code.as_deref(), Some("123456789"));
        s.apply(&ApiEvent::AgentJoined);
        assert_eq!(s.phase, Phase::Active);
        s.apply(&ApiEvent::WriteModeRequested);
        assert!(s.write_requested);
        s.apply(&ApiEvent::ModeChanged { mode: Mode::Write });
        assert_eq!((s.mode, s.write_requested), (Mode::Write, false));
        s.apply(&ApiEvent::Navigating);
        assert_eq!(
            s.phase,
            Phase::Active,
            "a page load does not end the session"
        );
        s.apply(&ApiEvent::Ended {
            cause: EndCause::Ended(EndReason::AgentExit),
            message: String::new(),
        });
        assert_eq!(s, ApiState::default());
    }

    #[test]
    fn a_continued_session_learns_its_code_and_a_lost_agent_means_waiting() {
        let mut s = ApiState::default();
        s.apply(&code());
        assert_eq!(s.phase, Phase::Waiting, "a page load inside a session");
        s.apply(&ApiEvent::AgentJoined);
        s.apply(&ApiEvent::ModeChanged { mode: Mode::Write });
        s.agent_lost();
        assert_eq!((s.phase, s.mode), (Phase::Waiting, Mode::Pointer));
        assert_eq!(s.code.as_deref(), Some("123456789"), "the code stays");
        s.apply(&code());
        assert_eq!(
            s.phase,
            Phase::Waiting,
            "a new code does not skip the agent"
        );
    }

    #[test]
    fn names_are_the_apis() {
        assert_eq!(
            EndCause::Ended(EndReason::CustomerExit).name(),
            "customer_exit"
        );
        assert_eq!(EndCause::Declined.name(), "declined");
        assert_eq!(EndCause::Failed.name(), "error");
        assert_eq!(ApiEvent::WriteModeRequested.name(), "writeModeRequested");
        assert_eq!(Phase::Active.name(), "active");
    }
}
