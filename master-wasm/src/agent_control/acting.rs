//! One agent action from start to end: the restrictions, the customer's typing, then the
//! action under the guard. The session and the browser tests go through here alike.

use std::rc::Rc;

use shared_protocol::agent_control::{ActionKind, Refusal};
use web_sys::Element;

use super::{customer_keys, guard, perform, restrictions, Allowances};
use crate::privacy::Scope;

/// The privacy scope each captured element has (`None`: never captured, as inside a blocked one).
pub type ScopeOf<'a> = &'a dyn Fn(&Element) -> Option<Scope>;

/// [`ScopeOf`] that outlives a call (the guard's listeners hold it while an action runs).
pub type Scopes = Rc<dyn Fn(&Element) -> Option<Scope>>;

/// The agent's `kind` on `el` (captured as `id`), as the session carries it out: checked
/// against the restrictions (on `el` and on what the action activates) and against the
/// customer's typing, then done under the guard, which cancels what a page handler would do
/// beyond the agent's rights in answer (and the agent is told).
pub fn act(
    el: &Element,
    id: u32,
    scopes: &Scopes,
    kind: &ActionKind,
    allow: Allowances,
) -> Result<(), Refusal> {
    restrictions::check(el, &**scopes, kind, allow)?;
    customer_keys::may_move_focus(el, kind, &**scopes)?;
    let (done, refused) =
        guard::watched(el, scopes, allow, || perform::perform(el, id, kind, allow));
    done.map_err(|e| {
        crate::debug::log(&format!("the agent's action failed: {e:?}"));
        Refusal::Mismatch
    })?;
    refused.map_or(Ok(()), Err)
}
