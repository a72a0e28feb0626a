//! What the browser tests share: a fresh document of their own, apart from the runner's page.

use web_sys::Document;

/// A new HTML document whose body is `body`.
pub fn document_with(body: &str) -> Document {
    let doc = web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .implementation()
        .unwrap()
        .create_html_document_with_title("fixture")
        .unwrap();
    doc.body().unwrap().set_inner_html(body);
    doc
}
