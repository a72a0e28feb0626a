//! The customer page's live state in the view: the top layer (a modal dialog shown with
//! `showModal()`, popovers with `showPopover()`, the fullscreen element drawn over the view as
//! the browser would draw it), media playback (the view loads the media itself and follows),
//! canvas frames, and the list of what cannot be shown.
//!
//! A `<canvas>` in a document without scripts (the view) is not a drawing surface: browsers
//! show its fallback content instead. So the view sizes canvases by their `width` and `height`
//! attributes ([`CANVAS_CSS`] and `canvas_size`) and shows each frame as the canvas's top background layer, over
//! its own background (colour and images).

use std::collections::HashMap;

use shared_protocol::page::NodeId;
use shared_protocol::page_state::{CanvasFrame, Layer, LayerKind, MediaState, Unshowable, Unshown};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlMediaElement, Node};

use super::Rebuilder;

/// Marks the view's stand-in for the customer's fullscreen element.
pub const FULLSCREEN_ATTR: &str = "data-cobrowse-fullscreen";

/// How the fullscreen element looks in the view: what the browser's own `:fullscreen` rules do,
/// with its black backdrop as a background any rule of the page overrides.
pub const FULLSCREEN_CSS: &str = "[data-cobrowse-fullscreen] { position: fixed !important; \
     inset: 0 !important; margin: 0 !important; box-sizing: border-box !important; \
     min-width: 0 !important; max-width: none !important; min-height: 0 !important; \
     max-height: none !important; width: 100% !important; height: 100% !important; \
     transform: none !important; object-fit: contain; z-index: 2147483647 !important; }\n\
     :where([data-cobrowse-fullscreen]) { background-color: #000; }";

/// Canvases in the view: sized as the browser sizes a live one (the default size here, each
/// attribute value's in `canvas_size`), fallback content hidden; any rule of the page overrides
/// these (`:where` weighs nothing).
pub const CANVAS_CSS: &str = ":where(canvas) { display: inline-block; \
     width: 300px; height: 150px; }\n\
     :where(canvas) > * { display: none; }";

/// Media in the view: a document without scripts shows every video's native controls (the
/// browser's answer to "no script could control it"); those the page did not ask for are hidden.
pub const MEDIA_CSS: &str =
    "video:not([controls])::-webkit-media-controls { display: none !important; }";

/// Marks a canvas the view cannot show; its value is the label.
pub const UNSHOWN_ATTR: &str = "data-cobrowse-unshown";

/// How such a canvas looks: hatched, as blocked elements are, with its label.
pub const UNSHOWN_CSS: &str = concat!(
    "canvas[data-cobrowse-unshown] { background: ",
    super::hatch!(),
    " !important; overflow: hidden; font: 11px/1.3 system-ui, sans-serif; color: #374151; }\n",
    "canvas[data-cobrowse-unshown]::after { content: attr(data-cobrowse-unshown); ",
    "display: block; padding: 4px; }"
);

/// Media further off than this from the customer's position is moved (seconds): closer, the
/// two are playing in step and a seek would only stutter.
const MEDIA_DRIFT_SECS: f64 = 0.5;

/// Plays; where the browser refuses sound without a click, plays muted.
fn play_or_mute(node: &Node) {
    let media: HtmlMediaElement = node.clone().unchecked_into();
    let Ok(promise) = media.play() else { return };
    wasm_bindgen_futures::spawn_local(async move {
        if wasm_bindgen_futures::JsFuture::from(promise).await.is_err() {
            media.set_muted(true);
            let _ = media.play();
        }
    });
}

/// The background longhands a canvas's frame is layered into: ours first (on top), then the
/// canvas's own layers.
const LAYERED: [(&str, &str); 5] = [
    ("background-image", ""),
    ("background-origin", "content-box"),
    ("background-position", "0px 0px"),
    ("background-size", "100% 100%"),
    ("background-repeat", "no-repeat"),
];

/// A canvas's own background layers as its rules and `style` give them (read before the first
/// frame, and again when the page rewrites its `style`): the frame goes over them, as a live
/// canvas's bitmap over its box. `None`: no background image of its own.
fn own_layers(node: &Node) -> Option<Vec<String>> {
    let el: &Element = node.unchecked_ref();
    let style = el
        .owner_document()?
        .default_view()?
        .get_computed_style(el)
        .ok()??;
    let value = |name: &str| style.get_property_value(name).unwrap_or_default();
    (value("background-image") != "none").then(|| LAYERED.iter().map(|(n, _)| value(n)).collect())
}

/// Shows image `url` as canvas `node`'s frame: the top background layer, stretched over its
/// content box as the bitmap is, over the canvas's `own` layers; its background colour stays.
fn draw_image(node: &Node, url: &str, own: Option<&[String]>) {
    // An image URL only (checked by the caller), quoted: it cannot end the declaration.
    let image = format!("url(\"{}\")", url.replace('"', "%22"));
    let style = node.unchecked_ref::<HtmlElement>().style();
    for (i, (name, ours)) in LAYERED.iter().enumerate() {
        let ours = if i == 0 { image.as_str() } else { ours };
        let value = match own {
            Some(own) => format!("{ours}, {}", own[i]),
            None => ours.to_string(),
        };
        let _ = style.set_property_with_priority(name, &value, "important");
    }
}

/// What a canvas shows in the view: its last frame, over its own background layers.
struct CanvasShown {
    image: String,
    own: Option<Vec<String>>,
}

/// `el[name]()`, false when it threw (a dialog already open, a popover already shown).
fn call_method(el: &Node, name: &str) -> bool {
    js_sys::Reflect::get(el, &name.into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .is_some_and(|f| f.call0(el).is_ok())
}

/// The view's live state beyond its nodes.
#[derive(Default)]
pub(super) struct LiveState {
    /// The top layer as shown.
    layers: Vec<Layer>,
    /// What cannot be shown, by element.
    unshown: Vec<Unshown>,
    /// Each canvas's last frame (put back when the page rewrites its `style`).
    canvases: HashMap<NodeId, CanvasShown>,
}

impl Rebuilder {
    /// Shows `layers` as the top layer: elements no longer in it leave it, new ones enter it
    /// in order (the last on top).
    pub(super) fn apply_layers(&mut self, layers: &[Layer]) {
        let old = std::mem::take(&mut self.live.layers);
        for layer in old.iter().filter(|l| !layers.contains(l)) {
            if let Some(node) = self.nodes.get(&layer.id) {
                leave_top_layer(node, layer.kind);
            }
        }
        for layer in layers.iter().filter(|l| !old.contains(l)) {
            if let Some(node) = self.nodes.get(&layer.id) {
                enter_top_layer(node, layer.kind);
            }
        }
        self.live.layers = layers.to_vec();
    }

    /// A new snapshot: nothing is in the top layer of the new document yet.
    pub(super) fn reset_live(&mut self) {
        self.live = LiveState::default();
    }

    pub(super) fn apply_media(&self, states: &[MediaState]) {
        for state in states {
            let Some(node) = self.nodes.get(&state.id) else {
                continue;
            };
            let name = node.node_name().to_ascii_lowercase();
            if name != "video" && name != "audio" {
                continue;
            }
            let media: &HtmlMediaElement = node.unchecked_ref();
            media.set_muted(state.muted);
            media.set_volume(f64::from(state.volume.min(100)) / 100.0);
            let rate = state.rate();
            if rate > 0.0 && rate <= 16.0 {
                media.set_playback_rate(rate);
            }
            if (media.current_time() - state.time_secs()).abs() > MEDIA_DRIFT_SECS {
                media.set_current_time(state.time_secs());
            }
            match (state.paused, media.paused()) {
                (true, false) => {
                    let _ = media.pause();
                }
                (false, true) => play_or_mute(node),
                _ => {}
            }
        }
    }

    pub(super) fn apply_canvases(&mut self, frames: &[CanvasFrame]) {
        for frame in frames.iter().filter(|f| f.is_image()) {
            if let Some(node) = self
                .nodes
                .get(&frame.id)
                .filter(|n| n.node_name().eq_ignore_ascii_case("canvas"))
            {
                // Its own layers are read before the first frame covers them.
                let own = match self.live.canvases.remove(&frame.id) {
                    Some(shown) => shown.own,
                    None => own_layers(node),
                };
                draw_image(node, &frame.image, own.as_deref());
                let image = frame.image.clone();
                self.live
                    .canvases
                    .insert(frame.id, CanvasShown { image, own });
            }
        }
        let nodes = &self.nodes;
        self.live.canvases.retain(|id, _| nodes.contains_key(id));
    }

    /// The page rewrote canvas `id`'s `style`: its own layers are read again (the frame's are
    /// gone with the old `style`), and its frame goes back on.
    pub(super) fn restyled(&mut self, id: NodeId) {
        if let (Some(node), Some(shown)) = (self.nodes.get(&id), self.live.canvases.get_mut(&id)) {
            shown.own = own_layers(node);
            draw_image(node, &shown.image, shown.own.as_deref());
        }
    }

    /// Adds what the customer found the view cannot show; entries of elements gone are dropped.
    pub(super) fn note_unshown(&mut self, found: &[Unshown]) {
        let nodes = &self.nodes;
        self.live.unshown.retain(|u| nodes.contains_key(&u.id));
        for u in found {
            match u.what {
                Unshowable::TaintedCanvas => self.label_canvas(u.id, false),
                Unshowable::PrivateCanvas => self.label_canvas(u.id, true),
                _ => {}
            }
            if !self.live.unshown.contains(u) {
                self.live.unshown.push(u.clone());
            }
        }
    }

    /// A tainted or private canvas becomes a labelled placeholder: its last frame goes, the
    /// label shows.
    fn label_canvas(&mut self, id: NodeId, private: bool) {
        self.live.canvases.remove(&id);
        let label = if private {
            &self.private_canvas_label_text
        } else {
            &self.canvas_label_text
        };
        if let Some(node) = self.nodes.get(&id) {
            let el: &HtmlElement = node.unchecked_ref();
            for (name, _) in LAYERED {
                let _ = el.style().remove_property(name);
            }
            let _ = el.set_attribute(UNSHOWN_ATTR, label);
        }
    }

    /// What the view cannot show of the page now, in the order found.
    pub fn unshown(&self) -> Vec<Unshown> {
        self.live
            .unshown
            .iter()
            .filter(|u| self.nodes.contains_key(&u.id))
            .cloned()
            .collect()
    }
}

fn enter_top_layer(node: &Node, kind: LayerKind) {
    let el: &Element = node.unchecked_ref();
    match kind {
        LayerKind::Modal => {
            // `showModal()` refuses a dialog already open (as the attribute made it).
            let _ = el.remove_attribute("open");
            call_method(node, "showModal");
        }
        LayerKind::Popover => {
            call_method(node, "showPopover");
        }
        LayerKind::Fullscreen => {
            let _ = el.set_attribute(FULLSCREEN_ATTR, "");
        }
    }
}

fn leave_top_layer(node: &Node, kind: LayerKind) {
    match kind {
        LayerKind::Modal => {
            call_method(node, "close");
        }
        LayerKind::Popover => {
            call_method(node, "hidePopover");
        }
        LayerKind::Fullscreen => {
            let _ = node
                .unchecked_ref::<Element>()
                .remove_attribute(FULLSCREEN_ATTR);
        }
    }
}
