//! The agent's control in the session: its request for write mode and the customer's answer,
//! either side going back to pointer mode, and each action or navigation checked against the
//! mode and the page's restrictions before it is done. Refusals change nothing on the page;
//! they are told to the agent and counted to the relay.

use shared_protocol::agent_control::{
    ActionKind, AgentAction, Mode, ModeCause, Navigate, Refusal, RefusedCounts,
};

use super::*;
use crate::agent_control::{self, navigate, restrictions, Step};

impl Customer {
    pub(super) fn on_write_request(&mut self) {
        let settings = &self.settings.control;
        let step = self.control.request(
            settings.write_mode_allowed,
            settings.request_interval_ms,
            now_ms(),
        );
        self.apply(step);
    }

    pub(super) fn answer_write_request(&mut self, approve: bool) {
        let consent = match random_token() {
            Ok(token) => token,
            Err(e) => {
                return self.end(
                    Ending::Failure,
                    format!("No secure randomness: {}", describe_js(&e)),
                )
            }
        };
        let step = self.control.answer(approve, consent, now_ms());
        self.apply(step);
        if let (Some(token), true) = (self.control.consent(), approve) {
            self.send_page(&CustomerPageMsg::WriteConsent(token));
        }
    }

    /// The console shows the consent of an earlier page: write mode resumes, or the message is
    /// refused like any other that the mode does not allow.
    pub(super) fn resume_write(&mut self, shown: [u8; 16]) {
        match self.control.resume(&shown) {
            Ok(step) => self.apply(step),
            Err(why) => self.refuse(why),
        }
    }

    pub(super) fn stop_write(&mut self, cause: ModeCause) {
        let step = self.control.stop(cause);
        self.apply(step);
    }

    /// Shows and tells what a step of the mode's state machine decided.
    fn apply(&mut self, step: Step) {
        match step {
            Step::Nothing => return,
            Step::Ask => self.tell_mode(ModeCause::Asking),
            Step::Tell { changed, cause } => {
                if changed {
                    let mode = CustomerMsg::Mode(self.control.mode);
                    self.out.borrow().send_control(mode);
                }
                self.save();
                self.tell_mode(cause);
            }
        }
        let (mode, asking) = (self.control.mode, self.control.asking);
        if let Some(w) = &self.widget {
            let mut w = w.borrow_mut();
            w.show_mode(mode, asking);
            if mode == Mode::Pointer {
                w.hide_agent_typing();
            }
        }
    }

    /// Tells the agent the mode now, and why.
    pub(super) fn tell_mode(&mut self, cause: ModeCause) {
        let msg = CustomerPageMsg::Mode {
            mode: self.control.mode,
            cause,
        };
        self.send_page(&msg);
        let (mode, asking) = (self.control.mode, self.control.asking);
        if let Some(w) = &self.widget {
            w.borrow().show_mode(mode, asking);
        }
    }

    pub(super) fn on_agent_action(&mut self, action: AgentAction) {
        if let Err(why) = self.try_action(&action) {
            self.refuse(why);
        }
    }

    fn try_action(&mut self, action: &AgentAction) -> Result<(), Refusal> {
        self.control.permits_actions()?;
        let stream = self.stream.as_ref().ok_or(Refusal::NoTarget)?;
        let point = match action.kind {
            ActionKind::Click { x, y } => Some((x, y)),
            _ => None,
        };
        let target = stream.target(action.epoch, action.target, point)?;
        let allow = self.settings.control.allow;
        let scopes = stream.scopes();
        if matches!(action.kind, ActionKind::Type { .. }) {
            restrictions::check(&target.element, &*scopes, &action.kind, allow)?;
            if let Some(w) = &self.widget {
                w.borrow_mut().show_agent_typing(&target.element);
            }
        }
        // A page handler that throws does not stop the action (events swallow it).
        agent_control::act(&target.element, target.id, &scopes, &action.kind, allow)
    }

    pub(super) fn on_agent_navigate(&mut self, nav: Navigate) {
        let outcome = self.control.permits_actions().and_then(|_| {
            let page = document().url().unwrap_or_default();
            navigate::go(&nav, &page, &self.settings.control.site_origins)
        });
        if let Err(why) = outcome {
            self.refuse(why);
        }
    }

    /// Nothing happened: the agent is told why, the relay counts it.
    fn refuse(&mut self, why: Refusal) {
        debug::log(&format!("refused an agent message: {}", why.as_str()));
        self.send_page(&CustomerPageMsg::Refused(why));
        // Refusals are rare (a modified console, a stale action): each is reported at once.
        let mut counts = RefusedCounts::default();
        counts.add(why);
        self.out.borrow().send_control(CustomerMsg::Refused(counts));
    }
}
