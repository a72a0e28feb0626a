//! Builds each [`MutationBatch`] from the collectors that noted what changed since the last
//! one: the tree ([`DomChanges`]), then each concern of the page's state in its own collector
//! ([`super::changes`], [`SheetChanges`], [`LayerChanges`]). The stream notes events into the
//! collector they concern and asks for a batch when it flushes.

use shared_protocol::page::MutationBatch;
use shared_protocol::page_state::Layer;
use web_sys::{Document, MutationRecord};

use super::changes::{
    CanvasChanges, FocusChanges, FormChanges, MediaChanges, ScrollChanges, ViewportChange,
};
use super::live_state::LayerChanges;
use super::mutations::DomChanges;
use super::sheet_changes::SheetChanges;
use super::sheets::SheetsSent;
use super::Mirror;

#[derive(Default)]
pub struct BatchBuilder {
    dom: DomChanges,
    form: FormChanges,
    scroll: ScrollChanges,
    sheets: SheetChanges,
    focus: FocusChanges,
    viewport: ViewportChange,
    layers: LayerChanges,
    media: MediaChanges,
    canvases: CanvasChanges,
}

impl BatchBuilder {
    pub fn record(&mut self, record: &MutationRecord) {
        if self.dom.record(record) {
            self.layers.moved();
        }
    }

    pub fn dom(&mut self) -> &mut DomChanges {
        &mut self.dom
    }

    pub fn form(&mut self) -> &mut FormChanges {
        &mut self.form
    }

    pub fn scroll(&mut self) -> &mut ScrollChanges {
        &mut self.scroll
    }

    pub fn sheets(&mut self) -> &mut SheetChanges {
        &mut self.sheets
    }

    pub fn focus(&mut self) -> &mut FocusChanges {
        &mut self.focus
    }

    pub fn viewport(&mut self) -> &mut ViewportChange {
        &mut self.viewport
    }

    pub fn layers(&mut self) -> &mut LayerChanges {
        &mut self.layers
    }

    pub fn media(&mut self) -> &mut MediaChanges {
        &mut self.media
    }

    pub fn canvases(&mut self) -> &mut CanvasChanges {
        &mut self.canvases
    }

    /// The snapshot whose state twins are `state_css` is complete: sheet changes count from
    /// here, and the top layer it carries (returned) is what was sent. Records taken while it
    /// was walked stay: they change nodes it had captured.
    pub fn snapshot_taken(
        &mut self,
        doc: &Document,
        mirror: &Mirror,
        state_css: &str,
    ) -> Vec<Layer> {
        self.sheets = SheetChanges::after_snapshot(mirror, state_css);
        self.layers.restart(doc, mirror)
    }

    /// Nodes were inserted since the last batch (some may have been captured elsewhere).
    pub fn has_insertions(&self) -> bool {
        self.dom.has_insertions()
    }

    pub fn is_empty(&self) -> bool {
        self.dom.is_empty()
            && self.form.is_empty()
            && self.scroll.is_empty()
            && self.sheets.is_empty()
            && self.focus.is_empty()
            && self.viewport.is_empty()
            && self.layers.is_empty()
            && self.media.is_empty()
            && self.canvases.is_empty()
    }

    /// Builds the batch against the DOM as it is now, updating `mirror`; sheet contents the
    /// agent lacks (per `sheets`) go with it. Returns new state twins too when they changed.
    pub fn build(
        &mut self,
        doc: &Document,
        mirror: &mut Mirror,
        epoch: u32,
        sheets: &mut SheetsSent,
    ) -> (MutationBatch, Option<String>) {
        let mut batch = MutationBatch {
            epoch,
            ..Default::default()
        };
        let first_new = self.dom.build(mirror, &mut batch, &mut self.sheets);
        let state = &mut batch.state;
        self.form.build(mirror, first_new, state);
        self.focus.build(mirror, state);
        batch.viewport = self.viewport.build();
        let state = &mut batch.state;
        state.layers = self.layers.build(doc, mirror);
        self.media.build(mirror, state);
        self.canvases.build(mirror, state);
        let state_css = self.sheets.build(doc, mirror, sheets, state);
        state.unshown = mirror.take_unshown();
        self.scroll.build(mirror, state);
        (batch, state_css)
    }
}
