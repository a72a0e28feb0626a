//! The console's side of the key exchange: the customer's browser starts every exchange (a
//! join, each new page); the console answers under the same exchange id and confirms. Its
//! `KeyGuard` counts exchanges that never confirmed back for the whole session and gives up at
//! `MAX_VERIFY_FAILURES`; once one confirmed, it answers only exchanges that prove they come
//! from that same customer browser (a page load), never the relay posing as one.

use shared_protocol::crypto::{Agreed, Handshake, Opener, Sealer};
use shared_protocol::key_guard::GuardError;
use shared_protocol::{AgentMsg, KeyExchange, Role};

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
            KeyExchange::Spake {
                exchange,
                message,
                proof,
            } => {
                let admitted =
                    self.guard
                        .borrow_mut()
                        .admit(Role::Customer, exchange, &message, &proof);
                match admitted {
                    Ok(()) => {}
                    Err(GuardError::Exhausted) => {
                        return self.fail(
                            "Verification failed too many times; the session is closed.".into(),
                        )
                    }
                    // Not the customer browser this console verified: not answered at all.
                    Err(GuardError::Unproven) => return self.verification_failed(),
                }
                let handshake =
                    Handshake::start(Role::Agent, self.code.secret, self.session_id.get());
                let ours = handshake.message().to_vec();
                let proof = self.guard.borrow().proof(Role::Agent, exchange, &ours);
                self.send(AgentMsg::Key(KeyExchange::Spake {
                    exchange,
                    message: ours,
                    proof,
                }));
                match handshake.finish(&message) {
                    Ok(agreed) => {
                        let mac = agreed.confirmation();
                        self.guard.borrow_mut().confirming();
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
                    } if ours == exchange => match (agreed.rekey_key(), agreed.confirm(&mac)) {
                        (rekey, Ok((sealer, opener))) => {
                            self.guard.borrow_mut().confirmed(rekey);
                            *self.sent.borrow_mut() = SentFrames::default();
                            self.awaiting_snapshot.set(false);
                            self.ephemeral_seq.set(0);
                            *self.keys.borrow_mut() = Keys::Ready { sealer, opener };
                            self.dispatch.dispatch(Action::Verified);
                        }
                        (_, Err(_)) => self.verification_failed(),
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
