//! The agent's control of the customer's page, held and enforced here, in the customer's
//! browser: the mode (pointer, or write after the customer's consent), and every action and
//! navigation checked against the mode and the page's restrictions before it happens. What is
//! refused happens nowhere; the session tells the agent and the relay's metrics.
//!
//! - [`restrictions`]: which elements the agent may act on.
//! - [`perform`]: a permitted action, done as a person's would be.
//! - [`navigate`]: back, forward, reload and URLs within the instrumented site.

pub mod navigate;
pub mod perform;
pub mod restrictions;

use shared_protocol::agent_control::{Mode, ModeCause, Refusal};

pub use restrictions::Allowances;

/// What the relay's configuration says about the agent's control (from the widget settings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlSettings {
    /// `write_mode_allowed`: without it, requests are answered [`ModeCause::NotAllowed`]
    /// without asking the customer.
    pub write_mode_allowed: bool,
    pub allow: Allowances,
    /// The instrumented site's origins, where the agent may navigate.
    pub site_origins: Vec<String>,
}

impl Default for ControlSettings {
    /// Without settings, the safe side: no write mode.
    fn default() -> Self {
        Self {
            write_mode_allowed: false,
            allow: Allowances::default(),
            site_origins: Vec::new(),
        }
    }
}

/// The mode and the consent question, as one state machine.
#[derive(Debug, Default)]
pub struct Control {
    pub mode: Mode,
    /// The customer is being asked to approve write mode.
    pub asking: bool,
}

/// What a step of the state machine asks the session to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Nothing changed.
    Nothing,
    /// Show the consent prompt; tell the agent it is being asked.
    Ask,
    /// Tell the agent (and the relay, when the mode changed) the new state.
    Tell { changed: bool, cause: ModeCause },
}

impl Control {
    /// A control that starts in `mode` (write mode kept from an earlier page of the session).
    pub fn new(mode: Mode) -> Self {
        Self {
            mode,
            ..Self::default()
        }
    }

    /// The agent asks for write mode.
    pub fn request(&mut self, allowed: bool) -> Step {
        if !allowed {
            return Step::Tell {
                changed: false,
                cause: ModeCause::NotAllowed,
            };
        }
        match (self.mode, self.asking) {
            (Mode::Write, _) => Step::Tell {
                changed: false,
                cause: ModeCause::Current,
            },
            (Mode::Pointer, true) => Step::Nothing,
            (Mode::Pointer, false) => {
                self.asking = true;
                Step::Ask
            }
        }
    }

    /// The customer answered the prompt.
    pub fn answer(&mut self, approve: bool) -> Step {
        if !std::mem::take(&mut self.asking) {
            return Step::Nothing;
        }
        if approve {
            self.switch(Mode::Write, ModeCause::Approved)
        } else {
            Step::Tell {
                changed: false,
                cause: ModeCause::Denied,
            }
        }
    }

    /// Back to pointer mode, by the customer or the agent. Withdraws an open question too.
    pub fn stop(&mut self, cause: ModeCause) -> Step {
        let was_asking = std::mem::take(&mut self.asking);
        match self.switch(Mode::Pointer, cause) {
            Step::Nothing if was_asking => Step::Tell {
                changed: false,
                cause,
            },
            step => step,
        }
    }

    fn switch(&mut self, mode: Mode, cause: ModeCause) -> Step {
        if self.mode == mode {
            return Step::Nothing;
        }
        self.mode = mode;
        Step::Tell {
            changed: true,
            cause,
        }
    }

    /// An action or navigation may go on only in write mode.
    pub fn permits_actions(&self) -> Result<(), Refusal> {
        match self.mode {
            Mode::Write => Ok(()),
            Mode::Pointer => Err(Refusal::PointerMode),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_mode_needs_the_customers_yes() {
        let mut c = Control::default();
        assert_eq!(c.permits_actions(), Err(Refusal::PointerMode));
        assert_eq!(c.request(true), Step::Ask);
        assert_eq!(c.request(true), Step::Nothing, "one question at a time");
        assert_eq!(
            c.permits_actions(),
            Err(Refusal::PointerMode),
            "asking is not yes"
        );
        assert_eq!(
            c.answer(true),
            Step::Tell {
                changed: true,
                cause: ModeCause::Approved
            }
        );
        assert_eq!(c.permits_actions(), Ok(()));
        assert_eq!(
            c.answer(true),
            Step::Nothing,
            "no answer without a question"
        );
    }

    #[test]
    fn a_denied_or_disallowed_request_stays_in_pointer_mode() {
        let mut c = Control::default();
        c.request(true);
        assert_eq!(
            c.answer(false),
            Step::Tell {
                changed: false,
                cause: ModeCause::Denied
            }
        );
        assert_eq!(c.mode, Mode::Pointer);
        assert_eq!(
            c.request(false),
            Step::Tell {
                changed: false,
                cause: ModeCause::NotAllowed
            }
        );
        assert!(!c.asking);
    }

    #[test]
    fn either_side_goes_back_to_pointer_mode() {
        let mut c = Control::new(Mode::Write);
        assert_eq!(
            c.stop(ModeCause::CustomerStopped),
            Step::Tell {
                changed: true,
                cause: ModeCause::CustomerStopped
            }
        );
        assert_eq!(c.stop(ModeCause::AgentStopped), Step::Nothing);
        c.request(true);
        assert_eq!(
            c.stop(ModeCause::AgentStopped),
            Step::Tell {
                changed: false,
                cause: ModeCause::AgentStopped
            },
            "a withdrawn question is told"
        );
        assert_eq!(
            c.answer(true),
            Step::Nothing,
            "a late yes to a withdrawn question"
        );
        assert_eq!(c.mode, Mode::Pointer);
    }
}
