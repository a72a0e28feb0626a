//! What the agent may do on the customer's page, and the modes that allow it. Travels sealed,
//! inside [`crate::page::AgentPageMsg`] and [`crate::page::CustomerPageMsg`]; only the mode
//! itself (for the history) and counts of refusals (for metrics) reach the relay as control.
//!
//! The customer's browser decides everything here: it holds the mode, asks the customer for
//! consent, and refuses any action that the mode or the page's restrictions do not allow, so a
//! modified console gains nothing by sending what its UI would not.

use serde::{Deserialize, Serialize};

use crate::page::NodeId;

/// Every session starts in [`Mode::Pointer`]: both pointers are shown, the agent changes nothing.
/// In [`Mode::Write`], which the customer approved, the agent can act through [`AgentAction`]s.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Mode {
    #[default]
    Pointer,
    Write,
}

impl Mode {
    /// The name in the session history (the reference's `SEGMENT_MODE` values).
    pub fn as_str(&self) -> &'static str {
        match self {
            Mode::Pointer => "POINTER",
            Mode::Write => "WRITE",
        }
    }
}

/// Why the mode is what the customer's browser says it is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ModeCause {
    /// The current mode, told when the page starts streaming (a new page, a new agent).
    Current,
    /// The customer is being asked (the mode is still pointer).
    Asking,
    Approved,
    Denied,
    /// The server's `write_mode_allowed` is off: no request is even shown to the customer.
    NotAllowed,
    /// The customer denied a request less than `write_request_interval` ago: not asked again.
    TooSoon,
    /// The customer went back to pointer mode.
    CustomerStopped,
    /// The agent went back to pointer mode.
    AgentStopped,
}

/// One action of the agent. `epoch` is the snapshot epoch its node ids belong to: after a new
/// snapshot the ids mean other nodes, so an action of an older epoch is dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentAction {
    pub epoch: u32,
    /// The element acted on. Coordinates (the customer's viewport, CSS pixels) are a fallback
    /// for a click only, when the id is gone.
    pub target: Option<NodeId>,
    pub kind: ActionKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActionKind {
    /// pointerdown → mousedown → pointerup → mouseup → click, at (x, y).
    Click {
        x: i32,
        y: i32,
    },
    /// The whole new value of an input, a textarea or a contenteditable element's text.
    Type {
        value: String,
    },
    /// The options selected in a `<select>`, by index.
    Select {
        selected: Vec<u32>,
    },
    /// Scroll the element (the window: [`crate::page::DOCUMENT`]) by this much.
    Scroll {
        dx: i32,
        dy: i32,
    },
    Key(Key),
}

/// The keys the agent can press for the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Key {
    Enter,
    Tab,
    ShiftTab,
    Escape,
}

/// The agent's navigation bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Navigate {
    Back,
    Forward,
    Reload,
    /// An absolute URL, or one relative to the customer's page.
    To(String),
}

/// Why an agent message was refused. Each refusal is counted (see
/// [`crate::CustomerMsg::Refused`]); the agent is told, the action is shown to nobody.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Refusal {
    /// An action or navigation outside write mode.
    PointerMode,
    /// A submit button, or an element marked read-only.
    ReadOnly,
    /// A masked or blocked element.
    Private,
    /// A URL outside the instrumented site.
    OutsideSite,
    /// An id the page does not have, and no element at the fallback point.
    NoTarget,
    /// The action does not fit the element (typing into a button, say).
    Mismatch,
    /// The action would move the focus out of a password or masked field while the customer
    /// is typing in it (their next keys would land, unmasked, elsewhere).
    CustomerTyping,
}

impl Refusal {
    pub const ALL: [Refusal; 7] = [
        Refusal::PointerMode,
        Refusal::ReadOnly,
        Refusal::Private,
        Refusal::OutsideSite,
        Refusal::NoTarget,
        Refusal::Mismatch,
        Refusal::CustomerTyping,
    ];

    /// Stable name for metrics and logs.
    pub fn as_str(&self) -> &'static str {
        match self {
            Refusal::PointerMode => "pointer_mode",
            Refusal::ReadOnly => "read_only",
            Refusal::Private => "private",
            Refusal::OutsideSite => "outside_site",
            Refusal::NoTarget => "no_target",
            Refusal::Mismatch => "mismatch",
            Refusal::CustomerTyping => "customer_typing",
        }
    }
}

/// Refusals counted since the last report, by reason (index: position in [`Refusal::ALL`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedCounts(pub [u32; Refusal::ALL.len()]);

impl RefusedCounts {
    pub fn add(&mut self, reason: Refusal) {
        let i = Refusal::ALL.iter().position(|r| *r == reason).unwrap_or(0);
        self.0[i] = self.0[i].saturating_add(1);
    }

    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|n| *n == 0)
    }

    /// (reason, count) for each reason counted.
    pub fn iter(&self) -> impl Iterator<Item = (Refusal, u32)> + '_ {
        Refusal::ALL
            .iter()
            .zip(self.0)
            .filter(|(_, n)| *n > 0)
            .map(|(r, n)| (*r, n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_by_reason() {
        let mut c = RefusedCounts::default();
        assert!(c.is_zero());
        c.add(Refusal::PointerMode);
        c.add(Refusal::PointerMode);
        c.add(Refusal::OutsideSite);
        let got: Vec<_> = c.iter().collect();
        assert_eq!(
            got,
            vec![(Refusal::PointerMode, 2), (Refusal::OutsideSite, 1)]
        );
    }

    #[test]
    fn every_reason_has_its_own_slot() {
        let names: std::collections::HashSet<_> = Refusal::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(names.len(), Refusal::ALL.len());
        // Each can be counted (a reason added without a slot panicked the customer's module).
        let mut c = RefusedCounts::default();
        for reason in Refusal::ALL {
            c.add(reason);
        }
        assert_eq!(c.iter().count(), Refusal::ALL.len());
    }
}
