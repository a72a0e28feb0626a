//! A stream's frame: at most once per animation frame after something changed, it pushes the
//! pointer and the scroll positions in motion (ephemeral), the snapshot parts walked since, and
//! the batch of changes built against the DOM as it is now, once a snapshot is complete. In a
//! mutation storm batches are coalesced: after a batch of [`STORM_NODES`] added and removed
//! nodes, the next waits [`STORM_BATCH_MS`] (what came and went in between never leaves the
//! page), while the pointer keeps its frame rate.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use shared_protocol::page::{CustomerPageMsg, MutationBatch};
use wasm_bindgen::JsCast;

use super::{roots, Inner, PageSink};
use crate::browser::{NextFrame, Timeout};
use crate::privacy::Policy;

/// A batch that adds and removes this many nodes marks a storm.
const STORM_NODES: usize = 400;
/// In a storm, the shortest time between two batches.
const STORM_BATCH_MS: f64 = 200.0;
/// Longest wait for a frame when animation frames do not come (a hidden tab).
const FRAME_FALLBACK_MS: i32 = 100;

/// When the stream's next frame runs: the next animation frame after a change, or the end of a
/// storm's hold.
pub(super) struct Clock {
    stream: Weak<RefCell<Inner>>,
    scheduled: Option<NextFrame>,
    /// In a storm, no batch goes out before this (`Date.now()` ms).
    hold_until: f64,
    /// How long a storm holds batches, in ms.
    hold_ms: f64,
    /// The frame at the end of a hold.
    held: Option<Timeout>,
}

impl Clock {
    pub(super) fn new(stream: Weak<RefCell<Inner>>) -> Self {
        Self {
            stream,
            scheduled: None,
            hold_until: 0.0,
            hold_ms: STORM_BATCH_MS,
            held: None,
        }
    }

    /// Something changed: a frame comes soon, unless one is already coming.
    pub(super) fn schedule(&mut self) {
        if self.scheduled.is_none() {
            let stream = self.stream.clone();
            self.scheduled = Some(NextFrame::new(FRAME_FALLBACK_MS, move || {
                if let Some(inner) = stream.upgrade() {
                    run(&inner);
                }
            }));
        }
    }

    /// The frame coming is not needed (it ran, or a new snapshot starts).
    pub(super) fn cancel(&mut self) {
        self.scheduled = None;
    }

    pub(super) fn set_hold(&mut self, ms: f64) {
        self.hold_ms = ms;
    }

    /// Whether a batch may go out at `now`; while a storm holds them, a frame is set for the
    /// end of the hold, and everything waits for that one batch.
    fn may_send(&mut self, now: f64) -> bool {
        if now < self.hold_until {
            if self.held.is_none() {
                let stream = self.stream.clone();
                let wait = (self.hold_until - now).ceil() as i32;
                self.held = Some(Timeout::new(wait, move || {
                    if let Some(inner) = stream.upgrade() {
                        run(&inner);
                    }
                }));
            }
            return false;
        }
        self.held = None;
        true
    }

    /// A batch of `size` added and removed nodes went out at `now`.
    fn sent(&mut self, size: usize, now: f64) {
        if size >= STORM_NODES {
            self.hold_until = now + self.hold_ms;
        }
    }
}

/// What one frame pushes, in this order.
struct Frame {
    ephemeral: Vec<CustomerPageMsg>,
    reliable: Vec<CustomerPageMsg>,
    hidden: u32,
    policy: Rc<Policy>,
    sink: Rc<dyn PageSink>,
    /// The batch captured new frame documents or shadow roots, to observe from now on.
    new_roots: bool,
}

/// Runs a frame of `stream`: builds what is ready, then pushes it with no borrow held (the
/// sink may do anything, even drop the stream).
pub(super) fn run(stream: &Rc<RefCell<Inner>>) {
    let frame = stream.borrow_mut().frame();
    if frame.new_roots {
        roots::watch(stream);
    }
    for msg in frame.ephemeral {
        frame.sink.ephemeral(msg);
    }
    for msg in frame.reliable {
        frame.sink.reliable(msg);
    }
    frame
        .sink
        .hidden(frame.hidden, &frame.policy.rules().indicator_text);
}

impl Inner {
    fn frame(&mut self) -> Frame {
        let mut ephemeral = Vec::new();
        let walking = self.slices.walking();
        let (pointer, scrolls) = self.motion.take(&self.mirror, walking);
        if let Some(pointer) = pointer {
            ephemeral.push(CustomerPageMsg::Pointer(pointer));
        }
        if !scrolls.is_empty() {
            ephemeral.push(CustomerPageMsg::Scroll(scrolls));
        }
        let mut reliable = self.slices.take_ready();
        self.clock.cancel();
        let mut new_roots = false;
        if !walking {
            if let Some(batch) = self.batch(&mut new_roots) {
                reliable.push(CustomerPageMsg::Mutations(batch));
            }
        }
        Frame {
            ephemeral,
            reliable,
            hidden: self.mirror.outlines().count(),
            policy: self.policy.clone(),
            sink: self.sink.clone(),
            new_roots,
        }
    }

    /// Everything that changed since the last batch, or `None` when nothing did (or a storm
    /// holds it). Records wait in the observer until the snapshot is complete.
    fn batch(&mut self, new_roots: &mut bool) -> Option<MutationBatch> {
        for record in self.roots.take_records() {
            self.builder.record(record.unchecked_ref());
        }
        let now = js_sys::Date::now();
        if !self.clock.may_send(now) {
            return None;
        }
        // Every frame (a pointer move is one) comes here: no root is read for this check.
        if self.builder.is_empty() && !self.mirror.has_unshown() {
            return None;
        }
        let (batch, state_css) =
            self.builder
                .build(&self.doc, &mut self.mirror, self.epoch, &mut self.sheets);
        if !batch.state.sheets.is_empty() {
            self.sheets.store();
        }
        let size = batch.removes.len() + batch.adds.iter().map(|a| a.nodes.len()).sum::<usize>();
        self.clock.sent(size, now);
        if let Some(css) = state_css {
            self.hover_sheet.update(&css);
        }
        *new_roots = true;
        (!batch.is_empty()).then_some(batch)
    }
}
