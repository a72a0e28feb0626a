//! A stream's snapshot, taken in slices of about [`SLICE_MS`] of walking with the page running
//! in between: each slice's nodes become a part ready to send at once, so a 100k-node page never
//! freezes the customer's tab and memory holds one slice of nodes at a time. The observer runs
//! during the walk; its batch waits until the snapshot is complete, then goes out next.

use std::cell::RefCell;
use std::rc::Rc;

use shared_protocol::page::CustomerPageMsg;
use web_sys::Document;

use super::Inner;
use crate::browser::Soon;
use crate::capture::{finish_snapshot, BatchBuilder, Mirror, SnapshotWalk, OWN_ATTR};

/// Walking time per slice. Encoding and sealing the slice's part follow in the same task, so a
/// task stays well under the 50 ms that counts as a long task.
pub(super) const SLICE_MS: f64 = 20.0;

/// Starts a snapshot of `epoch` from scratch (new ids, no pending batch, no walk of an older
/// epoch) and runs its first slice now; a small page is then already complete. The observer's
/// queued records of the previous epoch must have been taken and dropped.
pub(super) fn begin(this: &Rc<RefCell<Inner>>, epoch: u32) {
    {
        let mut inner = this.borrow_mut();
        let doc = inner.doc.clone();
        inner.epoch = epoch;
        inner.mirror = Mirror::new(doc.as_ref(), inner.policy.clone());
        inner.walk = Some(SnapshotWalk::start(&doc, epoch, &inner.mirror));
        inner.next_slice = None;
        inner.scheduled = None;
        inner.builder = BatchBuilder::default();
        // A new view shows no canvas yet: every visible one goes again.
        inner.canvases_sent.clear();
        // Parts of an earlier epoch still waiting are stale.
        inner.parts.clear();
    }
    run_slice(this);
    super::roots::watch(this);
}

/// Runs one slice of the walk, then schedules the next one or finishes the snapshot.
fn run_slice(this: &Rc<RefCell<Inner>>) {
    let mut guard = this.borrow_mut();
    let inner = &mut *guard;
    let Some(walk) = inner.walk.as_mut() else {
        return;
    };
    let now = js_sys::Date::now;
    // The observer's records of what the page did since the last slice are in the builder.
    let moved = inner.builder.has_insertions();
    let mut done = walk.step(&mut inner.mirror, now() + inner.slice_ms, now, moved);
    if !done {
        inner
            .parts
            .push(CustomerPageMsg::SnapshotNodes(walk.take_nodes()));
        let weak = Rc::downgrade(this);
        match Soon::new(move || {
            let Some(this) = weak.upgrade() else { return };
            run_slice(&this);
            super::roots::watch(&this);
            let flush = this.borrow().flush.clone();
            flush();
        }) {
            Ok(next) => inner.next_slice = Some(next),
            // No way to yield (never seen): finish in this task rather than never.
            Err(_) => done = walk.step(&mut inner.mirror, f64::INFINITY, now, moved),
        }
    }
    if done {
        finish(inner);
    }
}

fn finish(inner: &mut Inner) {
    let Some(walk) = inner.walk.take() else {
        return;
    };
    inner.next_slice = None;
    let mut snapshot = finish_snapshot(walk, &inner.doc, &inner.mirror, &mut inner.sheets);
    inner.sheets.store();
    let state_css = snapshot.state.state_css.clone().unwrap_or_default();
    let layers = inner
        .builder
        .snapshot_taken(&inner.doc, &inner.mirror, &state_css);
    snapshot.state.layers = Some(layers);
    match &inner.hover_sheet {
        Some(sheet) => sheet.set_text_content(Some(&state_css)),
        None => inner.hover_sheet = install_hover_sheet(&inner.doc, &state_css),
    }
    inner.parts.push(CustomerPageMsg::Snapshot(snapshot));
    // What changed while the walk ran goes out in the next batch.
    inner.schedule();
}

/// Adds the hover twins to the customer's page, marked as ours so capture skips them.
fn install_hover_sheet(doc: &Document, css: &str) -> Option<web_sys::Element> {
    let head = doc.head()?;
    let style = doc.create_element("style").ok()?;
    style.set_attribute(OWN_ATTR, "").ok()?;
    style.set_text_content(Some(css));
    head.append_child(&style).ok()?;
    Some(style)
}
