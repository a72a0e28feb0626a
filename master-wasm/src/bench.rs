//! Entry points for `make bench` (built only with the `bench` feature, never shipped): the
//! capture pipeline exactly as a session runs it (snapshot or batch, then the payload encoding
//! that goes into a sealed frame), without a relay, so the page can time it against rrweb.

use std::cell::RefCell;
use std::rc::Rc;

use shared_protocol::page::CustomerPageMsg;
use shared_protocol::payload::encode_payload;
use wasm_bindgen::prelude::*;

use crate::browser::document;
use crate::capture::SheetsSent;
use crate::stream::PageStream;

/// One full snapshot of the current document, encoded as a session would seal it.
#[wasm_bindgen(js_name = benchSnapshot)]
pub fn bench_snapshot() -> Result<Vec<u8>, JsValue> {
    // A fresh agent: every sheet body goes with the snapshot, as on a first page.
    SheetsSent::clear_stored();
    let (stream, snapshot) = PageStream::start(document(), 1, Rc::new(|| {}))?;
    drop(stream);
    Ok(encode_payload(&CustomerPageMsg::Snapshot(snapshot)))
}

/// Where a snapshot's time goes: `[walk, postcard, deflate]` in ms, and the postcard size.
#[wasm_bindgen(js_name = benchSnapshotParts)]
pub fn bench_snapshot_parts(level: u8) -> Result<Vec<f64>, JsValue> {
    SheetsSent::clear_stored();
    let now = || js_sys::Date::now();
    let perf = web_sys::window().and_then(|w| w.performance());
    let t = || perf.as_ref().map_or_else(now, |p| p.now());
    let t0 = t();
    let (stream, snapshot) = PageStream::start(document(), 1, Rc::new(|| {}))?;
    drop(stream);
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

/// A recording stream: snapshot on creation, then a batch per animation frame (as in a
/// session) or on [`BenchRecorder::flush`]; every payload's size is counted.
#[wasm_bindgen]
pub struct BenchRecorder {
    shared: Rc<RefCell<Shared>>,
}

struct Shared {
    stream: Option<PageStream>,
    snapshot: Vec<u8>,
    batch_bytes: f64,
    batches: u32,
}

impl Shared {
    fn take_encoded(&mut self) -> Option<Vec<u8>> {
        let batch = self.stream.as_ref()?.take_batch()?;
        let bytes = encode_payload(&CustomerPageMsg::Mutations(batch));
        self.batch_bytes += bytes.len() as f64;
        self.batches += 1;
        Some(bytes)
    }
}

#[wasm_bindgen]
impl BenchRecorder {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<BenchRecorder, JsValue> {
        SheetsSent::clear_stored();
        let shared = Rc::new(RefCell::new(Shared {
            stream: None,
            snapshot: Vec::new(),
            batch_bytes: 0.0,
            batches: 0,
        }));
        let weak = Rc::downgrade(&shared);
        let flush = Rc::new(move || {
            if let Some(shared) = weak.upgrade() {
                if let Ok(mut s) = shared.try_borrow_mut() {
                    s.take_encoded();
                }
            }
        });
        let (stream, snapshot) = PageStream::start(document(), 1, flush)?;
        {
            let mut s = shared.borrow_mut();
            s.snapshot = encode_payload(&CustomerPageMsg::Snapshot(snapshot));
            s.stream = Some(stream);
        }
        Ok(Self { shared })
    }

    /// Builds and encodes the pending batch now; its payload, or `undefined` when nothing changed.
    pub fn flush(&self) -> Option<Vec<u8>> {
        self.shared.borrow_mut().take_encoded()
    }

    /// The first snapshot's payload, handed over (the recorder keeps no copy).
    #[wasm_bindgen(js_name = takeSnapshot)]
    pub fn take_snapshot(&self) -> Vec<u8> {
        std::mem::take(&mut self.shared.borrow_mut().snapshot)
    }

    #[wasm_bindgen(getter, js_name = batchBytes)]
    pub fn batch_bytes(&self) -> f64 {
        self.shared.borrow().batch_bytes
    }

    #[wasm_bindgen(getter)]
    pub fn batches(&self) -> u32 {
        self.shared.borrow().batches
    }

    /// Stops observing (the stream's observers and listeners are dropped).
    pub fn stop(&self) {
        self.shared.borrow_mut().stream = None;
    }
}
