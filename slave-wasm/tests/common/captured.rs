//! What left the customer's page in a privacy test: every payload as postcard bytes, and the
//! view rebuilt from them as the console does, to search both for markers.

use shared_protocol::page::CustomerPageMsg;
use shared_protocol::payload::{decode_payload, encode_payload, payload_plain};
use slave_wasm::rebuild::Rebuilder;
use slave_wasm::view_sheets::ViewSheets;
use web_sys::Document;

use super::common::new_document;
use super::streamed::Streamed;

/// Everything that left the page, as postcard bytes, and the view rebuilt from it.
pub struct Captured {
    pub bytes: Vec<Vec<u8>>,
    pub view: Document,
    pub rebuilder: Rebuilder,
}

impl Captured {
    pub fn new() -> Self {
        let view = new_document();
        Self {
            bytes: Vec::new(),
            rebuilder: Rebuilder::new(view.clone(), ViewSheets::default()),
            view,
        }
    }

    pub fn take(&mut self, msg: CustomerPageMsg) {
        let payload = encode_payload(&msg);
        self.bytes
            .push(payload_plain(&payload).unwrap().into_owned());
        match decode_payload(&payload).unwrap() {
            CustomerPageMsg::SnapshotNodes(part) => self.rebuilder.add_snapshot_nodes(part),
            CustomerPageMsg::Snapshot(snap) => self.rebuilder.apply_snapshot(&snap),
            CustomerPageMsg::Mutations(batch) => self.rebuilder.apply_batch(&batch),
            _ => Ok(()),
        }
        .unwrap();
    }

    pub fn batch(&mut self, stream: &Streamed) {
        for batch in stream.take_batches() {
            self.take(CustomerPageMsg::Mutations(batch));
        }
    }

    pub fn view_html(&self) -> String {
        self.view.document_element().unwrap().outer_html()
    }

    /// Whether `marker` appears in anything sent or in the view.
    pub fn shows(&self, marker: &str) -> bool {
        let needle = marker.as_bytes();
        self.bytes
            .iter()
            .any(|b| b.windows(needle.len()).any(|w| w == needle))
            || self.view_html().contains(marker)
    }

    pub fn assert_hidden(&self, markers: &[&str]) {
        let leaked: Vec<_> = markers.iter().filter(|m| self.shows(m)).collect();
        assert!(
            leaked.is_empty(),
            "leaked {leaked:?}; view: {}",
            self.view_html()
        );
    }
}
