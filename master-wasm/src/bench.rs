//! Entry points for `make bench` (built only with the `bench` feature, never shipped): the
//! capture pipeline exactly as a session runs it (snapshot or batch, then the payload encoding
//! that goes into a sealed frame), without a relay, so the page can time it against rrweb.

use std::cell::RefCell;
use std::rc::Rc;

use shared_protocol::page::CustomerPageMsg;
use shared_protocol::payload::encode_payload;
use wasm_bindgen::prelude::*;

use crate::browser::document;
use crate::capture::{take_snapshot, Mirror, SheetsSent};
use crate::stream::PageStream;

/// A full snapshot of the current document as a session takes it: walked in slices, each part
/// encoded as a session would seal it when it is ready. `on_done` is called once the last part
/// is encoded (at once for a page small enough for one slice).
#[wasm_bindgen]
pub struct BenchSnapshot {
    shared: Rc<RefCell<Encoded>>,
}

/// A stream's encoded output: the snapshot's parts, then batch sizes.
struct Encoded {
    stream: Option<PageStream>,
    parts: Vec<Vec<u8>>,
    complete: bool,
    on_complete: Option<js_sys::Function>,
    batch_bytes: f64,
    batches: u32,
}

impl Encoded {
    fn new(on_complete: Option<js_sys::Function>) -> Rc<RefCell<Self>> {
        Rc::new(RefCell::new(Self {
            stream: None,
            parts: Vec::new(),
            complete: false,
            on_complete,
            batch_bytes: 0.0,
            batches: 0,
        }))
    }

    /// Starts a stream whose flushes encode what it has ready, as a session's do.
    fn start(shared: &Rc<RefCell<Self>>) -> Result<(), JsValue> {
        SheetsSent::clear_stored();
        let weak = Rc::downgrade(shared);
        let flush = Rc::new(move || {
            if let Some(shared) = weak.upgrade() {
                Self::flushed(&shared);
            }
        });
        let (stream, parts) = PageStream::start(
            document(),
            1,
            Rc::new(crate::privacy::Policy::default()),
            flush,
        )?;
        shared.borrow_mut().stream = Some(stream);
        Self::took(shared, parts);
        Ok(())
    }

    fn flushed(shared: &Rc<RefCell<Self>>) {
        let Ok(s) = shared.try_borrow() else {
            return;
        };
        let Some(stream) = s.stream.as_ref() else {
            return;
        };
        let parts = stream.take_parts();
        drop(s);
        Self::took(shared, parts);
        shared.borrow_mut().take_batch();
    }

    fn took(shared: &Rc<RefCell<Self>>, parts: Vec<CustomerPageMsg>) {
        let mut s = shared.borrow_mut();
        for part in parts {
            s.complete |= matches!(part, CustomerPageMsg::Snapshot(_));
            s.parts.push(encode_payload(&part));
        }
        let done = s.complete.then(|| s.on_complete.take()).flatten();
        drop(s);
        if let Some(f) = done {
            let _ = f.call0(&JsValue::NULL);
        }
    }

    fn take_batch(&mut self) -> Option<Vec<u8>> {
        let batch = self.stream.as_ref()?.take_batch()?;
        let bytes = encode_payload(&CustomerPageMsg::Mutations(batch));
        self.batch_bytes += bytes.len() as f64;
        self.batches += 1;
        Some(bytes)
    }

    fn take_parts(&mut self) -> js_sys::Array {
        std::mem::take(&mut self.parts)
            .into_iter()
            .map(|p| JsValue::from(js_sys::Uint8Array::from(&p[..])))
            .collect()
    }
}

#[wasm_bindgen]
impl BenchSnapshot {
    #[wasm_bindgen(constructor)]
    pub fn new(on_done: js_sys::Function) -> Result<BenchSnapshot, JsValue> {
        let shared = Encoded::new(Some(on_done));
        Encoded::start(&shared)?;
        Ok(Self { shared })
    }

    /// Bytes of all the parts.
    #[wasm_bindgen(getter)]
    pub fn bytes(&self) -> f64 {
        self.shared
            .borrow()
            .parts
            .iter()
            .map(|p| p.len() as f64)
            .sum()
    }

    /// How many parts (sealed frames) the snapshot took.
    #[wasm_bindgen(getter)]
    pub fn parts(&self) -> u32 {
        self.shared.borrow().parts.len() as u32
    }

    /// The parts' payloads, handed over in order.
    #[wasm_bindgen(js_name = takeParts)]
    pub fn take_parts(&self) -> js_sys::Array {
        self.shared.borrow_mut().take_parts()
    }

    /// Stops observing the page.
    pub fn stop(&self) {
        self.shared.borrow_mut().stream = None;
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
    shared: Rc<RefCell<Encoded>>,
}

#[wasm_bindgen]
impl BenchRecorder {
    #[wasm_bindgen(constructor)]
    pub fn new(on_ready: Option<js_sys::Function>) -> Result<BenchRecorder, JsValue> {
        let shared = Encoded::new(on_ready);
        Encoded::start(&shared)?;
        Ok(Self { shared })
    }

    /// Builds and encodes the pending batch now; its payload, or `undefined` when nothing changed.
    pub fn flush(&self) -> Option<Vec<u8>> {
        self.shared.borrow_mut().take_batch()
    }

    /// The snapshot's part payloads, handed over (the recorder keeps no copy).
    #[wasm_bindgen(js_name = takeSnapshot)]
    pub fn take_snapshot(&self) -> js_sys::Array {
        self.shared.borrow_mut().take_parts()
    }

    #[wasm_bindgen(getter, js_name = batchBytes)]
    pub fn batch_bytes(&self) -> f64 {
        self.shared.borrow().batch_bytes
    }

    #[wasm_bindgen(getter)]
    pub fn batches(&self) -> u32 {
        self.shared.borrow().batches
    }

    /// Sets the shortest time between two batches in a storm (0: none, every flush builds a
    /// batch; memory figures then see every node come and go).
    #[wasm_bindgen(js_name = setStormHold)]
    pub fn set_storm_hold(&self, ms: f64) {
        if let Some(stream) = &self.shared.borrow().stream {
            stream.set_storm_hold(ms);
        }
    }

    /// Stops observing (the stream's observers and listeners are dropped).
    pub fn stop(&self) {
        self.shared.borrow_mut().stream = None;
    }
}
