//! What the console remembers of the codes it joined with, for as long as its page lives: the
//! failed exchanges each code's guard counted. Without it the agent's guard would start from
//! nothing on every join, and a relay (which can end a console's join whenever it likes: it
//! says "verification failed", or "ended") would get the guesses of a fresh guard from each
//! join the agent makes again with the same code, unseen by the customer, whose count never
//! moves. Keyed by the whole code the agent typed, never by what the relay says (the session
//! id comes from the relay). Only the count is kept: each join keys from scratch.

use std::collections::HashMap;

use crate::key_guard::KeyGuard;
use crate::JoinCode;

#[derive(Debug, Default)]
pub struct CodeAttempts {
    failures: HashMap<JoinCode, u8>,
}

impl CodeAttempts {
    /// The guard a join with `code` starts from: the failures of that code's earlier joins.
    pub fn guard(&self, code: &JoinCode) -> KeyGuard {
        let failures = self.failures.get(code).copied().unwrap_or(0);
        KeyGuard::restore(failures, None)
    }

    /// Keeps what a join's guard has counted for `code` (after each of its key messages).
    pub fn record(&mut self, code: &JoinCode, guard: &KeyGuard) {
        self.failures.insert(*code, guard.failures());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::{Keys, Outcome};
    use crate::{KeyExchange, Role, MAX_VERIFY_FAILURES};

    const CODE: JoinCode = JoinCode {
        routing: 4242,
        secret: 1234,
    };

    /// A relay posing as the customer with a wrong guess: its message to the agent.
    fn relay_guess(exchange: u64) -> KeyExchange {
        let mut relay = Keys::new(Role::Customer, KeyGuard::default());
        relay.start(9999, [5; 16], exchange).send.remove(0)
    }

    /// Whether the agent answered the relay's guess (with its confirmation).
    fn guessed_against(agent: &mut Keys, exchange: u64) -> bool {
        let step = agent.on_key(CODE.secret, [5; 16], relay_guess(exchange));
        step.send
            .iter()
            .any(|k| matches!(k, KeyExchange::Confirm { .. }))
    }

    #[test]
    fn a_code_gets_its_guesses_once_however_often_the_agent_joins() {
        let mut attempts = CodeAttempts::default();
        let mut answered = 0;
        // Each join: one guess, then the relay ends the join; the agent joins again.
        for join in 0..6u64 {
            let mut agent = Keys::new(Role::Agent, attempts.guard(&CODE));
            answered += u8::from(guessed_against(&mut agent, join));
            attempts.record(&CODE, agent.guard());
        }
        assert_eq!(answered, MAX_VERIFY_FAILURES, "as many as one guard allows");
        // Another code (a typo, another session) starts afresh.
        let other = JoinCode {
            routing: 4242,
            secret: 1235,
        };
        let mut agent = Keys::new(Role::Agent, attempts.guard(&other));
        assert!(guessed_against(&mut agent, 99));
        assert_eq!(
            Keys::new(Role::Agent, attempts.guard(&CODE))
                .on_key(CODE.secret, [5; 16], relay_guess(100))
                .outcome,
            Outcome::Exhausted
        );
    }
}
