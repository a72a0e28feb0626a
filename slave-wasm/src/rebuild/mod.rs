//! Rebuilds the customer's document inside the viewer iframe from a snapshot, then keeps it in
//! step with mutation batches. Any id it does not know, or a batch of another epoch, is an error:
//! the console then asks for a resync instead of drifting.
//!
//! Frames' documents and shadow roots are built in place ([`roots`]); the top layer, media,
//! canvases and the fidelity report follow the page's live state ([`live`]).

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use shared_protocol::page::{
    Namespace, NodeAdd, NodeData, NodeId, SheetHash, Snapshot, SnapshotNodes, DOCUMENT,
};
use wasm_bindgen::JsValue;
use web_sys::{Document, Element, Node};

use shared_web::listener::Listener;

use crate::view_sheets::ViewSheets;
use crate::view_states::StateMarks;

mod batch;
mod canvas_size;
mod custom_elements;
mod live;
mod nodes;
mod roots;
mod state;
mod styles;
mod values;

pub use roots::AllowedFrames;

use live::{LiveState, CANVAS_CSS, FULLSCREEN_CSS, MEDIA_CSS, UNSHOWN_CSS};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RebuildError {
    #[error("unknown node id {0}")]
    UnknownNode(NodeId),
    #[error("batch of epoch {got} while showing epoch {showing}")]
    WrongEpoch { got: u32, showing: u32 },
    #[error("no snapshot yet")]
    NoSnapshot,
    #[error("unknown stylesheet {0:x}")]
    UnknownSheet(SheetHash),
    #[error("the browser refused a change: {0}")]
    Dom(String),
    #[error("a snapshot of more than {MAX_SNAPSHOT_NODES} nodes")]
    TooLarge,
}

/// The most nodes a snapshot's parts may hold: a hostile sender cannot make the console buffer
/// without end (a real 1M-node page is already beyond what a browser shows well).
pub const MAX_SNAPSHOT_NODES: usize = 2_000_000;

pub(crate) fn dom(e: JsValue) -> RebuildError {
    RebuildError::Dom(e.as_string().unwrap_or_else(|| format!("{e:?}")))
}

pub struct Rebuilder {
    doc: Document,
    nodes: HashMap<NodeId, Node>,
    // Node → id, for forgetting removed subtrees (DOM nodes cannot be hashed in Rust).
    ids: js_sys::Map,
    epoch: Option<u32>,
    /// The customer's page address, which the view's relative URLs resolve against.
    page_url: String,
    /// Shared with [`Self::rehover_on_resize`].
    marks: Rc<RefCell<StateMarks>>,
    /// The view resized (the customer's window did): `:hover` is found again. Added with
    /// each snapshot: a change of compat mode (`document.open`) removes the window's listeners.
    rehover_on_resize: Option<Listener>,
    pub sheets: ViewSheets,
    /// Sheets of the message being applied, by the element that shows them: a `<link>` with
    /// one is created as a stand-in straight away.
    incoming: HashMap<NodeId, SheetHash>,
    /// The state twins of the page's rules.
    state_style: Option<Element>,
    /// Leading parts of a snapshot still coming: (epoch, nodes so far).
    pending: Option<(u32, Vec<NodeAdd>)>,
    /// Frame and host ids → the document or shadow root built under them.
    sub_roots: HashMap<NodeId, Node>,
    /// A frame's document and the nodes in it → that document, which nodes created under them
    /// belong to. The view's own nodes are not listed: finding a node's document costs no call
    /// into the browser.
    frame_docs: HashMap<NodeId, Document>,
    /// The `<style>` elements, whose text the view rewrites as CSS.
    styles: HashSet<NodeId>,
    /// Frames' documents → the address their relative URLs resolve against.
    bases: HashMap<NodeId, String>,
    /// The origins whose frames the view loads.
    frames_allowed: AllowedFrames,
    /// Frames emptied (another origin, not allowed), to label once placed.
    frame_labels: Vec<(NodeId, String)>,
    /// The label, with `{origin}` for the frame's origin.
    frame_label_text: String,
    /// The label of a canvas that cannot be shown.
    canvas_label_text: String,
    /// What a canvas in a masked part of the customer's page shows instead.
    private_canvas_label_text: String,
    live: LiveState,
    /// The sizes of the view's canvases, by their attributes.
    canvas_sizes: canvas_size::CanvasSizes,
}

impl Rebuilder {
    pub fn new(doc: Document, sheets: ViewSheets) -> Self {
        Self {
            doc,
            nodes: HashMap::new(),
            ids: js_sys::Map::new(),
            epoch: None,
            page_url: String::new(),
            marks: Rc::default(),
            rehover_on_resize: None,
            sheets,
            incoming: HashMap::new(),
            state_style: None,
            pending: None,
            sub_roots: HashMap::new(),
            frame_docs: HashMap::new(),
            styles: HashSet::new(),
            bases: HashMap::new(),
            frames_allowed: AllowedFrames::default(),
            frame_labels: Vec::new(),
            frame_label_text: "Content from {origin} is not shown".into(),
            canvas_label_text: "Drawing not shown".into(),
            private_canvas_label_text: "Drawing hidden".into(),
            live: LiveState::default(),
            canvas_sizes: Default::default(),
        }
    }

    /// Frames of these origins load in the view; the others show `frame_label` (`{origin}` in
    /// it names theirs); a canvas that cannot be shown shows `canvas_label`.
    pub fn set_labels(
        &mut self,
        allowed: AllowedFrames,
        frame_label: String,
        canvas_label: String,
    ) {
        self.frames_allowed = allowed;
        self.frame_label_text = frame_label;
        self.canvas_label_text = canvas_label;
    }

    /// What a canvas the customer's privacy rules hide shows in its place.
    pub fn set_private_canvas_label(&mut self, label: String) {
        self.private_canvas_label_text = label;
    }

    pub fn doc(&self) -> &Document {
        &self.doc
    }

    /// Keeps a leading part of a snapshot until the [`Snapshot`] that completes it. A part of a
    /// new epoch drops what an older one left.
    pub fn add_snapshot_nodes(&mut self, part: SnapshotNodes) -> Result<(), RebuildError> {
        let pending = match &mut self.pending {
            Some((epoch, nodes)) if *epoch == part.epoch => nodes,
            slot => &mut slot.insert((part.epoch, Vec::new())).1,
        };
        if pending.len() + part.nodes.len() > MAX_SNAPSHOT_NODES {
            self.pending = None;
            return Err(RebuildError::TooLarge);
        }
        pending.extend(part.nodes);
        Ok(())
    }

    /// Replaces whatever is shown with `snap`, after the parts of its epoch that came first.
    pub fn apply_snapshot(&mut self, snap: &Snapshot) -> Result<(), RebuildError> {
        let leading = match self.pending.take() {
            Some((epoch, nodes)) if epoch == snap.epoch => nodes,
            _ => Vec::new(),
        };
        if leading.len() + snap.nodes.len() > MAX_SNAPSHOT_NODES {
            return Err(RebuildError::TooLarge);
        }
        self.match_compat_mode(leading.iter().chain(&snap.nodes));
        self.rehover_on_resize = self.doc.default_view().map(|view| {
            let (marks, doc) = (self.marks.clone(), self.doc.clone());
            Listener::new(view.as_ref(), "resize", false, move |_| {
                marks.borrow_mut().rehover(&doc)
            })
        });
        let root: Node = self.doc.clone().into();
        while let Some(child) = root.first_child() {
            root.remove_child(&child).map_err(dom)?;
        }
        self.nodes.clear();
        self.ids.clear();
        self.sub_roots.clear();
        self.frame_docs.clear();
        self.styles.clear();
        self.bases.clear();
        self.frame_labels.clear();
        self.reset_live();
        self.marks.borrow_mut().forget();
        self.sheets.reset_adopted();
        self.page_url = snap.url.clone();
        self.expect_sheets(&snap.state);
        self.remember(DOCUMENT, root);
        self.epoch = Some(snap.epoch);
        self.canvas_sizes.reset();
        self.build(leading.iter().chain(&snap.nodes), None)?;
        self.label_frames();
        self.state_style = None;
        if let Some(head) = self.doc.head() {
            let style = self.doc.create_element("style").map_err(dom)?;
            // The view's own, as the customer's page marks its twin sheet; the state fills in
            // the page's twins.
            let _ = style.set_attribute("data-cobrowse-own", "");
            style.set_text_content(Some(&view_own_css("")));
            head.append_child(&style).map_err(dom)?;
            self.state_style = Some(style);
        }
        self.canvas_sizes.attach(&self.doc);
        self.apply_state(&snap.state)
    }

    /// Shows the customer's focus, as `:focus` and `:focus-within` apply.
    pub fn apply_focus(&mut self, focus: Option<NodeId>) {
        self.marks
            .borrow_mut()
            .focus(focus.and_then(|id| self.nodes.get(&id)));
    }

    /// Shows the hover state under the customer's pointer (its viewport coordinates): the
    /// element there and its ancestors get the marker, as `:hover` itself would apply.
    pub fn hover_at(&mut self, x: i32, y: i32, gone: bool) {
        self.marks.borrow_mut().hover_at(&self.doc, x, y, gone);
    }

    /// Finds again what is under the customer's pointer (the view scrolled under it).
    pub fn rehover(&self) {
        self.marks.borrow_mut().rehover(&self.doc);
    }

    fn node(&self, id: NodeId) -> Result<&Node, RebuildError> {
        self.nodes.get(&id).ok_or(RebuildError::UnknownNode(id))
    }

    fn parent(&self, id: NodeId) -> Result<&Node, RebuildError> {
        self.node(id)
    }

    fn remember(&mut self, id: NodeId, node: Node) {
        self.ids.set(&node, &JsValue::from(id));
        self.nodes.insert(id, node);
    }

    /// The id of `node`, or of its nearest ancestor the customer sent (the agent's actions
    /// name elements by these ids).
    pub fn id_of(&self, node: &Node) -> Option<NodeId> {
        let mut at = Some(node.clone());
        while let Some(n) = at {
            if let Some(id) = self.ids.get(&n).as_f64() {
                return Some(id as NodeId);
            }
            at = n.parent_node();
        }
        None
    }

    /// The epoch shown, whose ids the agent's actions use.
    pub fn epoch(&self) -> Option<u32> {
        self.epoch
    }

    /// How many nodes are tracked (for tests and diagnostics).
    pub fn tracked(&self) -> usize {
        self.nodes.len()
    }
}

pub(super) fn is_head(data: &NodeData) -> bool {
    matches!(data, NodeData::Element { tag, ns: Namespace::Html, .. } if tag == "head")
}

/// The hatching of everything the view stands in for (blocked elements, unshown frames and
/// canvases), so the agent knows something is there that it does not see.
macro_rules! hatch {
    () => {
        "repeating-linear-gradient(45deg, #d1d5db 0 6px, #f3f4f6 6px 12px)"
    };
}
pub(crate) use hatch;

/// How blocked elements' placeholders look in the view.
const PLACEHOLDER_CSS: &str = concat!(
    "[data-cobrowse-blocked] { background: ",
    hatch!(),
    " !important; border-radius: 3px; }"
);

/// The view's own stylesheet: the placeholders' look and the page's state twins (dropped when
/// they carry script; the customer module drops such rules already).
fn view_own_css(state_css: &str) -> String {
    let twins = if shared_protocol::safety::is_unsafe_css(state_css) {
        ""
    } else {
        state_css
    };
    format!(
        "{PLACEHOLDER_CSS}\n{FULLSCREEN_CSS}\n{CANVAS_CSS}\n{MEDIA_CSS}\n{UNSHOWN_CSS}\n{twins}"
    )
}
