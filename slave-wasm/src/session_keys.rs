//! The console's side of the key exchange, driving the shared state machine
//! (`shared_protocol::exchange`): the customer's browser starts every exchange (a join, each
//! new page); the machine answers under the same exchange id, confirms and counts, and
//! refuses, once one confirmed, an exchange that does not prove it comes from the same
//! customer browser. This sends what it says and shows the outcome.

use shared_protocol::exchange::Outcome;
use shared_protocol::texts::ConsoleText;
use shared_protocol::{AgentMsg, KeyExchange};

use crate::session::Session;
use crate::state::Action;

impl Session {
    pub(crate) fn on_key(&self, key: KeyExchange) {
        let step = self
            .keys
            .borrow_mut()
            .on_key(self.code.secret, self.session_id.get(), key);
        self.attempts
            .borrow_mut()
            .record(&self.code, self.keys.borrow().guard());
        for key in step.send {
            self.send(AgentMsg::Key(key));
        }
        match step.outcome {
            Outcome::Ignored | Outcome::Pending => {}
            Outcome::Verified => {
                self.sent.borrow_mut().restart_sequences();
                self.awaiting_snapshot.set(false);
                self.dispatch.dispatch(Action::Verified);
            }
            // The customer's browser reports a failure to the relay, which removes this agent;
            // the console says so at once.
            Outcome::Failed => self.verification_failed(),
            Outcome::Exhausted => {
                self.fail("Verification failed too many times; the session is closed.".into())
            }
        }
    }

    pub(crate) fn verification_failed(&self) {
        self.dispatch.dispatch(Action::Failed(
            self.settings.text(ConsoleText::CodeMismatch, &[]),
        ));
    }
}
