//! Live state of the customer's page that is not in its DOM tree: what is in the top layer
//! (modal dialogs, open popovers, the fullscreen element), how each media element plays, what
//! each canvas shows, and what the view cannot show at all, with why (the fidelity report).
//!
//! All of it, with form values, scroll positions, stylesheets and interaction states, is one
//! [`PageState`], carried by [`Snapshot`](crate::page::Snapshot)s (the state at that moment) and
//! [`MutationBatch`](crate::page::MutationBatch)es (what changed).

use serde::{Deserialize, Serialize};

use crate::page::{Adopted, FormValue, NodeId, ScrollPos, SheetBody, SheetUse};

/// What the page shows besides its tree of nodes, applied in field order after the nodes it
/// names exist. In a snapshot it is the whole state (a field left out is as on a page just
/// loaded); in a batch, what changed since the one before.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageState {
    /// Stylesheet contents the agent has not been sent yet in this session, for the uses below.
    pub sheets: Vec<SheetBody>,
    /// `<style>` elements whose rules differ from their text (CSS-in-JS `insertRule`) and
    /// `<link>` stylesheets the customer's browser could read (or whose sheets changed).
    pub styles: Vec<SheetUse>,
    /// Constructed sheets adopted by documents and shadow roots (or that changed).
    pub adopted: Vec<Adopted>,
    /// Form state that is not in the DOM (values typed, boxes checked).
    pub form: Vec<FormValue>,
    /// The page's `:hover`, `:focus`, `:focus-within` and `:active` rules rewritten to match
    /// marker attributes, so each side can show the other's states (again when they changed).
    pub state_css: Option<String>,
    /// Settled positions of the window ([`DOCUMENT`](crate::page::DOCUMENT)) and scrolled
    /// elements; after the styles, which give the page its extent.
    pub scrolls: Vec<ScrollPos>,
    /// Focus is on this element, or (`Some(None)`) on nothing.
    pub focus: Option<Option<NodeId>>,
    /// The customer presses on this element (`:active`), or (`Some(None)`) released.
    pub active: Option<Option<NodeId>>,
    /// The whole top layer, bottom first.
    pub layers: Option<Vec<Layer>>,
    /// Media elements' playback.
    pub media: Vec<MediaState>,
    /// What canvases show.
    pub canvases: Vec<CanvasFrame>,
    /// Parts the view cannot show (in a batch, newly found ones).
    pub unshown: Vec<Unshown>,
}

impl PageState {
    pub fn is_empty(&self) -> bool {
        self.sheets.is_empty()
            && self.styles.is_empty()
            && self.adopted.is_empty()
            && self.form.is_empty()
            && self.state_css.is_none()
            && self.scrolls.is_empty()
            && self.focus.is_none()
            && self.active.is_none()
            && self.layers.is_none()
            && self.media.is_empty()
            && self.canvases.is_empty()
            && self.unshown.is_empty()
    }
}

/// One element in the top layer, in the order they were opened (the last one is on top).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layer {
    pub id: NodeId,
    pub kind: LayerKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LayerKind {
    /// A `<dialog>` opened with `showModal()`.
    Modal,
    /// An element of the popover API, shown.
    Popover,
    /// The document's fullscreen element.
    Fullscreen,
}

/// How a `<video>` or `<audio>` element plays. The agent's browser loads the media itself and
/// follows this state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaState {
    pub id: NodeId,
    pub paused: bool,
    /// The playback position, in milliseconds.
    pub time_ms: u64,
    /// The playback rate, in thousandths (1000 is normal speed).
    pub rate_milli: u32,
    pub muted: bool,
    /// The volume, 0 to 100.
    pub volume: u8,
}

impl MediaState {
    pub fn time_secs(&self) -> f64 {
        self.time_ms as f64 / 1000.0
    }

    pub fn rate(&self) -> f64 {
        self.rate_milli as f64 / 1000.0
    }
}

/// What a `<canvas>` shows, as an image (`data:image/…` URL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CanvasFrame {
    pub id: NodeId,
    pub image: String,
}

impl CanvasFrame {
    /// Only images may be shown: anything else (a document, a script) is refused by the view.
    pub fn is_image(&self) -> bool {
        let lower = self
            .image
            .get(..16)
            .unwrap_or_default()
            .to_ascii_lowercase();
        ["data:image/png", "data:image/jpeg", "data:image/webp"]
            .iter()
            .any(|p| lower.starts_with(p))
    }
}

/// A part of the page the agent's view cannot show as the customer sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unshown {
    /// The element concerned (the frame, the shadow host, the `<link>`, the canvas).
    pub id: NodeId,
    pub what: Unshowable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unshowable {
    /// A frame from another origin: a labelled placeholder, unless the console may load it
    /// (`allowed_third_party_domains`).
    CrossOriginFrame { origin: String },
    /// A frame whose document this page may not read (sandboxed without same-origin).
    SandboxedFrame,
    /// A closed shadow root: its content is private to the component.
    ClosedShadowRoot,
    /// A stylesheet the customer's browser may not read (cross-origin without CORS): the view
    /// loads it from its address, so it may differ.
    UnreadableStylesheet { href: String },
    /// A canvas that drew cross-origin images: its pixels may not be read.
    TaintedCanvas,
    /// A canvas in a masked part of the page (or on a page private by default): its pixels
    /// never leave the customer's browser.
    PrivateCanvas,
    /// Media the page streams itself (a `blob:` address, Media Source): the view has no way
    /// to load it; its playback state is still followed.
    StreamedMedia,
}

impl Unshowable {
    /// The detail the text names (an origin, an address), if any.
    pub fn detail(&self) -> &str {
        match self {
            Unshowable::CrossOriginFrame { origin } => origin,
            Unshowable::UnreadableStylesheet { href } => href,
            _ => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_image_data_urls_are_images() {
        let frame = |image: &str| CanvasFrame {
            id: 1,
            image: image.into(),
        };
        assert!(frame("data:image/png;base64,AAAA").is_image());
        assert!(frame("DATA:IMAGE/WEBP;base64,AAAA").is_image());
        assert!(!frame("data:text/html,<script>").is_image());
        assert!(!frame("data:image/svg+xml,<svg onload=x>").is_image());
        assert!(!frame("javascript:alert(1)").is_image());
        assert!(!frame("").is_image());
    }
}
