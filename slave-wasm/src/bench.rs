//! Entry points for `make bench` (built only with the `bench` feature, never shipped): what the
//! console does with a page payload once it is opened — decode, then rebuild or apply — into
//! a given frame, so the page can time it against rrweb's Replayer.

use shared_protocol::page::CustomerPageMsg;
use shared_protocol::payload::decode_payload;
use wasm_bindgen::prelude::*;
use web_sys::HtmlIFrameElement;

use crate::rebuild::Rebuilder;
use crate::view_sheets::ViewSheets;

/// A view into one iframe, fed the customer's payloads.
#[wasm_bindgen]
pub struct BenchView {
    rebuilder: Rebuilder,
}

#[wasm_bindgen]
impl BenchView {
    #[wasm_bindgen(constructor)]
    pub fn new(frame: &HtmlIFrameElement) -> Result<BenchView, JsValue> {
        let doc = frame
            .content_document()
            .ok_or_else(|| JsValue::from_str("the frame has no document"))?;
        Ok(Self {
            rebuilder: Rebuilder::new(doc, ViewSheets::new(None, None)),
        })
    }

    /// Decodes one payload (a snapshot, a part of one, or a batch) and applies it to the frame.
    pub fn apply(&mut self, payload: &[u8]) -> Result<(), JsValue> {
        let msg = decode_payload::<CustomerPageMsg>(payload)
            .map_err(|e| JsValue::from_str(&e.to_string()))?;
        let result = match msg {
            CustomerPageMsg::SnapshotNodes(p) => self.rebuilder.add_snapshot_nodes(p),
            CustomerPageMsg::Snapshot(s) => self.rebuilder.apply_snapshot(&s),
            CustomerPageMsg::Mutations(b) => self.rebuilder.apply_batch(&b),
            _ => Ok(()),
        };
        result.map_err(|e| JsValue::from_str(&format!("{e:?}")))
    }

    /// Nodes the view tracks by id.
    #[wasm_bindgen(getter)]
    pub fn tracked(&self) -> usize {
        self.rebuilder.tracked()
    }
}
