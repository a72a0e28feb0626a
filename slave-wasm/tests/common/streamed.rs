//! A customer's page stream under test, with a sink that keeps what it pushed: the reliable
//! parts in order (snapshot slices, the snapshot, batches) and the last hidden-field count. A
//! test runs a frame when it wants the batch of what it changed ([`Streamed::take_batches`]).

#![allow(dead_code)] // each test binary uses its part of it
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use master_wasm::privacy::Policy;
use master_wasm::stream::{PageSink, PageStream};
use shared_protocol::page::{CustomerPageMsg, MutationBatch};
use web_sys::Document;

/// What the stream pushed and nobody took yet.
#[derive(Default)]
struct Kept {
    reliable: RefCell<Vec<CustomerPageMsg>>,
    hidden: Cell<u32>,
    /// Called after each snapshot slice is pushed (tests change the page there).
    after_slice: Option<Box<dyn Fn()>>,
}

impl PageSink for Kept {
    fn reliable(&self, msg: CustomerPageMsg) {
        let slice = matches!(msg, CustomerPageMsg::SnapshotNodes(_));
        self.reliable.borrow_mut().push(msg);
        if let (true, Some(f)) = (slice, &self.after_slice) {
            f();
        }
    }

    fn ephemeral(&self, _: CustomerPageMsg) {}

    fn hidden(&self, count: u32, _: &str) {
        self.hidden.set(count);
    }
}

pub struct Streamed {
    pub stream: PageStream,
    kept: Rc<Kept>,
}

impl Streamed {
    /// Starts a stream of `doc`; returns it with the parts pushed while it started.
    pub fn start(doc: Document, epoch: u32, policy: Rc<Policy>) -> (Self, Vec<CustomerPageMsg>) {
        Self::start_with(doc, epoch, policy, Kept::default(), None)
    }

    /// [`Streamed::start`] with a slice per few hundred nodes, `after_slice` called after each.
    pub fn start_sliced(
        doc: Document,
        epoch: u32,
        policy: Rc<Policy>,
        after_slice: impl Fn() + 'static,
    ) -> (Self, Vec<CustomerPageMsg>) {
        let kept = Kept {
            after_slice: Some(Box::new(after_slice)),
            ..Kept::default()
        };
        Self::start_with(doc, epoch, policy, kept, Some(0.0))
    }

    fn start_with(
        doc: Document,
        epoch: u32,
        policy: Rc<Policy>,
        kept: Kept,
        slice_ms: Option<f64>,
    ) -> (Self, Vec<CustomerPageMsg>) {
        let kept = Rc::new(kept);
        let stream = match slice_ms {
            Some(ms) => PageStream::start_sliced(doc, epoch, policy, kept.clone(), ms),
            None => PageStream::start(doc, epoch, policy, kept.clone()),
        }
        .unwrap();
        let this = Self { stream, kept };
        let parts = this.take_pushed();
        (this, parts)
    }

    /// Everything pushed since the last call, in order.
    pub fn take_pushed(&self) -> Vec<CustomerPageMsg> {
        std::mem::take(&mut *self.kept.reliable.borrow_mut())
    }

    /// Runs a frame now; the batches pushed since the last call (the frames the stream ran by
    /// itself too).
    pub fn take_batches(&self) -> Vec<MutationBatch> {
        self.stream.flush_now();
        self.take_pushed()
            .into_iter()
            .map(|msg| match msg {
                CustomerPageMsg::Mutations(batch) => batch,
                other => panic!("a batch was expected, not {other:?}"),
            })
            .collect()
    }

    /// [`Streamed::take_batches`] where at most one can have come (no frame ran meanwhile).
    pub fn take_batch(&self) -> Option<MutationBatch> {
        let mut batches = self.take_batches();
        assert!(batches.len() <= 1, "{} batches", batches.len());
        batches.pop()
    }

    /// A fresh snapshot: its first parts.
    pub fn resnapshot(&self) -> Vec<CustomerPageMsg> {
        self.stream.resnapshot();
        self.take_pushed()
    }

    /// How many fields the customer sees as hidden, as the last frame (run now) said.
    pub fn hidden_count(&self) -> u32 {
        self.stream.flush_now();
        self.kept.hidden.get()
    }
}
