//! What changed between batches besides the tree, one collector per concern, each owning what
//! it noted: form values, settled scroll positions, focus and the pressed element, the window's
//! size, media playback and canvas frames. Each adds its part to a batch's [`PageState`] when
//! the batch is built (stylesheets: [`super::sheet_changes`]; the top layer:
//! [`super::live_state::LayerChanges`]).

use std::collections::HashSet;

use shared_protocol::page::{NodeId, Viewport};
use shared_protocol::page_state::{CanvasFrame, PageState};
use web_sys::Node;

use super::live_state::media_state;
use super::{form_value, scroll_position, Mirror};

/// Form controls whose value changed (from input and change events).
#[derive(Default)]
pub struct FormChanges {
    nodes: Vec<Node>,
}

impl FormChanges {
    pub fn changed(&mut self, node: Node) {
        self.nodes.push(node);
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Values of controls captured before `first_new` (newer ones were described as they are).
    pub(super) fn build(&mut self, mirror: &Mirror, first_new: NodeId, state: &mut PageState) {
        let mut seen = HashSet::new();
        for node in self.nodes.drain(..) {
            let Some(id) = mirror.id_of(&node).filter(|id| *id < first_new) else {
                continue;
            };
            if seen.insert(id) {
                let value = form_value(id, &node, mirror.scope(id), mirror.policy());
                state.form.extend(value);
            }
        }
    }
}

/// Scrolled nodes whose position has settled (the document for the window).
#[derive(Default)]
pub struct ScrollChanges {
    settled: Vec<Node>,
}

impl ScrollChanges {
    pub fn settled(&mut self, node: Node) {
        self.settled.push(node);
    }

    pub fn is_empty(&self) -> bool {
        self.settled.is_empty()
    }

    pub(super) fn build(&mut self, mirror: &Mirror, state: &mut PageState) {
        let mut seen = HashSet::new();
        for node in self.settled.drain(..) {
            let Some(id) = mirror.id_of(&node) else {
                continue;
            };
            if seen.insert(id) {
                state.scrolls.extend(scroll_position(id, &node));
            }
        }
    }
}

/// Focus moved, or the customer pressed on an element or released it.
#[derive(Default)]
pub struct FocusChanges {
    moved: bool,
    /// `Some(None)`: released.
    pressed: Option<Option<Node>>,
}

impl FocusChanges {
    pub fn moved(&mut self) {
        self.moved = true;
    }

    /// A pointer press on `target` (`:active`), or `None` for the release.
    pub fn pressed(&mut self, target: Option<Node>) {
        self.pressed = Some(target);
    }

    pub fn is_empty(&self) -> bool {
        !self.moved && self.pressed.is_none()
    }

    pub(super) fn build(&mut self, mirror: &Mirror, state: &mut PageState) {
        if std::mem::take(&mut self.moved) {
            state.focus = Some(super::focused(mirror));
        }
        if let Some(pressed) = self.pressed.take() {
            state.active = Some(pressed.and_then(|node| mirror.id_of(&node)));
        }
    }
}

/// The window was resized.
#[derive(Default)]
pub struct ViewportChange {
    resized: bool,
}

impl ViewportChange {
    pub fn resized(&mut self) {
        self.resized = true;
    }

    pub fn is_empty(&self) -> bool {
        !self.resized
    }

    pub(super) fn build(&mut self) -> Option<Viewport> {
        std::mem::take(&mut self.resized).then(super::viewport)
    }
}

/// Media elements that played, paused, seeked or changed rate or volume.
#[derive(Default)]
pub struct MediaChanges {
    nodes: Vec<Node>,
}

impl MediaChanges {
    pub fn changed(&mut self, node: Node) {
        self.nodes.push(node);
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub(super) fn build(&mut self, mirror: &Mirror, state: &mut PageState) {
        let mut seen = HashSet::new();
        for node in self.nodes.drain(..) {
            if let Some(id) = mirror.id_of(&node).filter(|id| seen.insert(*id)) {
                state.media.push(media_state(id, &node));
            }
        }
    }
}

/// Canvas frames ready to go, the latest per canvas.
#[derive(Default)]
pub struct CanvasChanges {
    frames: Vec<CanvasFrame>,
}

impl CanvasChanges {
    pub fn frame(&mut self, frame: CanvasFrame) {
        self.frames.retain(|c| c.id != frame.id);
        self.frames.push(frame);
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// The frames of canvases still captured.
    pub(super) fn build(&mut self, mirror: &Mirror, state: &mut PageState) {
        state.canvases = std::mem::take(&mut self.frames);
        state.canvases.retain(|c| mirror.node(c.id).is_some());
    }
}
