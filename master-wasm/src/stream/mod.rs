//! Streams one document to the agent, pushing each part into the [`PageSink`] it was given as
//! soon as it is ready: a snapshot (in slices, see [`slices`]), then at most once per animation
//! frame the pointer and in-motion scroll positions (ephemeral) and a batch of changes, which a
//! mutation storm coalesces ([`frame`]). Nothing above the stream asks for parts.
//!
//! Its state is owned parts, each in its file: the snapshot walk and its parts ([`slices`]),
//! the frame clock and storm hold ([`frame`]), what moved ([`motion`]), the observer and the
//! captured frame documents and shadow roots it listens to ([`roots`]), canvases sent
//! ([`canvases`]). The hooks and listeners that feed it live in [`hooks`] and [`listeners`];
//! dropping the stream stops them all.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, MutationObserver, MutationRecord};

use crate::browser::Timeout;
use crate::capture::{BatchBuilder, HoverMarks, Mirror, SheetsSent, ACTIVE_ATTR, HOVER_ATTR};
use crate::privacy::Policy;

mod canvases;
mod frame;
mod hooks;
mod listeners;
mod motion;
mod roots;
mod sink;
mod slices;
mod targets;

pub use sink::PageSink;
pub use targets::Target;

/// A scroll position counts as settled (and goes out reliably) this long after the last event.
const SCROLL_SETTLE_MS: i32 = 150;
/// How long the agent's click shows as `:active` on the customer's page.
const AGENT_PRESS_MS: i32 = 150;

/// The stream's state, shared with its hooks and timers (which hold it weakly).
struct Inner {
    doc: Document,
    /// What is masked, blocked and read-only; each snapshot's mirror captures under it.
    policy: Rc<Policy>,
    epoch: u32,
    mirror: Mirror,
    /// What changed since the last batch.
    builder: BatchBuilder,
    /// Sheet contents the agent has, by hash.
    sheets: SheetsSent,
    slices: slices::Slices,
    hover_sheet: slices::HoverSheet,
    clock: frame::Clock,
    motion: motion::Motion,
    roots: roots::Roots,
    canvases: canvases::CanvasesSent,
    sink: Rc<dyn PageSink>,
}

#[must_use = "capture stops when this is dropped"]
pub struct PageStream {
    inner: Rc<RefCell<Inner>>,
    _on_mutations: Closure<dyn FnMut(js_sys::Array, MutationObserver)>,
    _hooks: hooks::Hooks,
    agent_hover: RefCell<HoverMarks>,
    /// The agent's click, shown as `:active` for a moment.
    agent_press: Rc<RefCell<(HoverMarks, Option<Timeout>)>>,
}

impl PageStream {
    /// Starts observing `doc` and takes the snapshot of `epoch`, everything captured under
    /// `policy`; the snapshot's first parts (all of it, for most pages) are in `sink` when this
    /// returns, the rest follow as they are walked, then the changes.
    pub fn start(
        doc: Document,
        epoch: u32,
        policy: Rc<Policy>,
        sink: Rc<dyn PageSink>,
    ) -> Result<Self, JsValue> {
        Self::start_sliced(doc, epoch, policy, sink, slices::SLICE_MS)
    }

    /// [`PageStream::start`] with `slice_ms` of walking per slice of a snapshot (0: a slice
    /// per few hundred nodes, which tests use to cut small pages into many parts).
    pub fn start_sliced(
        doc: Document,
        epoch: u32,
        policy: Rc<Policy>,
        sink: Rc<dyn PageSink>,
        slice_ms: f64,
    ) -> Result<Self, JsValue> {
        let mut on_mutations = None;
        let mut observer = Err(JsValue::UNDEFINED);
        let inner = Rc::new_cyclic(|weak: &std::rc::Weak<RefCell<Inner>>| {
            let records = weak.clone();
            let closure = Closure::<dyn FnMut(js_sys::Array, MutationObserver)>::new(
                move |list: js_sys::Array, _| {
                    let Some(inner) = records.upgrade() else {
                        return;
                    };
                    let mut inner = inner.borrow_mut();
                    for record in list.iter() {
                        inner
                            .builder
                            .record(record.unchecked_ref::<MutationRecord>());
                    }
                    inner.clock.schedule();
                },
            );
            observer = MutationObserver::new(closure.as_ref().unchecked_ref());
            on_mutations = Some(closure);
            RefCell::new(Inner {
                doc: doc.clone(),
                mirror: Mirror::new(doc.as_ref(), policy.clone()),
                policy,
                epoch,
                builder: BatchBuilder::default(),
                sheets: SheetsSent::load(),
                slices: slices::Slices::new(slice_ms),
                hover_sheet: slices::HoverSheet::default(),
                clock: frame::Clock::new(weak.clone()),
                motion: motion::Motion::default(),
                roots: roots::Roots::new(observer.clone().ok()),
                canvases: canvases::CanvasesSent::default(),
                sink,
            })
        });
        let observer = observer?;
        observer.observe_with_options(doc.as_ref(), &roots::observe_options())?;
        let hooks = hooks::Hooks::install(&inner, &doc);
        let stream = Self {
            inner,
            _on_mutations: on_mutations.ok_or(JsValue::UNDEFINED)?,
            _hooks: hooks,
            agent_hover: RefCell::new(HoverMarks::new(HOVER_ATTR)),
            agent_press: Rc::new(RefCell::new((HoverMarks::new(ACTIVE_ATTR), None))),
        };
        // The observer runs before the walk starts, so nothing changed during it is missed.
        slices::begin(&stream.inner, epoch);
        Ok(stream)
    }

    /// Runs a frame now rather than at the next animation frame: what is ready (motion, snapshot
    /// parts, the batch of changes) goes to the sink. Tests and benchmarks use it to see a
    /// change's batch at once; a storm's hold still applies.
    pub fn flush_now(&self) {
        frame::run(&self.inner);
    }

    /// Captures under new rules from now on (the page moved to a URL with other rules): a
    /// fresh snapshot, whose first parts go to the sink before this returns.
    pub fn set_policy(&self, policy: Rc<Policy>) {
        self.inner.borrow_mut().policy = policy;
        self.resnapshot();
    }

    /// Starts a new epoch from a fresh snapshot (the agent asked for a resync, or lost
    /// frames); its first parts go to the sink before this returns, as with
    /// [`PageStream::start`].
    pub fn resnapshot(&self) {
        let epoch = {
            let mut inner = self.inner.borrow_mut();
            // Pending records describe the old epoch; the snapshot supersedes them.
            inner.roots.drop_records();
            // A fresh snapshot carries every sheet it uses: the agent may have lost some.
            inner.sheets.forget_all();
            inner.epoch + 1
        };
        slices::begin(&self.inner, epoch);
    }

    /// Sets how long a storm holds batches (benchmarks measure memory with none).
    pub fn set_storm_hold(&self, ms: f64) {
        self.inner.borrow_mut().clock.set_hold(ms);
    }
}

impl Drop for PageStream {
    fn drop(&mut self) {
        // Never borrowed here: the stream pushes to its sink with no borrow held.
        let Ok(mut inner) = self.inner.try_borrow_mut() else {
            return;
        };
        inner.roots.disconnect();
        inner.hover_sheet.remove();
    }
}
