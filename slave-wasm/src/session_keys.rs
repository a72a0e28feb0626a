//! The console's side of the key exchange: the customer's browser starts every exchange (a
//! join, each new page); the console answers under the same exchange id, confirms, and gives up
//! after `MAX_VERIFY_FAILURES` exchanges that never confirmed back.

use shared_protocol::crypto::{Agreed, Handshake, Opener, Sealer};
use shared_protocol::{AgentMsg, KeyExchange, Role, MAX_VERIFY_FAILURES};

use crate::session::Session;
use crate::session_link::SentFrames;
use crate::state::Action;

/// Where the key exchange with the customer's browser stands. The customer starts every
/// exchange; the console answers under the same exchange id and ignores any other.
pub(crate) enum Keys {
    None,
    Agreed { exchange: u64, agreed: Agreed },
    Ready { sealer: Sealer, opener: Opener },
}

impl Session {
    pub(crate) fn on_key(&self, key: KeyExchange) {
        match key {
            // A new exchange from the customer (a join, a new page): answer it.
            KeyExchange::Spake { exchange, message } => {
                if self.unconfirmed.get() >= MAX_VERIFY_FAILURES {
                    return self
                        .fail("Verification failed too many times; the session is closed.".into());
                }
                let handshake =
                    Handshake::start(Role::Agent, self.code.secret, self.session_id.get());
                let ours = handshake.message().to_vec();
                self.send(AgentMsg::Key(KeyExchange::Spake {
                    exchange,
                    message: ours,
                }));
                match handshake.finish(&message) {
                    Ok(agreed) => {
                        let mac = agreed.confirmation();
                        self.unconfirmed.set(self.unconfirmed.get() + 1);
                        self.send(AgentMsg::Key(KeyExchange::Confirm { exchange, mac }));
                        *self.keys.borrow_mut() = Keys::Agreed { exchange, agreed };
                    }
                    Err(_) => self.verification_failed(),
                }
            }
            KeyExchange::Confirm { exchange, mac } => {
                let current = std::mem::replace(&mut *self.keys.borrow_mut(), Keys::None);
                match current {
                    Keys::Agreed {
                        exchange: ours,
                        agreed,
                    } if ours == exchange => match agreed.confirm(&mac) {
                        Ok((sealer, opener)) => {
                            self.unconfirmed.set(0);
                            *self.sent.borrow_mut() = SentFrames::default();
                            self.awaiting_snapshot.set(false);
                            self.ephemeral_seq.set(0);
                            *self.keys.borrow_mut() = Keys::Ready { sealer, opener };
                            self.dispatch.dispatch(Action::Verified);
                        }
                        Err(_) => self.verification_failed(),
                    },
                    // Another exchange's, or out of turn: ignored.
                    other => *self.keys.borrow_mut() = other,
                }
            }
        }
    }

    /// The customer's browser reports the failure to the relay, which removes this agent; the
    /// console says so at once.
    pub(crate) fn verification_failed(&self) {
        self.dispatch
            .dispatch(Action::Failed(self.settings.text("code_mismatch", &[])));
    }
}
