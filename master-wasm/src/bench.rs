//! Entry points for `make bench` (built only with the `bench` feature, never shipped): the
//! capture pipeline exactly as a session runs it (snapshot or batch, then the payload encoding
//! that goes into a sealed frame), without a relay, so the page can time it against rrweb.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use shared_protocol::page::CustomerPageMsg;
use shared_protocol::payload::encode_payload;
use wasm_bindgen::prelude::*;

use crate::browser::document;
use crate::capture::{take_snapshot, Mirror, SheetsSent};
use crate::stream::{PageSink, PageStream};

/// A full snapshot of the current document as a session takes it: walked in slices, each part
/// encoded as a session would seal it when it is ready. `on_done` is called once the last part
/// is encoded (at once for a page small enough for one slice).
#[wasm_bindgen]
pub struct BenchSnapshot {
    recording: Recording,
}

/// A stream and what it pushed, encoded.
struct Recording {
    stream: Option<PageStream>,
    encoded: Rc<Encoded>,
}

impl Recording {
    /// Starts a stream whose pushes are encoded as a session's are; `on_complete` is called
    /// once its snapshot is.
    fn start(on_complete: Option<js_sys::Function>) -> Result<Self, JsValue> {
        SheetsSent::clear_stored();
        let encoded = Rc::new(Encoded::default());
        *encoded.on_complete.borrow_mut() = on_complete;
        let stream = PageStream::start(
            document(),
            1,
            Rc::new(crate::privacy::Policy::default()),
            encoded.clone(),
        )?;
        encoded.started.set(true);
        encoded.tell_complete();
        Ok(Self {
            stream: Some(stream),
            encoded,
        })
    }
}

/// A stream's encoded output: the snapshot's parts, then batch sizes.
#[derive(Default)]
struct Encoded {
    parts: RefCell<Vec<Vec<u8>>>,
    complete: Cell<bool>,
    /// The stream is stored: `on_complete` may stop it.
    started: Cell<bool>,
    on_complete: RefCell<Option<js_sys::Function>>,
    batch_bytes: Cell<f64>,
    batches: Cell<u32>,
    /// The last batch's payload, until [`BenchRecorder::flush`] hands it over.
    last_batch: RefCell<Option<Vec<u8>>>,
}

impl Encoded {
    /// Calls `on_complete` once the snapshot is complete and the stream is stored.
    fn tell_complete(&self) {
        if !(self.complete.get() && self.started.get()) {
            return;
        }
        let done = self.on_complete.borrow_mut().take();
        if let Some(f) = done {
            let _ = f.call0(&JsValue::NULL);
        }
    }

    fn take_parts(&self) -> js_sys::Array {
        std::mem::take(&mut *self.parts.borrow_mut())
            .into_iter()
            .map(|p| JsValue::from(js_sys::Uint8Array::from(&p[..])))
            .collect()
    }
}

impl PageSink for Encoded {
    fn reliable(&self, msg: CustomerPageMsg) {
        let bytes = encode_payload(&msg);
        match msg {
            CustomerPageMsg::Mutations(_) => {
                self.batch_bytes
                    .set(self.batch_bytes.get() + bytes.len() as f64);
                self.batches.set(self.batches.get() + 1);
                *self.last_batch.borrow_mut() = Some(bytes);
            }
            part => {
                self.complete
                    .set(self.complete.get() | matches!(part, CustomerPageMsg::Snapshot(_)));
                self.parts.borrow_mut().push(bytes);
                self.tell_complete();
            }
        }
    }

    fn ephemeral(&self, _: CustomerPageMsg) {}

    fn hidden(&self, _: u32, _: &str) {}
}

#[wasm_bindgen]
impl BenchSnapshot {
    #[wasm_bindgen(constructor)]
    pub fn new(on_done: js_sys::Function) -> Result<BenchSnapshot, JsValue> {
        Ok(Self {
            recording: Recording::start(Some(on_done))?,
        })
    }

    /// Bytes of all the parts.
    #[wasm_bindgen(getter)]
    pub fn bytes(&self) -> f64 {
        let parts = self.recording.encoded.parts.borrow();
        parts.iter().map(|p| p.len() as f64).sum()
    }

    /// How many parts (sealed frames) the snapshot took.
    #[wasm_bindgen(getter)]
    pub fn parts(&self) -> u32 {
        self.recording.encoded.parts.borrow().len() as u32
    }

    /// The parts' payloads, handed over in order.
    #[wasm_bindgen(js_name = takeParts)]
    pub fn take_parts(&self) -> js_sys::Array {
        self.recording.encoded.take_parts()
    }

    /// Stops observing the page.
    pub fn stop(&mut self) {
        self.recording.stream = None;
    }
}

/// Where an unsliced snapshot's time goes: `[walk, postcard, deflate]` in ms, and the
/// postcard and deflated sizes.
#[wasm_bindgen(js_name = benchSnapshotParts)]
pub fn bench_snapshot_parts(level: u8) -> Result<Vec<f64>, JsValue> {
    SheetsSent::clear_stored();
    let now = || js_sys::Date::now();
    let perf = web_sys::window().and_then(|w| w.performance());
    let t = || perf.as_ref().map_or_else(now, |p| p.now());
    let doc = document();
    let t0 = t();
    let mut sheets = SheetsSent::default();
    let mut mirror = Mirror::new(
        doc.as_ref(),
        std::rc::Rc::new(crate::privacy::Policy::default()),
    );
    let snapshot = take_snapshot(&doc, &mut mirror, 1, &mut sheets);
    let t1 = t();
    let plain = postcard::to_allocvec(&CustomerPageMsg::Snapshot(snapshot)).unwrap_or_default();
    let t2 = t();
    let packed = miniz_oxide::deflate::compress_to_vec(&plain, level);
    let t3 = t();
    Ok(vec![
        t1 - t0,
        t2 - t1,
        t3 - t2,
        plain.len() as f64,
        packed.len() as f64,
    ])
}

/// Bytes of wasm linear memory (it only grows).
#[wasm_bindgen(js_name = benchWasmMemory)]
pub fn bench_wasm_memory() -> f64 {
    wasm_bindgen::memory()
        .unchecked_into::<js_sys::WebAssembly::Memory>()
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length() as f64
}

/// A recording stream: a snapshot on creation (`on_ready` is called once it is complete), then
/// a batch per animation frame (as in a session) or on [`BenchRecorder::flush`]; every
/// payload's size is counted.
#[wasm_bindgen]
pub struct BenchRecorder {
    recording: Recording,
}

#[wasm_bindgen]
impl BenchRecorder {
    #[wasm_bindgen(constructor)]
    pub fn new(on_ready: Option<js_sys::Function>) -> Result<BenchRecorder, JsValue> {
        Ok(Self {
            recording: Recording::start(on_ready)?,
        })
    }

    /// Builds and encodes the pending batch now; its payload, or `undefined` when nothing changed.
    pub fn flush(&self) -> Option<Vec<u8>> {
        let stream = self.recording.stream.as_ref()?;
        self.recording.encoded.last_batch.borrow_mut().take();
        stream.flush_now();
        self.recording.encoded.last_batch.borrow_mut().take()
    }

    /// The snapshot's part payloads, handed over (the recorder keeps no copy).
    #[wasm_bindgen(js_name = takeSnapshot)]
    pub fn take_snapshot(&self) -> js_sys::Array {
        self.recording.encoded.take_parts()
    }

    #[wasm_bindgen(getter, js_name = batchBytes)]
    pub fn batch_bytes(&self) -> f64 {
        self.recording.encoded.batch_bytes.get()
    }

    #[wasm_bindgen(getter)]
    pub fn batches(&self) -> u32 {
        self.recording.encoded.batches.get()
    }

    /// Sets the shortest time between two batches in a storm (0: none, every flush builds a
    /// batch; memory figures then see every node come and go).
    #[wasm_bindgen(js_name = setStormHold)]
    pub fn set_storm_hold(&self, ms: f64) {
        if let Some(stream) = &self.recording.stream {
            stream.set_storm_hold(ms);
        }
    }

    /// Stops observing (the stream's observers and listeners are dropped).
    pub fn stop(&mut self) {
        self.recording.stream = None;
    }
}
