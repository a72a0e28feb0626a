//! What the browser tests of capture and rebuild share: fresh documents to capture from and
//! rebuild into.

use web_sys::Document;

/// An empty HTML document of its own (not the test page's), as a page or a view.
pub fn new_document() -> Document {
    web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .implementation()
        .unwrap()
        .create_html_document_with_title("fixture")
        .unwrap()
}
