//! State of captured elements that no MutationObserver record shows: the top layer (modal
//! dialogs, open popovers, the fullscreen element), media playback, and canvas pixels.

use shared_protocol::page::NodeId;
use shared_protocol::page_state::{Layer, LayerKind, MediaState};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlCanvasElement, HtmlMediaElement, Node};

use super::mirror::Live;
use super::prototype_hooks::{hook_get_context, restore_get_context};
use super::Mirror;

/// `el.matches(selector)`, false where the browser does not know the selector.
fn is_open_layer(el: &Element, selector: &str) -> bool {
    el.matches(selector).unwrap_or(false)
}

/// The playback state of media element `node`.
pub fn media_state(id: NodeId, node: &Node) -> MediaState {
    let media: &HtmlMediaElement = node.unchecked_ref();
    let time = media.current_time();
    MediaState {
        id,
        paused: media.paused(),
        time_ms: if time.is_finite() && time > 0.0 {
            (time * 1000.0).round() as u64
        } else {
            0
        },
        rate_milli: (media.playback_rate().clamp(0.0, 16.0) * 1000.0).round() as u32,
        muted: media.muted(),
        volume: (media.volume().clamp(0.0, 1.0) * 100.0).round() as u8,
    }
}

/// Every captured media element's state.
pub fn all_media(mirror: &Mirror) -> Vec<MediaState> {
    mirror
        .live(Live::Media)
        .iter()
        .map(|(id, node)| media_state(*id, node))
        .collect()
}

/// A canvas whose pixels may not be read (it drew another origin's images).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tainted;

/// What a canvas shows: `Ok(None)` when it has no pixels (zero size).
pub fn canvas_pixels(node: &Node) -> Result<Option<String>, Tainted> {
    let el: &Element = node.unchecked_ref();
    let width = el
        .get_attribute("width")
        .and_then(|w| w.parse::<u32>().ok());
    let height = el
        .get_attribute("height")
        .and_then(|h| h.parse::<u32>().ok());
    if width == Some(0) || height == Some(0) {
        return Ok(None);
    }
    // PNG: lossless, so charts and text on a canvas keep their exact colours (a lossy format
    // smears them). A tainted canvas throws (a SecurityError).
    node.unchecked_ref::<HtmlCanvasElement>()
        .to_data_url_with_type("image/png")
        .map(Some)
        .map_err(|_| Tainted)
}

/// Whether `el` is on the customer's screen now (its own document's viewport).
pub fn is_visible(el: &Element) -> bool {
    let Some(view) = el.owner_document().and_then(|d| d.default_view()) else {
        return false;
    };
    let num = |v: Result<JsValue, JsValue>| v.ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
    let (w, h) = (num(view.inner_width()), num(view.inner_height()));
    let r = el.get_bounding_client_rect();
    r.width() > 0.0
        && r.height() > 0.0
        && r.right() > 0.0
        && r.bottom() > 0.0
        && r.left() < w
        && r.top() < h
}

/// WebGL contexts created while this lives keep their drawing buffer, so a scene drawn once
/// can still be read later (the browser clears it once shown otherwise). Contexts made
/// before it (at page load) are read in the animation frame they draw in. Put back on drop.
#[must_use = "getContext is put back when this is dropped"]
pub struct WebGlHook {
    hooked: Option<(JsValue, JsValue)>,
}

impl WebGlHook {
    pub fn install() -> Self {
        let hooked = crate::browser::prototype_of("HTMLCanvasElement").and_then(|proto| {
            let original = hook_get_context(&proto);
            (!original.is_null()).then_some((proto, original))
        });
        Self { hooked }
    }
}

impl Drop for WebGlHook {
    fn drop(&mut self) {
        if let Some((proto, original)) = &self.hooked {
            restore_get_context(proto, original);
        }
    }
}

/// The top layer in the order its elements were opened, as far as this page can tell (the
/// browser does not list it): each update keeps the order of those still open and puts the
/// newly opened ones on top.
#[derive(Default)]
struct TopLayer {
    open: Vec<Layer>,
}

impl TopLayer {
    /// The top layer now; `Some` when it differs from the last call.
    fn update(&mut self, doc: &Document, mirror: &Mirror) -> Option<Vec<Layer>> {
        let now = current_layers(doc, mirror);
        let mut next: Vec<Layer> = self
            .open
            .iter()
            .filter(|l| now.contains(l))
            .copied()
            .collect();
        next.extend(now.into_iter().filter(|l| !self.open.contains(l)));
        if next == self.open {
            return None;
        }
        self.open = next.clone();
        Some(next)
    }

    fn restart(&mut self, doc: &Document, mirror: &Mirror) -> Vec<Layer> {
        self.open.clear();
        self.update(doc, mirror).unwrap_or_default()
    }
}

/// The top layer between batches: whether something may have opened or closed (`toggle`,
/// `close`, `fullscreenchange`, an `open` or `popover` attribute), and what was last sent.
#[derive(Default)]
pub struct LayerChanges {
    moved: bool,
    sent: TopLayer,
}

impl LayerChanges {
    pub fn moved(&mut self) {
        self.moved = true;
    }

    pub fn is_empty(&self) -> bool {
        !self.moved
    }

    /// Starts again (a new snapshot): returns the layers open now.
    pub fn restart(&mut self, doc: &Document, mirror: &Mirror) -> Vec<Layer> {
        self.sent.restart(doc, mirror)
    }

    /// The whole top layer, when it changed.
    pub(super) fn build(&mut self, doc: &Document, mirror: &Mirror) -> Option<Vec<Layer>> {
        std::mem::take(&mut self.moved)
            .then(|| self.sent.update(doc, mirror))
            .flatten()
    }
}

/// The captured elements in the document's top layer, in document order (fullscreen last).
fn current_layers(doc: &Document, mirror: &Mirror) -> Vec<Layer> {
    let mut out = Vec::new();
    if let Ok(list) = doc.query_selector_all("dialog[open], [popover]") {
        for i in 0..list.length() {
            let Some(node) = list.item(i) else { continue };
            let Some(id) = mirror.id_of(&node) else {
                continue;
            };
            let el: &Element = node.unchecked_ref();
            let kind = if el.local_name() == "dialog" && is_open_layer(el, ":modal") {
                LayerKind::Modal
            } else if is_open_layer(el, ":popover-open") {
                LayerKind::Popover
            } else {
                continue;
            };
            out.push(Layer { id, kind });
        }
    }
    if let Some(el) = doc.fullscreen_element() {
        if let Some(id) = mirror.id_of(&el) {
            out.push(Layer {
                id,
                kind: LayerKind::Fullscreen,
            });
        }
    }
    out
}
