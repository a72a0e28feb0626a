//! The agent's typing against the page's echo. Each key the agent types in the view goes to the
//! customer's field as the whole new value; the page then echoes the field's value back in a
//! batch. An echo that arrives after the agent typed more would set the view's field back to
//! the older value, and the next key would then send that older value plus one character:
//! keys lost and reordered ("12 rue de la Paix" arriving as "12 rede aPax") whenever the round
//! trip is longer than the time between two keys.
//!
//! So while the agent is typing into a field, the page's values for that field are held back
//! (the newest kept); once the agent has left it alone for [`HOLD_MS`], the newest held value
//! is shown, so what the page itself did to the value (an input mask, a reformatting) still
//! appears. Pure logic with the clock passed in; the session applies what it returns.

use std::collections::HashMap;

use shared_protocol::page::{FormValue, NodeId};

/// How long after the agent's last key a field shows the page's values again.
pub const HOLD_MS: f64 = 600.0;

#[derive(Debug, Default)]
pub struct TypingHold {
    /// When the agent last typed into each field (ms, the console's clock).
    typed_at: HashMap<NodeId, f64>,
    /// The newest value the page sent for a field while it was held.
    held: HashMap<NodeId, FormValue>,
}

impl TypingHold {
    /// The agent typed into `id` at `now`.
    pub fn typed(&mut self, id: NodeId, now: f64) {
        self.typed_at.insert(id, now);
    }

    fn holds(&self, id: NodeId, now: f64) -> bool {
        self.typed_at.get(&id).is_some_and(|&at| now - at < HOLD_MS)
    }

    /// The page's values to show now: those of fields the agent is typing into are held back.
    /// `None` when nothing is held (the values show as they are).
    pub fn pass(&mut self, values: &[FormValue], now: f64) -> Option<Vec<FormValue>> {
        if !values.iter().any(|v| self.holds(v.id, now)) {
            return None;
        }
        let mut shown = Vec::with_capacity(values.len());
        for v in values {
            if self.holds(v.id, now) {
                self.held.insert(v.id, v.clone());
            } else {
                shown.push(v.clone());
            }
        }
        Some(shown)
    }

    /// Held values whose field the agent has left alone for [`HOLD_MS`]: to show now.
    pub fn due(&mut self, now: f64) -> Vec<FormValue> {
        self.typed_at.retain(|_, at| now - *at < HOLD_MS);
        let typed_at = &self.typed_at;
        let (due, still): (HashMap<_, _>, HashMap<_, _>) = self
            .held
            .drain()
            .partition(|(id, _)| !typed_at.contains_key(id));
        self.held = still;
        due.into_values().collect()
    }

    /// A new snapshot: node ids mean other nodes now.
    pub fn clear(&mut self) {
        self.typed_at.clear();
        self.held.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(id: NodeId, v: &str) -> FormValue {
        FormValue {
            id,
            value: v.into(),
            checked: false,
        }
    }

    #[test]
    fn echoes_of_a_field_being_typed_into_wait_and_the_newest_shows_after() {
        let mut hold = TypingHold::default();
        assert_eq!(hold.pass(&[value(4, "12")], 0.0), None, "nothing typed yet");
        hold.typed(4, 100.0);
        let shown = hold.pass(&[value(4, "12 r"), value(9, "other field")], 120.0);
        assert_eq!(shown, Some(vec![value(9, "other field")]));
        hold.typed(4, 140.0);
        hold.pass(&[value(4, "12 ru")], 160.0);
        assert!(hold.due(500.0).is_empty(), "still typing");
        assert_eq!(hold.due(140.0 + HOLD_MS), vec![value(4, "12 ru")]);
        assert!(hold.due(2_000.0).is_empty(), "shown once");
        assert_eq!(
            hold.pass(&[value(4, "12 RU")], 2_000.0),
            None,
            "the page's values show again"
        );
    }

    #[test]
    fn a_new_snapshot_forgets_the_fields() {
        let mut hold = TypingHold::default();
        hold.typed(4, 0.0);
        hold.pass(&[value(4, "x")], 1.0);
        hold.clear();
        assert!(hold.due(0.0).is_empty());
        assert_eq!(hold.pass(&[value(4, "y")], 2.0), None);
    }
}
