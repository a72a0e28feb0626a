//! The key exchange of a session as one state machine per role, without I/O, for both
//! browsers: the customer's browser starts every exchange (an agent joins, a page loads) with
//! SPAKE2 over the code's secret digits; the console answers under the same exchange id with
//! its own message and its confirmation; the customer checks that confirmation and only then
//! confirms back (so the customer keeps an exchange's rekey key before the agent can: see
//! [`KeyGuard`]). Each side's guard counts the exchanges that never confirmed back and refuses,
//! once one confirmed, an exchange that does not prove it comes from the same peer.
//!
//! A step returns what to send (key messages, as control messages to the relay) and an
//! [`Outcome`]; the driver sends, shows and saves, and never decides from text.

use crate::crypto::{Agreed, Handshake, Opener, Sealer};
use crate::key_guard::{GuardError, KeyGuard};
use crate::{KeyExchange, Role};

/// The sealed channel of a confirmed exchange.
pub struct Channel {
    pub sealer: Sealer,
    pub opener: Opener,
}

/// What came of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Not for this exchange (another id, out of turn, nothing under way): nothing changed.
    Ignored,
    /// The exchange goes on.
    Pending,
    /// The peer proved it has the same code: page content may flow (see `channel`).
    Verified,
    /// This exchange failed (another code, or not the peer verified before); more may follow.
    Failed,
    /// Too many exchanges failed: the session is over.
    Exhausted,
}

/// Key messages to send, then what came of the step.
#[derive(Debug, PartialEq, Eq)]
pub struct Step {
    pub send: Vec<KeyExchange>,
    pub outcome: Outcome,
}

impl Step {
    fn just(outcome: Outcome) -> Self {
        Self {
            send: Vec::new(),
            outcome,
        }
    }
}

/// Where an exchange stands, on either side.
enum State {
    Idle,
    /// Our SPAKE2 message is out (only the customer starts): waiting for the agent's.
    Started {
        exchange: u64,
        handshake: Handshake,
    },
    /// Keys derived and our confirmation sent: waiting for the peer's.
    Agreed {
        exchange: u64,
        agreed: Agreed,
    },
    Ready(Channel),
}

/// How many exchange ids the agent remembers having answered: a replay of one is ignored.
const ANSWERED_KEPT: usize = 8;

/// One side's exchanges over a whole session.
pub struct Keys {
    me: Role,
    guard: KeyGuard,
    state: State,
    /// On the agent, the latest exchanges it answered or refused (the customer picks each id at
    /// random and sends its message once): a relay replaying a proven message would otherwise
    /// burn one of the agent's attempts per replay, or leave the console waiting for the wrong
    /// exchange's confirmation and showing a mismatch with the right code.
    answered: Vec<u64>,
}

impl Keys {
    /// The customer's side (`guard` as its last page saved it) or the agent's.
    pub fn new(me: Role, guard: KeyGuard) -> Self {
        Self {
            me,
            guard,
            state: State::Idle,
            answered: Vec::new(),
        }
    }

    /// The guard, for a page to save.
    pub fn guard(&self) -> &KeyGuard {
        &self.guard
    }

    /// No exchange under way and none confirmed.
    pub fn is_idle(&self) -> bool {
        matches!(self.state, State::Idle)
    }

    /// The channel, once verified.
    pub fn channel(&self) -> Option<&Channel> {
        match &self.state {
            State::Ready(channel) => Some(channel),
            _ => None,
        }
    }

    pub fn channel_mut(&mut self) -> Option<&mut Channel> {
        match &mut self.state {
            State::Ready(channel) => Some(channel),
            _ => None,
        }
    }

    /// Forgets the exchange (the peer left, or another one replaces it).
    pub fn reset(&mut self) {
        self.state = State::Idle;
    }

    /// The customer starts exchange `exchange` (a fresh random id) over `secret`.
    pub fn start(&mut self, secret: u16, session_id: [u8; 16], exchange: u64) -> Step {
        if self.guard.exhausted() {
            self.state = State::Idle;
            return Step::just(Outcome::Exhausted);
        }
        let handshake = Handshake::start(self.me, secret, session_id);
        let message = handshake.message().to_vec();
        let proof = self.guard.proof(self.me, exchange, &message);
        self.state = State::Started {
            exchange,
            handshake,
        };
        Step {
            send: vec![KeyExchange::Spake {
                exchange,
                message,
                proof,
            }],
            outcome: Outcome::Pending,
        }
    }

    /// A key message from the peer.
    pub fn on_key(&mut self, secret: u16, session_id: [u8; 16], key: KeyExchange) -> Step {
        match (std::mem::replace(&mut self.state, State::Idle), key) {
            // The customer's message answers ours.
            (
                State::Started {
                    exchange,
                    handshake,
                },
                KeyExchange::Spake {
                    exchange: theirs,
                    message,
                    proof,
                },
            ) if theirs == exchange => {
                if let Err(e) = self.guard.admit(Role::Agent, exchange, &message, &proof) {
                    return self.refused(e);
                }
                match handshake.finish(&message) {
                    // The agent's confirmation, which follows, is checked before ours goes.
                    Ok(agreed) => {
                        self.guard.confirming(agreed.rekey_key());
                        self.state = State::Agreed { exchange, agreed };
                        Step::just(Outcome::Pending)
                    }
                    Err(_) => self.failed(),
                }
            }
            // A replay: each exchange is answered once, and a replay counts for nothing.
            (previous, KeyExchange::Spake { exchange, .. })
                if self.me == Role::Agent && self.answered.contains(&exchange) =>
            {
                self.state = previous;
                Step::just(Outcome::Ignored)
            }
            // The agent answers every exchange the customer starts (a join, each new page).
            (
                previous,
                KeyExchange::Spake {
                    exchange,
                    message,
                    proof,
                },
            ) if self.me == Role::Agent => {
                if self.answered.len() == ANSWERED_KEPT {
                    self.answered.remove(0);
                }
                self.answered.push(exchange);
                if let Err(e) = self.guard.admit(Role::Customer, exchange, &message, &proof) {
                    self.state = previous;
                    return self.refused(e);
                }
                let handshake = Handshake::start(self.me, secret, session_id);
                let ours = handshake.message().to_vec();
                let proof = self.guard.proof(self.me, exchange, &ours);
                let spake = KeyExchange::Spake {
                    exchange,
                    message: ours,
                    proof,
                };
                match handshake.finish(&message) {
                    Ok(agreed) => self.confirm(exchange, agreed, vec![spake]),
                    Err(_) => Step {
                        send: vec![spake],
                        outcome: self.failed().outcome,
                    },
                }
            }
            (
                State::Agreed { exchange, agreed },
                KeyExchange::Confirm {
                    exchange: theirs,
                    mac,
                },
            ) if theirs == exchange => {
                let rekey = agreed.rekey_key();
                // The customer confirms last (the agent's confirmation went with its message).
                let ours = agreed.confirmation();
                match agreed.confirm(&mac) {
                    Ok((sealer, opener)) => {
                        self.guard.confirmed(rekey);
                        self.state = State::Ready(Channel { sealer, opener });
                        let send = match self.me {
                            Role::Agent => Vec::new(),
                            _ => vec![KeyExchange::Confirm {
                                exchange,
                                mac: ours,
                            }],
                        };
                        Step {
                            send,
                            outcome: Outcome::Verified,
                        }
                    }
                    Err(_) => self.failed(),
                }
            }
            // Another exchange's, out of turn, or nothing under way: stale or hostile.
            (state, _) => {
                self.state = state;
                Step::just(Outcome::Ignored)
            }
        }
    }

    /// The agent's confirmation goes out after `before`: one guess given away until it is
    /// confirmed back.
    fn confirm(&mut self, exchange: u64, agreed: Agreed, mut before: Vec<KeyExchange>) -> Step {
        let mac = agreed.confirmation();
        self.guard.confirming(agreed.rekey_key());
        self.state = State::Agreed { exchange, agreed };
        before.push(KeyExchange::Confirm { exchange, mac });
        Step {
            send: before,
            outcome: Outcome::Pending,
        }
    }

    /// The exchange failed; whether the session may try again.
    pub fn failed(&mut self) -> Step {
        self.state = State::Idle;
        Step::just(match self.guard.exhausted() {
            true => Outcome::Exhausted,
            false => Outcome::Failed,
        })
    }

    fn refused(&mut self, e: GuardError) -> Step {
        Step::just(match e {
            GuardError::Exhausted => Outcome::Exhausted,
            GuardError::Unproven => Outcome::Failed,
        })
    }
}

#[cfg(test)]
#[path = "exchange_tests.rs"]
mod tests;
