//! The customer's side of the key exchange: this browser starts every exchange (when an agent
//! joins, on every page load), with SPAKE2 over the code's secret digits. Its `KeyGuard` counts
//! exchanges that never confirmed back (each gave whoever answered one offline guess at the
//! code) for the whole session and stops at `MAX_VERIFY_FAILURES`; once an exchange confirmed,
//! a new one must prove it comes from that same agent, so the relay cannot pose as one.

use super::*;
use shared_protocol::key_guard::RekeyKey;

/// Where the key exchange with the current agent stands. Only the customer starts one, under a
/// fresh random id; messages of any other exchange are ignored.
pub(super) enum Keys {
    None,
    /// Our SPAKE2 message is out; waiting for the agent's.
    Started {
        exchange: u64,
        handshake: Handshake,
    },
    /// Keys derived and our confirmation sent; waiting for the agent's confirmation.
    Agreed {
        exchange: u64,
        agreed: Agreed,
    },
    /// Verified: page content may flow.
    Ready {
        sealer: Sealer,
        opener: Opener,
    },
}

impl Customer {
    /// This page has no keys with the agent yet. (`PeerBack` comes only from an agent that was
    /// in the session, so it means one is there to key with.)
    pub(super) fn needs_keys(&self) -> bool {
        matches!(self.keys, Keys::None) && self.stream.is_none()
    }

    pub(super) fn start_key_exchange(&mut self) {
        let Some(code) = self.code else { return };
        if self.guard.exhausted() {
            self.link.send_control(CustomerMsg::VerificationFailed);
            return self.end("Co-browse ended: the code could not be verified.".into());
        }
        let exchange = match random_u64() {
            Ok(id) => id,
            Err(e) => return self.end(format!("No secure randomness: {}", describe_js(&e))),
        };
        let handshake = Handshake::start(Role::Customer, code.secret, self.session_id);
        let message = handshake.message().to_vec();
        let proof = self.guard.proof(Role::Customer, exchange, &message);
        self.link.send_control(CustomerMsg::Key(KeyExchange::Spake {
            exchange,
            message,
            proof,
        }));
        self.keys = Keys::Started {
            exchange,
            handshake,
        };
    }

    pub(super) fn on_key(&mut self, key: KeyExchange) {
        let current = match &self.keys {
            Keys::Started { exchange, .. } | Keys::Agreed { exchange, .. } => *exchange,
            // Nothing under way: the agent never starts an exchange, so this is stale or hostile.
            Keys::None | Keys::Ready { .. } => return,
        };
        if key.exchange() != current {
            return;
        }
        match (std::mem::replace(&mut self.keys, Keys::None), key) {
            (
                Keys::Started {
                    exchange,
                    handshake,
                },
                KeyExchange::Spake { message, proof, .. },
            ) => match self
                .guard
                .admit(Role::Agent, exchange, &message, &proof)
                .map_err(|_| ())
                .and_then(|()| handshake.finish(&message).map_err(|_| ()))
            {
                Ok(agreed) => {
                    let mac = agreed.confirmation();
                    self.guard.confirming();
                    self.save();
                    self.link
                        .send_control(CustomerMsg::Key(KeyExchange::Confirm { exchange, mac }));
                    self.keys = Keys::Agreed { exchange, agreed };
                }
                Err(_) => self.verification_failed(),
            },
            (Keys::Agreed { agreed, .. }, KeyExchange::Confirm { mac, .. }) => {
                let rekey = agreed.rekey_key();
                match agreed.confirm(&mac) {
                    Ok(channel) => self.verified(channel, rekey),
                    Err(_) => self.verification_failed(),
                }
            }
            // Out of turn within the exchange: nothing is agreed from it.
            (keys, _) => self.keys = keys,
        }
    }

    /// The agent proved it has the same code: page content may flow.
    fn verified(&mut self, (sealer, opener): (Sealer, Opener), rekey: RekeyKey) {
        self.guard.confirmed(rekey);
        self.save();
        self.link.restart_sequences();
        self.keys = Keys::Ready { sealer, opener };
        if let Err(e) = self.start_stream() {
            let why = describe_js(&e);
            return self.end(format!("Co-browse could not capture this page: {why}"));
        }
        self.show_session(&self.text("viewing", &[]));
        // The agent learns the mode this page is in (write mode survives page loads).
        self.tell_mode(ModeCause::Current);
    }

    /// The agent's code did not match: tell the relay, which removes that agent.
    pub(super) fn verification_failed(&mut self) {
        self.keys = Keys::None;
        self.stream = None;
        self.save();
        self.link.send_control(CustomerMsg::VerificationFailed);
        if self.guard.exhausted() {
            return self.end("Co-browse ended: the code could not be verified.".into());
        }
        let attempts = self.guard.attempts_left().to_string();
        self.show_session(&self.text("code_retry", &[("attempts", &attempts)]));
    }
}
