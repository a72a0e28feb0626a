//! The captured tree spans documents and shadow roots: a same-origin frame's document is captured
//! as the child of its `<iframe>`, an open shadow root as the child of its host. These helpers
//! give a node's captured parent and the root hanging under it, whichever realm it lives in
//! (a frame's nodes fail `instanceof` checks made here: only node types and names are used).

use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlIFrameElement, Node};

/// The node a captured node hangs under: a frame's document under its `<iframe>` element, a
/// shadow root under its host, anything else under its parent.
pub fn capture_parent(node: &Node) -> Option<Node> {
    match node.node_type() {
        Node::DOCUMENT_NODE => {
            let doc: &Document = node.unchecked_ref();
            doc.default_view()?
                .frame_element()
                .ok()
                .flatten()
                .map(Into::into)
        }
        Node::DOCUMENT_FRAGMENT_NODE => shadow_host(node).map(Into::into),
        _ => node.parent_node(),
    }
}

/// The host of `node` when it is a shadow root.
pub fn shadow_host(node: &Node) -> Option<Element> {
    let host = js_sys::Reflect::get(node, &"host".into()).ok()?;
    (!host.is_undefined() && !host.is_null()).then(|| host.unchecked_into())
}

/// Whether `tag` (a local name) is a frame whose document may be captured.
pub fn is_frame(tag: &str) -> bool {
    matches!(tag, "iframe" | "frame")
}

/// The document of frame element `el`, when this page may read it (same origin, not sandboxed
/// away from it).
pub fn frame_document(el: &Element) -> Option<Document> {
    el.unchecked_ref::<HtmlIFrameElement>().content_document()
}
