//! A stream's snapshot, taken in slices of about [`SLICE_MS`] of walking with the page running
//! in between: each slice's nodes become a part pushed at once, so a 100k-node page never
//! freezes the customer's tab and memory holds one slice of nodes at a time. The observer runs
//! during the walk; its batch waits until the snapshot is complete, then goes out next. The
//! hover twins of the page's rules ([`HoverSheet`]) come with each snapshot.

use std::cell::RefCell;
use std::rc::Rc;

use shared_protocol::page::CustomerPageMsg;
use web_sys::{Document, Element};

use super::{frame, roots, Inner};
use crate::browser::Soon;
use crate::capture::{finish_snapshot, BatchBuilder, Mirror, SnapshotWalk, OWN_ATTR};

/// Walking time per slice. Encoding and sealing the slice's part follow in the same task, so a
/// task stays well under the 50 ms that counts as a long task.
pub(super) const SLICE_MS: f64 = 20.0;

/// The snapshot being walked, while it is, and its parts not pushed yet.
pub(super) struct Slices {
    walk: Option<SnapshotWalk>,
    next: Option<Soon>,
    /// Walking time per slice, in ms.
    slice_ms: f64,
    /// Parts ready to push, oldest first.
    ready: Vec<CustomerPageMsg>,
}

impl Slices {
    pub(super) fn new(slice_ms: f64) -> Self {
        Self {
            walk: None,
            next: None,
            slice_ms,
            ready: Vec::new(),
        }
    }

    /// A snapshot is being walked: batches and scroll positions wait for it.
    pub(super) fn walking(&self) -> bool {
        self.walk.is_some()
    }

    /// The parts walked since the last call, oldest first.
    pub(super) fn take_ready(&mut self) -> Vec<CustomerPageMsg> {
        std::mem::take(&mut self.ready)
    }
}

/// Starts a snapshot of `epoch` from scratch (new ids, no pending batch, no walk of an older
/// epoch), runs its first slice and pushes what it has (a small page is then complete). The
/// observer's queued records of the previous epoch must have been taken and dropped.
pub(super) fn begin(this: &Rc<RefCell<Inner>>, epoch: u32) {
    let sink = {
        let mut inner = this.borrow_mut();
        let doc = inner.doc.clone();
        inner.epoch = epoch;
        inner.mirror = Mirror::new(doc.as_ref(), inner.policy.clone());
        inner.slices.walk = Some(SnapshotWalk::start(&doc, epoch, &inner.mirror));
        inner.slices.next = None;
        // Parts of an earlier epoch still waiting are stale.
        inner.slices.ready.clear();
        inner.clock.cancel();
        inner.builder = BatchBuilder::default();
        // A new view shows no canvas yet: every visible one goes again.
        inner.canvases.clear();
        inner.sink.clone()
    };
    run_slice(this);
    roots::watch(this);
    let ready = this.borrow_mut().slices.take_ready();
    for part in ready {
        sink.reliable(part);
    }
}

/// Runs one slice of the walk, then schedules the next one or finishes the snapshot.
fn run_slice(this: &Rc<RefCell<Inner>>) {
    let mut guard = this.borrow_mut();
    let inner = &mut *guard;
    let Some(walk) = inner.slices.walk.as_mut() else {
        return;
    };
    let now = js_sys::Date::now;
    // The observer's records of what the page did since the last slice are in the builder.
    let moved = inner.builder.has_insertions();
    let slice_ms = inner.slices.slice_ms;
    let mut done = walk.step(&mut inner.mirror, now() + slice_ms, now, moved);
    if !done {
        let part = CustomerPageMsg::SnapshotNodes(walk.take_nodes());
        inner.slices.ready.push(part);
        let weak = Rc::downgrade(this);
        match Soon::new(move || {
            let Some(this) = weak.upgrade() else { return };
            run_slice(&this);
            roots::watch(&this);
            frame::run(&this);
        }) {
            Ok(next) => inner.slices.next = Some(next),
            // No way to yield (never seen): finish in this task rather than never.
            Err(_) => done = walk.step(&mut inner.mirror, f64::INFINITY, now, moved),
        }
    }
    if done {
        finish(inner);
    }
}

fn finish(inner: &mut Inner) {
    let Some(walk) = inner.slices.walk.take() else {
        return;
    };
    inner.slices.next = None;
    let mut snapshot = finish_snapshot(walk, &inner.doc, &inner.mirror, &mut inner.sheets);
    inner.sheets.store();
    let state_css = snapshot.state.state_css.clone().unwrap_or_default();
    let layers = inner
        .builder
        .snapshot_taken(&inner.doc, &inner.mirror, &state_css);
    snapshot.state.layers = Some(layers);
    inner.hover_sheet.show(&inner.doc, &state_css);
    inner.slices.ready.push(CustomerPageMsg::Snapshot(snapshot));
    // What changed while the walk ran goes out in the next batch.
    inner.clock.schedule();
}

/// The page's hover rules twinned for the marker, so the agent's pointer opens menus: a
/// `<style>` of ours in the customer's page, marked so capture skips it.
#[derive(Default)]
pub(super) struct HoverSheet(Option<Element>);

impl HoverSheet {
    /// Shows `css`, adding the sheet to `doc` the first time.
    fn show(&mut self, doc: &Document, css: &str) {
        match &self.0 {
            Some(sheet) => sheet.set_text_content(Some(css)),
            None => self.0 = install_hover_sheet(doc, css),
        }
    }

    /// New twins after a batch (only once a snapshot added the sheet).
    pub(super) fn update(&self, css: &str) {
        if let Some(sheet) = &self.0 {
            sheet.set_text_content(Some(css));
        }
    }

    /// Leaves the page as it was.
    pub(super) fn remove(&mut self) {
        if let Some(sheet) = self.0.take() {
            sheet.remove();
        }
    }
}

fn install_hover_sheet(doc: &Document, css: &str) -> Option<Element> {
    let head = doc.head()?;
    let style = doc.create_element("style").ok()?;
    style.set_attribute(OWN_ATTR, "").ok()?;
    style.set_text_content(Some(css));
    head.append_child(&style).ok()?;
    Some(style)
}
