//! Custom elements in the view. No script of the page runs there, so none of its custom
//! elements is ever defined, and the page's `:not(:defined)` rules (hiding components until
//! they upgrade) would apply forever. The view defines each name it meets as a plain element
//! with no behaviour of its own: it then matches `:defined`, as on the customer's page once
//! its components have loaded.

use wasm_bindgen::prelude::*;
use web_sys::Document;

#[wasm_bindgen(module = "/src/rebuild/custom_elements.js")]
extern "C" {
    fn define_plain(window: &web_sys::Window, name: &str);
}

/// Defines `tag` in `doc`'s registry when it is an autonomous custom element's name.
pub(super) fn define_in(doc: &Document, tag: &str) {
    if !tag.contains('-') || !tag.starts_with(|c: char| c.is_ascii_lowercase()) {
        return;
    }
    if let Some(window) = doc.default_view() {
        define_plain(&window, tag);
    }
}
