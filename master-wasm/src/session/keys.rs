//! The customer's side of the key exchange, driving the shared state machine
//! (`shared_protocol::exchange`): this browser starts every exchange (when an agent joins, on
//! every page load); the machine answers, confirms and counts, and this sends what it says,
//! saves the guard before a guess goes out, and shows the outcome.

use super::*;
use shared_protocol::exchange::{Outcome, Step};

impl Customer {
    /// This page has no keys with the agent yet. (`PeerBack` comes only from an agent that was
    /// in the session, so it means one is there to key with.)
    pub(super) fn needs_keys(&self) -> bool {
        self.out.borrow().keys().is_idle() && self.stream.is_none()
    }

    pub(super) fn start_key_exchange(&mut self) {
        let Some(code) = self.code else { return };
        let exchange = match random_u64() {
            Ok(id) => id,
            Err(e) => {
                return self.end(
                    Ending::Failure,
                    format!("No secure randomness: {}", describe_js(&e)),
                )
            }
        };
        let step = (self.out.borrow_mut().keys_mut()).start(code.secret, self.session_id, exchange);
        self.take_step(step);
    }

    pub(super) fn on_key(&mut self, key: KeyExchange) {
        let Some(code) = self.code else { return };
        let step = (self.out.borrow_mut().keys_mut()).on_key(code.secret, self.session_id, key);
        self.take_step(step);
    }

    fn take_step(&mut self, step: Step) {
        if step.outcome == Outcome::Ignored {
            return;
        }
        // Saved first: a confirmation gives a guess away, which a page load must not forget.
        self.save();
        for key in step.send {
            self.out.borrow().send_control(CustomerMsg::Key(key));
        }
        match step.outcome {
            Outcome::Ignored | Outcome::Pending => {}
            Outcome::Verified => self.verified(),
            Outcome::Failed | Outcome::Exhausted => self.verification_failed(),
        }
    }

    /// The agent proved it has the same code: page content may flow.
    fn verified(&mut self) {
        self.out.borrow_mut().restart_sequences();
        if let Err(e) = self.start_stream() {
            let why = describe_js(&e);
            return self.end(
                Ending::Failure,
                format!("Co-browse could not capture this page: {why}"),
            );
        }
        self.show_session(&self.text(WidgetText::Viewing, &[]));
        // The agent learns the mode this page is in (write mode survives page loads).
        self.tell_mode(ModeCause::Current);
    }

    /// The agent's code did not match: tell the relay, which removes that agent.
    pub(super) fn verification_failed(&mut self) {
        self.out.borrow_mut().keys_mut().reset();
        self.stream = None;
        self.save();
        self.out
            .borrow()
            .send_control(CustomerMsg::VerificationFailed);
        if self.out.borrow().keys().guard().exhausted() {
            return self.end(
                Ending::Normal,
                "Co-browse ended: the code could not be verified.".into(),
            );
        }
        let attempts = self.out.borrow().keys().guard().attempts_left().to_string();
        self.show_session(&self.text(WidgetText::CodeRetry, &[("attempts", &attempts)]));
    }
}
