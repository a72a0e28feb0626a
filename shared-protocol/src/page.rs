//! Page content: what the customer's page looks like, as the agent's viewer rebuilds it.
//!
//! Travels only inside sealed frames. A document is described by a full [`Snapshot`] per epoch
//! (every page load starts a new one), then by ordered [`MutationBatch`]es. A large page's
//! snapshot is taken in slices, so the customer's page never freezes: its nodes then come first
//! in [`SnapshotNodes`] parts, and the [`Snapshot`] that completes it carries the rest. Nodes are named by
//! numeric ids that are stable within an epoch; id 0 is the document itself. A same-origin
//! frame's document ([`NodeData::Document`]) is the child of its `<iframe>` element, and an open
//! shadow root ([`NodeData::ShadowRoot`]) the child of its host, so one tree holds them all.
//! Both carry the rest of what the page shows as one [`PageState`]: all of it in a snapshot,
//! what changed in a batch, so the viewer applies both the same way.
//!
//! Trees are sent flat (pre-order lists with parent ids), so neither encoding nor decoding
//! recurses: a deeply nested page cannot overflow the small wasm stack.

use serde::{Deserialize, Serialize};

use crate::agent_control::{AgentAction, Mode, ModeCause, Navigate, Refusal};
use crate::page_state::PageState;

/// A node id within one epoch. [`DOCUMENT`] is the document node.
pub type NodeId = u32;
pub const DOCUMENT: NodeId = 0;

/// What the customer's browser sends inside sealed frames.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CustomerPageMsg {
    Snapshot(Snapshot),
    Mutations(MutationBatch),
    /// Ephemeral: the customer's pointer, in the customer's viewport (CSS pixels).
    Pointer(Pointer),
    /// Ephemeral: scroll positions while scrolling (the settled ones follow in a batch).
    Scroll(Vec<ScrollPos>),
    /// The leading nodes of a snapshot still being taken.
    SnapshotNodes(SnapshotNodes),
    /// The mode now, and why (after a request, a switch, or when streaming starts).
    Mode {
        mode: Mode,
        cause: ModeCause,
    },
    /// An agent message was refused (nothing happened on the page).
    Refused(Refusal),
    /// The customer approved write mode: the token of that consent, for the console to show
    /// back ([`AgentPageMsg::ResumeWrite`]) when the customer's next page starts in pointer
    /// mode. Only the console has it besides the customer's tab.
    WriteConsent([u8; 16]),
    /// How the customer's browser reaches the relay now (after streaming starts and after each
    /// resume), for the console to show.
    Transport(crate::transport::Transport),
    /// The part of the layout viewport the customer sees (pinch zoom, on-screen keyboard), or
    /// (`None`) all of it; at the start of streaming and on each change.
    Visual(Option<crate::visual_viewport::VisualViewport>),
}

/// Nodes of the snapshot of `epoch`, in pre-order, ahead of the [`Snapshot`] that completes it:
/// the viewer puts them before that snapshot's own nodes. Parts of another epoch are stale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotNodes {
    pub epoch: u32,
    pub nodes: Vec<NodeAdd>,
}

/// What the agent's console sends inside sealed frames.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AgentPageMsg {
    /// The viewer lost track (a gap, an unknown id): send a fresh snapshot.
    Resync { reason: String },
    /// Ephemeral: the agent's pointer over the view, in the customer's viewport (CSS pixels).
    Pointer(Pointer),
    /// Ask the customer for write mode.
    RequestWrite,
    /// The agent goes back to pointer mode.
    PointerMode,
    /// An action in write mode.
    Act(AgentAction),
    /// Back, forward, reload or a URL, in write mode and within the instrumented site.
    Navigate(Navigate),
    /// The customer's new page is in pointer mode, and this console was given write mode on an
    /// earlier one: the consent it was given, to continue in write mode.
    ResumeWrite([u8; 16]),
}

/// A pointer position; `click` marks a press there (drawn as a ripple on the other side).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pointer {
    pub x: i32,
    pub y: i32,
    pub click: bool,
    /// The pointer left the page.
    pub gone: bool,
}

/// Where a scrollable element (or the window, as [`DOCUMENT`]) is scrolled to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScrollPos {
    pub id: NodeId,
    pub x: i32,
    pub y: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewport {
    pub width: u32,
    pub height: u32,
}

/// The whole document at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub epoch: u32,
    pub url: String,
    pub title: String,
    pub viewport: Viewport,
    /// Pre-order: each node is appended as the last child of its parent. The last of the
    /// snapshot's nodes: those of its [`SnapshotNodes`] parts come first.
    pub nodes: Vec<NodeAdd>,
    /// Everything else the page shows at that moment; what it leaves out is as on a page
    /// just loaded (no focus, an empty top layer).
    pub state: PageState,
}

/// Identifies a stylesheet's content: the first 8 bytes of the SHA-256 of its rules.
pub type SheetHash = u64;

/// What a stylesheet holds, as the customer's CSSOM has it (URLs made absolute). Sent once per
/// session, then referred to by [`SheetHash`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetBody {
    pub hash: SheetHash,
    pub rules: Vec<String>,
}

impl SheetBody {
    pub fn new(rules: Vec<String>) -> Self {
        Self {
            hash: sheet_hash(&rules),
            rules,
        }
    }
}

/// The hash of a sheet's rules (each rule's length is hashed too, so rules cannot run together).
pub fn sheet_hash(rules: &[String]) -> SheetHash {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for rule in rules {
        hasher.update((rule.len() as u64).to_le_bytes());
        hasher.update(rule.as_bytes());
    }
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

/// The sheet a `<style>` or `<link>` element shows in the view, in place of what its text or
/// `href` would give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetUse {
    pub id: NodeId,
    pub sheet: SheetHash,
}

/// The constructed sheets (`adoptedStyleSheets`) of a document ([`DOCUMENT`], or a frame's) or a
/// shadow root, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adopted {
    pub id: NodeId,
    pub sheets: Vec<SheetHash>,
}

/// One node, appended as the last child of `parent`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeAdd {
    pub id: NodeId,
    pub parent: NodeId,
    pub data: NodeData,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodeData {
    Doctype {
        name: String,
        public_id: String,
        system_id: String,
    },
    Element {
        tag: String,
        ns: Namespace,
        attrs: Vec<(String, String)>,
    },
    Text(String),
    Comment(String),
    /// The document of a same-origin frame, child of its `<iframe>`. Relative URLs in it resolve
    /// against `base_url`; `standards` is its compat mode (no doctype may say otherwise).
    Document {
        base_url: String,
        standards: bool,
    },
    /// An open shadow root, child of its host element; the host's other children are its light
    /// DOM (slotted into the root's `<slot>`s).
    ShadowRoot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Namespace {
    Html,
    Svg,
    MathMl,
}

impl Namespace {
    pub fn uri(&self) -> &'static str {
        match self {
            Namespace::Html => "http://www.w3.org/1999/xhtml",
            Namespace::Svg => "http://www.w3.org/2000/svg",
            Namespace::MathMl => "http://www.w3.org/1998/Math/MathML",
        }
    }

    pub fn from_uri(uri: Option<&str>) -> Self {
        match uri {
            Some("http://www.w3.org/2000/svg") => Namespace::Svg,
            Some("http://www.w3.org/1998/Math/MathML") => Namespace::MathMl,
            _ => Namespace::Html,
        }
    }
}

/// Changes since the previous batch (or the snapshot) of the same epoch, applied in field order:
/// removes, adds, attributes, texts, then the page's other state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MutationBatch {
    pub epoch: u32,
    pub removes: Vec<NodeId>,
    pub adds: Vec<SubtreeAdd>,
    pub attrs: Vec<AttrChange>,
    pub texts: Vec<TextChange>,
    /// The customer's window changed size.
    pub viewport: Option<Viewport>,
    /// What changed besides the tree (after the nodes it names exist).
    pub state: PageState,
}

impl MutationBatch {
    pub fn is_empty(&self) -> bool {
        self.removes.is_empty()
            && self.adds.is_empty()
            && self.attrs.is_empty()
            && self.texts.is_empty()
            && self.viewport.is_none()
            && self.state.is_empty()
    }
}

/// A subtree inserted into the document: `nodes[0]` goes into its parent before `before`
/// (at the end when `None`); the rest are appended to their parents in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubtreeAdd {
    pub before: Option<NodeId>,
    pub nodes: Vec<NodeAdd>,
}

/// `value: None` removes the attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttrChange {
    pub id: NodeId,
    pub name: String,
    pub value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextChange {
    pub id: NodeId,
    pub text: String,
}

/// The live state of a form control (the `value` and `checked` properties, not attributes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormValue {
    pub id: NodeId,
    pub value: String,
    pub checked: bool,
}
