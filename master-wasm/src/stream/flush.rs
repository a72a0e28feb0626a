//! Taking the batch of changes a flush sends: built against the DOM as it is now, once a
//! snapshot is complete, and coalesced in a mutation storm (after a batch of
//! [`STORM_NODES`] added and removed nodes, the next waits [`STORM_BATCH_MS`]; what came and
//! went in between never leaves the page).

use shared_protocol::page::MutationBatch;
use wasm_bindgen::JsCast;

use super::{roots, Inner, PageStream};
use crate::browser::Timeout;

/// A batch that adds and removes this many nodes marks a storm.
pub(super) const STORM_NODES: usize = 400;
/// In a storm, the shortest time between two batches (the pointer keeps its frame rate).
pub(super) const STORM_BATCH_MS: f64 = 200.0;

impl PageStream {
    /// Everything that changed since the last call, or `None` when nothing did.
    pub fn take_batch(&self) -> Option<MutationBatch> {
        let mut inner = self.inner.borrow_mut();
        inner.scheduled = None;
        if inner.walk.is_some() {
            // Records wait in the observer until the snapshot is complete.
            return None;
        }
        for record in self.observer.take_records() {
            inner.builder.record(record.unchecked_ref());
        }
        let now = js_sys::Date::now();
        if now < inner.hold_until {
            // Coalescing a storm: everything waits for one batch at the end of the hold.
            if inner.held.is_none() {
                let flush = inner.flush.clone();
                let wait = (inner.hold_until - now).ceil() as i32;
                inner.held = Some(Timeout::new(wait, move || flush()));
            }
            return None;
        }
        inner.held = None;
        // Every flush (a pointer move is one) comes here: no root is read for this check.
        if inner.builder.is_empty() && !inner.mirror.has_unshown() {
            return None;
        }
        let Inner {
            doc,
            mirror,
            builder,
            sheets,
            epoch,
            ..
        } = &mut *inner;
        let (batch, state_css) = builder.build(doc, mirror, *epoch, sheets);
        if !batch.state.sheets.is_empty() {
            sheets.store();
        }
        let size = batch.removes.len() + batch.adds.iter().map(|a| a.nodes.len()).sum::<usize>();
        if size >= STORM_NODES {
            inner.hold_until = now + inner.storm_hold_ms;
        }
        if let (Some(css), Some(sheet)) = (state_css, &inner.hover_sheet) {
            sheet.set_text_content(Some(&css));
        }
        drop(inner);
        // Frames and shadow roots the batch captured are observed from now on.
        roots::watch(&self.inner);
        (!batch.is_empty()).then_some(batch)
    }

    /// Sets how long a storm holds batches (benchmarks measure memory with none).
    pub fn set_storm_hold(&self, ms: f64) {
        self.inner.borrow_mut().storm_hold_ms = ms;
    }
}
