//! The captured tree spans documents and shadow roots: a same-origin frame's document is captured
//! as the child of its `<iframe>`, an open shadow root as the child of its host. These helpers
//! give a node's captured parent and the root hanging under it, whichever realm it lives in
//! (a frame's nodes fail `instanceof` checks made here: only node types and names are used),
//! and what address a frame keeps in the view.

use shared_protocol::page_state::Unshowable;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlIFrameElement, Node};

use super::Mirror;

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

/// A frame's `src` as the agent gets it. A frame whose document is captured has none (the
/// view must not load the page itself: it would show the agent's own session there). Another
/// origin's frame keeps its absolute address, which the console loads only for the domains it
/// allows; a frame of this origin that cannot be read (sandboxed) keeps none.
/// `readable`: this page may read the frame's document (it is captured).
pub(super) fn frame_source(
    el: &Element,
    readable: bool,
    attrs: &mut Vec<(String, String)>,
    mirror: &Mirror,
) {
    let src = attrs
        .iter()
        .position(|(n, _)| n.eq_ignore_ascii_case("src"))
        .map(|i| attrs.remove(i).1);
    if readable {
        return;
    }
    let page = el
        .owner_document()
        .and_then(|d| d.url().ok())
        .unwrap_or_default();
    let resolved = src
        .as_deref()
        .and_then(|s| web_sys::Url::new_with_base(s, &page).ok());
    let page_origin = web_sys::Url::new(&page).map(|u| u.origin()).ok();
    match resolved {
        Some(url) if url.protocol().starts_with("http") && Some(url.origin()) != page_origin => {
            mirror.note_unshown(
                mirror.next_id(),
                Unshowable::CrossOriginFrame {
                    origin: url.origin(),
                },
            );
            attrs.push(("src".into(), url.href()));
        }
        _ => mirror.note_unshown(mirror.next_id(), Unshowable::SandboxedFrame),
    }
}
