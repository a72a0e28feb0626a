//! Stylesheet changes between batches: `<style>` and `<link>` sheets that a script changed or
//! that finished loading, the adopted sheets of the document, frames and shadow roots
//! (replaced, pushed to, or edited), and the state twins that follow from them.

use std::collections::{HashMap, HashSet};

use shared_protocol::page::{Adopted, NodeId, SheetUse};
use shared_protocol::page_state::PageState;
use web_sys::{CssStyleSheet, Document, Node};

use super::sheets::{adopted_sheets, element_sheet, note_if_unreadable, same_sheets, SheetsSent};
use super::snapshot::adopted;
use super::Mirror;

#[derive(Default)]
pub struct SheetChanges {
    /// `<style>` and `<link>` elements whose sheets changed.
    owners: Vec<Node>,
    /// A constructed sheet's rules changed (it may be adopted).
    constructed_changed: bool,
    /// Each root's adopted sheets as last sent, to see `adoptedStyleSheets.push()`, which no
    /// setter sees.
    adopted_seen: HashMap<NodeId, Vec<CssStyleSheet>>,
    /// The periodic check saw a root adopt other sheets: the next batch says so.
    adopted_pending: bool,
    /// The state twins as last sent.
    state_css: String,
}

impl SheetChanges {
    /// Tracking starts from what a snapshot (captured in `mirror`) sent.
    pub fn after_snapshot(mirror: &Mirror, state_css: &str) -> Self {
        Self {
            adopted_seen: adopted_now(mirror),
            state_css: state_css.to_string(),
            ..Self::default()
        }
    }

    pub fn owner_changed(&mut self, node: Node) {
        self.owners.push(node);
    }

    pub fn constructed_changed(&mut self) {
        self.constructed_changed = true;
    }

    /// The roots that adopted other sheets since the last batch.
    pub fn adopted_moved(&self, mirror: &Mirror) -> Vec<NodeId> {
        let now = adopted_now(mirror);
        let mut moved: Vec<NodeId> = now
            .iter()
            .filter(|(id, list)| !same_sheets(self.adopted_seen.get(id).map_or(&[], |v| v), list))
            .map(|(id, _)| *id)
            .collect();
        // A root that adopted sheets and then dropped them all.
        moved.extend(
            self.adopted_seen
                .iter()
                .filter(|(id, list)| !list.is_empty() && !now.contains_key(id))
                .filter(|(id, _)| mirror.node(**id).is_some())
                .map(|(id, _)| *id),
        );
        moved
    }

    /// Looks for roots that adopted other sheets (the periodic check: every root is read, so
    /// not on every flush); true when there are some to send.
    pub fn check_adopted(&mut self, mirror: &Mirror) -> bool {
        self.adopted_pending |= !self.adopted_moved(mirror).is_empty();
        self.adopted_pending
    }

    pub fn is_empty(&self) -> bool {
        self.owners.is_empty() && !self.constructed_changed && !self.adopted_pending
    }

    /// Adds the changed sheets (and their bodies the agent lacks) to `batch`; the state twins
    /// too when the page's rules changed. Returns the new state twins, if any.
    pub fn build(
        &mut self,
        doc: &Document,
        mirror: &Mirror,
        sheets: &mut SheetsSent,
        state: &mut PageState,
    ) -> Option<String> {
        let mut adopted_moved = self.adopted_moved(mirror);
        self.adopted_pending = false;
        if self.is_empty() && adopted_moved.is_empty() {
            return None;
        }
        let mut seen = HashSet::new();
        for node in self.owners.drain(..) {
            let Some(id) = mirror.id_of(&node) else {
                continue;
            };
            // A changed sheet is sent whole: its rules are never in the serialized text.
            if seen.insert(id) {
                note_if_unreadable(mirror, id, &node);
                if let Some(rules) = element_sheet(&node, false) {
                    let sheet = sheets.share(rules, &mut state.sheets);
                    state.styles.push(SheetUse { id, sheet });
                }
            }
        }
        if std::mem::take(&mut self.constructed_changed) {
            // Edited rules of an adopted sheet: send every root that adopts any.
            adopted_moved.extend(self.adopted_seen.keys().copied());
            adopted_moved.sort_unstable();
            adopted_moved.dedup();
        }
        for id in adopted_moved {
            let Some(root) = mirror.node(id) else {
                continue;
            };
            state.adopted.push(
                adopted(id, root, sheets, &mut state.sheets).unwrap_or(Adopted {
                    id,
                    sheets: Vec::new(),
                }),
            );
        }
        self.adopted_seen = adopted_now(mirror);
        let state_css = super::state_stylesheet(doc);
        if state_css == self.state_css {
            return None;
        }
        self.state_css = state_css.clone();
        state.state_css = Some(state_css.clone());
        Some(state_css)
    }
}

/// The adopted sheets of every captured root that has some.
fn adopted_now(mirror: &Mirror) -> HashMap<NodeId, Vec<CssStyleSheet>> {
    mirror
        .roots()
        .into_iter()
        .filter_map(|(id, root)| {
            let list = adopted_sheets(&root).filter(|l| !l.is_empty())?;
            Some((id, list))
        })
        .collect()
}
