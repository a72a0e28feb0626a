//! The customer's side of the key exchange, driving the shared state machine
//! (`shared_protocol::exchange`, kept in [`Outbound`](super::outbound::Outbound)): this browser
//! starts every exchange (when an agent joins, on every page load); the machine answers,
//! confirms and counts. The guard is saved before a guess goes out ([`take`]), and the session
//! shows the outcome.

use shared_protocol::exchange::{Outcome, Step};
use shared_protocol::{CustomerMsg, KeyExchange};
use wasm_bindgen::JsValue;

use super::outbound::SharedOutbound;
use super::ticket::Ticket;
use crate::browser::random_u64;

/// Starts an exchange with the agent under the session's code (`None` without one; an error
/// without secure randomness).
pub fn start(out: &SharedOutbound, ticket: &Ticket) -> Result<Option<Step>, JsValue> {
    let Some(code) = ticket.code() else {
        return Ok(None);
    };
    let exchange = random_u64()?;
    let step = (out.borrow_mut().keys_mut()).start(code.secret, ticket.session_id(), exchange);
    Ok(Some(step))
}

/// The agent's part of the exchange.
pub fn on_key(out: &SharedOutbound, ticket: &Ticket, key: KeyExchange) -> Option<Step> {
    let code = ticket.code()?;
    let step = (out.borrow_mut().keys_mut()).on_key(code.secret, ticket.session_id(), key);
    Some(step)
}

/// Takes `step`: when it changes anything, `save` runs first (a confirmation gives a guess
/// away, which a page load must not forget), then what it says goes to the relay. Its outcome.
pub fn take(out: &SharedOutbound, step: Option<Step>, save: impl FnOnce()) -> Outcome {
    let Some(step) = step.filter(|s| s.outcome != Outcome::Ignored) else {
        return Outcome::Ignored;
    };
    save();
    let out = out.borrow();
    for key in step.send {
        out.send_control(CustomerMsg::Key(key));
    }
    step.outcome
}

/// The agent's code did not match: no keys, and (once `save` kept the guard) the relay is told,
/// which removes that agent. The attempts left, or `None` when there are none.
pub fn failed(out: &SharedOutbound, save: impl FnOnce()) -> Option<u8> {
    out.borrow_mut().keys_mut().reset();
    save();
    let out = out.borrow();
    out.send_control(CustomerMsg::VerificationFailed);
    let guard = out.keys().guard();
    (!guard.exhausted()).then(|| guard.attempts_left())
}

/// This page has no keys with the agent yet.
pub fn idle(out: &SharedOutbound) -> bool {
    out.borrow().keys().is_idle()
}
