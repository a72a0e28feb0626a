//! The agent's control of the customer's page, held and enforced here, in the customer's
//! browser: the mode (pointer, or write after the customer's consent), and every action and
//! navigation checked against the mode and the page's restrictions before it happens. What is
//! refused happens nowhere; the session tells the agent and the relay's metrics.
//!
//! - [`act`]: an action as the session carries it out, through all the checks below.
//! - [`restrictions`]: which elements the agent may act on.
//! - [`activation`]: what a click or Enter activates, checked like the element itself.
//! - [`guard`]: what page handlers do in answer to the agent's action, held to the same rules.
//! - [`customer_keys`]: the agent never takes the focus from a protected field being typed in.
//! - [`perform`]: a permitted action, done as a person's would be.
//! - [`navigate`]: back, forward, reload and URLs within the instrumented site.

mod acting;
pub mod activation;
pub mod customer_keys;
pub mod guard;
pub mod navigate;
pub mod perform;
pub mod restrictions;

use shared_protocol::agent_control::{Mode, ModeCause, Refusal};

pub use acting::{act, ScopeOf, Scopes};
pub use restrictions::Allowances;

/// What the relay's configuration says about the agent's control (from the widget settings).
#[derive(Debug, Clone, PartialEq)]
pub struct ControlSettings {
    /// `write_mode_allowed`: without it, requests are answered [`ModeCause::NotAllowed`]
    /// without asking the customer.
    pub write_mode_allowed: bool,
    /// `write_request_interval` (ms): after a denial, requests sooner than this are answered
    /// [`ModeCause::TooSoon`] without asking.
    pub request_interval_ms: f64,
    pub allow: Allowances,
    /// The instrumented site's origins, where the agent may navigate.
    pub site_origins: Vec<String>,
}

impl Default for ControlSettings {
    /// Without settings, the safe side: no write mode.
    fn default() -> Self {
        Self {
            write_mode_allowed: false,
            request_interval_ms: DEFAULT_REQUEST_INTERVAL_MS,
            allow: Allowances::default(),
            site_origins: Vec::new(),
        }
    }
}

/// The relay's default for `write_request_interval`: one request per 30 s after a denial.
pub const DEFAULT_REQUEST_INTERVAL_MS: f64 = 30_000.0;

/// The mode and the consent question, as one state machine. Times are the page's clock (ms).
#[derive(Debug, Default)]
pub struct Control {
    pub mode: Mode,
    /// The customer is being asked to approve write mode.
    pub asking: bool,
    /// When the customer last denied a request: the next waits the request interval.
    denied_at: Option<f64>,
    /// The token of the customer's consent to write mode while it lasts. It travels sealed to
    /// the agent's console and is kept for the tab's next page, where write mode resumes only
    /// when the console shows it back: a page script that edits what the tab keeps cannot
    /// start write mode without the agent having been given it, nor can an agent alone.
    consent: Option<[u8; 16]>,
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
    /// A page's control: pointer mode, with the consent an earlier page of the tab kept (write
    /// mode resumes only through [`Control::resume`]).
    pub fn new(kept_consent: Option<[u8; 16]>) -> Self {
        Self {
            consent: kept_consent,
            ..Self::default()
        }
    }

    /// The consent to keep for the next page: only while write mode lasts or may resume.
    pub fn consent(&self) -> Option<[u8; 16]> {
        self.consent
    }

    /// The agent's console shows the consent it was given on an earlier page: write mode
    /// resumes, unchanged for the history. Any other token changes nothing.
    pub fn resume(&mut self, shown: &[u8; 16]) -> Result<Step, Refusal> {
        let kept = self.consent.ok_or(Refusal::PointerMode)?;
        // Compared without stopping at the first difference.
        if kept
            .iter()
            .zip(shown)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            != 0
        {
            return Err(Refusal::PointerMode);
        }
        if self.mode == Mode::Write {
            return Ok(Step::Nothing);
        }
        self.mode = Mode::Write;
        self.asking = false;
        Ok(Step::Tell {
            changed: false,
            cause: ModeCause::Current,
        })
    }

    /// The agent asks for write mode at `now`; after a denial, at most one request per
    /// `interval_ms`, and each one sooner is told to the agent.
    pub fn request(&mut self, allowed: bool, interval_ms: f64, now: f64) -> Step {
        if !allowed {
            return Step::Tell {
                changed: false,
                cause: ModeCause::NotAllowed,
            };
        }
        if self.mode == Mode::Pointer
            && !self.asking
            && self.denied_at.is_some_and(|at| now - at < interval_ms)
        {
            return Step::Tell {
                changed: false,
                cause: ModeCause::TooSoon,
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

    /// The customer answered the prompt at `now`; `consent` is a fresh random token, kept
    /// when the answer is yes.
    pub fn answer(&mut self, approve: bool, consent: [u8; 16], now: f64) -> Step {
        if !std::mem::take(&mut self.asking) {
            return Step::Nothing;
        }
        if approve {
            self.consent = Some(consent);
            self.switch(Mode::Write, ModeCause::Approved)
        } else {
            self.denied_at = Some(now);
            Step::Tell {
                changed: false,
                cause: ModeCause::Denied,
            }
        }
    }

    /// Back to pointer mode, by the customer or the agent. Withdraws an open question too, and
    /// the consent: write mode needs a new yes.
    pub fn stop(&mut self, cause: ModeCause) -> Step {
        let was_asking = std::mem::take(&mut self.asking);
        self.consent = None;
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
mod tests;
