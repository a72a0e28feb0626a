//! Streams one document to the agent: a snapshot (in slices, see [`slices`]), then a mutation
//! batch at most once per animation frame, plus the ephemeral pointer and in-motion scroll
//! positions of that frame. In a mutation storm (a table re-rendered many times a second)
//! batches are coalesced ([`flush`]). Owns the MutationObserver and the input, scroll and pointer
//! listeners (on the document and on every captured frame document and shadow root, see
//! [`roots`]), the hooks and the canvas timer; dropping it stops them all.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use shared_protocol::page::{CustomerPageMsg, NodeId, Pointer};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, MutationObserver, MutationRecord, Node};

use crate::browser::{Interval, Listener, NextFrame, Soon, Timeout};
use crate::privacy::Policy;

mod canvases;
mod flush;
mod listeners;
mod motion;
mod roots;
mod slices;
mod targets;

use crate::capture::{
    BatchBuilder, CssomHooks, HoverMarks, Mirror, SetterHooks, ShadowHooks, SheetsSent,
    SnapshotWalk, WebGlHook, ACTIVE_ATTR, HOVER_ATTR,
};
pub use motion::Motion;
pub use targets::Target;

/// Longest wait for a flush when animation frames do not come (a hidden tab).
const FLUSH_FALLBACK_MS: i32 = 100;
/// A scroll position counts as settled (and goes out reliably) this long after the last event.
const SCROLL_SETTLE_MS: i32 = 150;
/// How often the adopted sheets are compared: `adoptedStyleSheets.push()` calls no setter.
const ADOPTED_CHECK_MS: i32 = 500;
/// How long the agent's click shows as `:active` on the customer's page.
const AGENT_PRESS_MS: i32 = 150;

struct Inner {
    doc: Document,
    /// What is masked, blocked and read-only; each snapshot's mirror captures under it.
    policy: Rc<Policy>,
    mirror: Mirror,
    builder: BatchBuilder,
    /// Sheet contents the agent has, by hash.
    sheets: SheetsSent,
    epoch: u32,
    scheduled: Option<NextFrame>,
    /// Called once per scheduled flush; it takes the batch with [`PageStream::take_batch`].
    flush: Rc<dyn Fn()>,
    /// Scrolled since the last frame, and still moving.
    moving: Vec<Node>,
    /// Everything scrolled since the last settle.
    unsettled: Vec<Node>,
    settle: Option<Timeout>,
    pointer: Option<Pointer>,
    /// The snapshot being walked, while it is; batches wait until it is complete.
    walk: Option<SnapshotWalk>,
    next_slice: Option<Soon>,
    /// Snapshot parts ready to send, oldest first.
    parts: Vec<CustomerPageMsg>,
    /// Walking time per slice of a snapshot, in ms.
    slice_ms: f64,
    /// The page's hover rules twinned for the marker, so the agent's pointer opens menus.
    hover_sheet: Option<web_sys::Element>,
    /// The stream's observer, to observe frames' documents and shadow roots as they come.
    observer: Option<MutationObserver>,
    /// Listeners on each captured frame document and shadow root.
    root_listeners: Vec<(Node, Vec<Listener>)>,
    /// A hash of the frame each canvas last sent in this epoch (0: tainted).
    canvases_sent: HashMap<NodeId, u64>,
    /// In a storm, no batch goes out before this (`Date.now()` ms).
    hold_until: f64,
    /// How long a storm holds batches, in ms ([`flush::STORM_BATCH_MS`]).
    storm_hold_ms: f64,
    /// The flush at the end of a hold.
    held: Option<Timeout>,
}

impl Inner {
    fn schedule(&mut self) {
        if self.scheduled.is_none() {
            let flush = self.flush.clone();
            self.scheduled = Some(NextFrame::new(FLUSH_FALLBACK_MS, move || flush()));
        }
    }
}

#[must_use = "capture stops when this is dropped"]
pub struct PageStream {
    inner: Rc<RefCell<Inner>>,
    observer: MutationObserver,
    _on_mutations: Closure<dyn FnMut(js_sys::Array, MutationObserver)>,
    _listeners: Vec<Listener>,
    _setters: SetterHooks,
    _cssom: CssomHooks,
    _adopted_check: Interval,
    _shadows: ShadowHooks,
    _canvases: Interval,
    _webgl: WebGlHook,
    agent_hover: RefCell<HoverMarks>,
    /// The agent's click, shown as `:active` for a moment.
    agent_press: Rc<RefCell<(HoverMarks, Option<Timeout>)>>,
}

impl PageStream {
    /// Starts observing `doc` and takes the snapshot of `epoch`; returns the stream and the
    /// snapshot's first parts (all of it, for most pages). `flush` is called when more parts
    /// or a batch are ready: take them with [`PageStream::take_parts`], then
    /// [`PageStream::take_batch`].
    /// Everything is captured under `policy`.
    pub fn start(
        doc: Document,
        epoch: u32,
        policy: Rc<Policy>,
        flush: Rc<dyn Fn()>,
    ) -> Result<(Self, Vec<CustomerPageMsg>), JsValue> {
        Self::start_sliced(doc, epoch, policy, flush, slices::SLICE_MS)
    }

    /// [`PageStream::start`] with `slice_ms` of walking per slice of a snapshot (0: a slice
    /// per few hundred nodes, which tests use to cut small pages into many parts).
    pub fn start_sliced(
        doc: Document,
        epoch: u32,
        policy: Rc<Policy>,
        flush: Rc<dyn Fn()>,
        slice_ms: f64,
    ) -> Result<(Self, Vec<CustomerPageMsg>), JsValue> {
        let inner = Rc::new(RefCell::new(Inner {
            doc: doc.clone(),
            mirror: Mirror::new(doc.as_ref(), policy.clone()),
            policy,
            builder: BatchBuilder::default(),
            sheets: SheetsSent::load(),
            epoch,
            scheduled: None,
            flush,
            moving: Vec::new(),
            unsettled: Vec::new(),
            settle: None,
            pointer: None,
            walk: None,
            next_slice: None,
            parts: Vec::new(),
            slice_ms,
            hover_sheet: None,
            observer: None,
            root_listeners: Vec::new(),
            canvases_sent: HashMap::new(),
            hold_until: 0.0,
            storm_hold_ms: flush::STORM_BATCH_MS,
            held: None,
        }));

        let weak = Rc::downgrade(&inner);
        let on_mutations = Closure::<dyn FnMut(js_sys::Array, MutationObserver)>::new(
            move |records: js_sys::Array, _| {
                let Some(inner) = weak.upgrade() else { return };
                let mut inner = inner.borrow_mut();
                for record in records.iter() {
                    inner
                        .builder
                        .record(record.unchecked_ref::<MutationRecord>());
                }
                inner.schedule();
            },
        );
        let observer = MutationObserver::new(on_mutations.as_ref().unchecked_ref())?;
        observer.observe_with_options(doc.as_ref(), &roots::observe_options())?;
        inner.borrow_mut().observer = Some(observer.clone());

        let listeners = listeners::install(&inner, doc.as_ref(), listeners::Root::Page);
        let weak = Rc::downgrade(&inner);
        let cssom = CssomHooks::install(move |owner| {
            let Some(inner) = weak.upgrade() else { return };
            let Ok(mut inner) = inner.try_borrow_mut() else {
                return;
            };
            match owner {
                Some(node) => inner.builder.sheets().owner_changed(node),
                None => inner.builder.sheets().constructed_changed(),
            }
            inner.schedule();
        });
        let weak = Rc::downgrade(&inner);
        let adopted_check = Interval::new(ADOPTED_CHECK_MS, move || {
            let Some(inner) = weak.upgrade() else { return };
            let Ok(mut inner) = inner.try_borrow_mut() else {
                return;
            };
            let Inner {
                builder, mirror, ..
            } = &mut *inner;
            if builder.sheets().check_adopted(mirror) {
                inner.schedule();
            }
        });
        let weak = Rc::downgrade(&inner);
        let shadows = ShadowHooks::install(move |host| {
            let Some(inner) = weak.upgrade() else { return };
            let Ok(mut inner) = inner.try_borrow_mut() else {
                return;
            };
            inner.builder.dom().shadow_attached(host);
            inner.schedule();
        });
        let canvas_timer = canvases::start(&inner);
        let weak = Rc::downgrade(&inner);
        let setters = SetterHooks::install(move |node| {
            let Some(inner) = weak.upgrade() else { return };
            // A page script setting a value while we flush (we never do) must not panic.
            let Ok(mut inner) = inner.try_borrow_mut() else {
                return;
            };
            inner.builder.form().changed(node);
            inner.schedule();
        });
        // The observer runs before the walk starts, so nothing changed during it is missed.
        slices::begin(&inner, epoch);
        let stream = Self {
            inner,
            observer,
            _on_mutations: on_mutations,
            _listeners: listeners,
            _setters: setters,
            _cssom: cssom,
            _adopted_check: adopted_check,
            _shadows: shadows,
            _canvases: canvas_timer,
            _webgl: WebGlHook::install(),
            agent_hover: RefCell::new(HoverMarks::new(HOVER_ATTR)),
            agent_press: Rc::new(RefCell::new((HoverMarks::new(ACTIVE_ATTR), None))),
        };
        let parts = stream.take_parts();
        Ok((stream, parts))
    }

    /// Snapshot parts ready to send, oldest first; they go before any batch.
    pub fn take_parts(&self) -> Vec<CustomerPageMsg> {
        std::mem::take(&mut self.inner.borrow_mut().parts)
    }

    /// How many fields (and blocked elements) on the page are hidden from the agent.
    pub fn hidden_count(&self) -> u32 {
        self.inner.borrow().mirror.outlines().count()
    }

    /// Captures under new rules from now on (the page moved to a URL with other rules): a
    /// fresh snapshot, whose first parts are returned.
    pub fn set_policy(&self, policy: Rc<Policy>) -> Vec<CustomerPageMsg> {
        self.inner.borrow_mut().policy = policy;
        self.resnapshot()
    }

    /// Starts a new epoch from a fresh snapshot (the agent asked for a resync, or lost
    /// frames); returns its first parts, as [`PageStream::start`] does.
    pub fn resnapshot(&self) -> Vec<CustomerPageMsg> {
        // Pending records describe the old epoch; the snapshot supersedes them.
        self.observer.take_records();
        let epoch = {
            let mut inner = self.inner.borrow_mut();
            // A fresh snapshot carries every sheet it uses: the agent may have lost some.
            inner.sheets.forget_all();
            inner.epoch + 1
        };
        slices::begin(&self.inner, epoch);
        self.take_parts()
    }
}

impl Drop for PageStream {
    fn drop(&mut self) {
        self.observer.disconnect();
        if let Some(sheet) = &self.inner.borrow().hover_sheet {
            sheet.remove();
        }
    }
}
