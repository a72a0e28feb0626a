//! Stylesheet changes between batches: `<style>` and `<link>` sheets that a script changed or
//! that finished loading, the document's adopted sheets (replaced, pushed to, or edited), and
//! the state twins that follow from them.

use std::collections::HashSet;

use shared_protocol::page::{MutationBatch, SheetUse};
use web_sys::{CssStyleSheet, Document, Node};

use super::sheets::{adopted_sheets, element_sheet, same_sheets, SheetsSent};
use super::snapshot::adopted;
use super::Mirror;

#[derive(Default)]
pub struct SheetChanges {
    /// `<style>` and `<link>` elements whose sheets changed.
    owners: Vec<Node>,
    /// A constructed sheet's rules changed (it may be adopted).
    constructed_changed: bool,
    /// The adopted sheets as last sent, to see `adoptedStyleSheets.push()`, which no setter sees.
    adopted_seen: Vec<CssStyleSheet>,
    /// The state twins as last sent.
    state_css: String,
}

impl SheetChanges {
    /// Tracking starts from what a snapshot of `doc` sent.
    pub fn after_snapshot(doc: &Document, state_css: &str) -> Self {
        Self {
            adopted_seen: adopted_sheets(doc).unwrap_or_default(),
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

    /// Whether the document adopted other sheets since the last batch.
    pub fn adopted_moved(&self, doc: &Document) -> bool {
        !same_sheets(&self.adopted_seen, &adopted_sheets(doc).unwrap_or_default())
    }

    pub fn is_empty(&self) -> bool {
        self.owners.is_empty() && !self.constructed_changed
    }

    /// Adds the changed sheets (and their bodies the agent lacks) to `batch`; the state twins
    /// too when the page's rules changed. Returns the new state twins, if any.
    pub fn build(
        &mut self,
        doc: &Document,
        mirror: &Mirror,
        sheets: &mut SheetsSent,
        batch: &mut MutationBatch,
    ) -> Option<String> {
        let adopted_moved = self.adopted_moved(doc);
        if self.is_empty() && !adopted_moved {
            return None;
        }
        let mut seen = HashSet::new();
        for node in self.owners.drain(..) {
            let Some(id) = mirror.id_of(&node) else {
                continue;
            };
            // A changed sheet is sent whole: its rules are never in the serialized text.
            if seen.insert(id) {
                if let Some(rules) = element_sheet(&node, false) {
                    let sheet = sheets.share(rules, &mut batch.sheets);
                    batch.styles.push(SheetUse { id, sheet });
                }
            }
        }
        if std::mem::take(&mut self.constructed_changed) || adopted_moved {
            self.adopted_seen = adopted_sheets(doc).unwrap_or_default();
            batch
                .adopted
                .push(adopted(doc, sheets, &mut batch.sheets).unwrap_or(
                    shared_protocol::page::Adopted {
                        id: shared_protocol::page::DOCUMENT,
                        sheets: Vec::new(),
                    },
                ));
        }
        let state_css = super::state_stylesheet(doc);
        if state_css == self.state_css {
            return None;
        }
        self.state_css = state_css.clone();
        batch.state_css = Some(state_css.clone());
        Some(state_css)
    }
}
