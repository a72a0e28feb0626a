//! The pre-order walk that captures nodes: a whole subtree at once for mutation batches
//! ([`push_subtree`]), or a whole document in slices for snapshots ([`SnapshotWalk`]), so that a
//! 100k-node page never holds the customer's main thread for long. Iterative: deep pages cannot
//! overflow the stack.
//!
//! Between two slices the page runs and may change the DOM. The walk stays exact because the
//! MutationObserver runs during it and its batch describes the DOM as it is after the snapshot:
//! a stack entry whose node moved or left since it was pushed is skipped (the node is captured
//! where it is now, by the walk or by the batch), and a node already captured is never captured
//! twice.
//!
//! A frame's document and an open shadow root are walked as children of their `<iframe>` or
//! host (see [`super::tree`]), so a page of frames and components is one walk.

use shared_protocol::page::{FormValue, NodeAdd, NodeData, NodeId, SnapshotNodes, DOCUMENT};
use shared_protocol::page_state::Unshowable;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Node};

use crate::privacy::Scope;

use super::form_values::has_form_value;
use super::mirror::Live;
use super::serialize::Described;
use super::tree::{capture_parent, is_frame};
use super::{describe, form_value, Mirror};

/// How many nodes are captured between two looks at the clock (a call out of wasm).
const CLOCK_EVERY: usize = 256;

// Scrolled elements are found in JS: asking each element from wasm costs three calls, and
// reading `scrollTop` on 100k elements alone takes ~70 ms, so this walk is sliced too. A
// TreeWalker follows the DOM as it changes between slices.
#[wasm_bindgen(module = "/src/capture/walk.js")]
extern "C" {
    /// A search of `doc` for elements scrolled away from their origin.
    fn scroll_search(doc: &Document) -> JsValue;
    /// Searches on until done (true) or `Date.now()` passes `deadline` (false).
    fn scroll_search_step(search: &JsValue, deadline: f64) -> bool;
    fn scroll_search_found(search: &JsValue) -> js_sys::Array;
}

/// A snapshot's walk over a document, advanced slice by slice with [`SnapshotWalk::step`].
pub struct SnapshotWalk {
    epoch: u32,
    /// (node, id and privacy scope of the captured parent it had when pushed); children
    /// pushed in reverse.
    stack: Vec<Entry>,
    /// Entries below this index were pushed before the page last ran: check them when popped.
    stale_below: usize,
    /// Captured and not yet handed out with [`SnapshotWalk::take_nodes`].
    nodes: Vec<NodeAdd>,
    /// Live values of the form controls captured so far (sent with the final part).
    pub(super) form: Vec<FormValue>,
    /// `<style>` and `<link>` elements captured so far: their sheets go with the final part.
    pub(super) sheet_owners: Vec<NodeId>,
    /// The search for scrolled elements, once every node is captured.
    scroll_search: JsValue,
}

impl SnapshotWalk {
    /// A walk over `doc`'s children; `mirror` must be fresh for `epoch`.
    pub fn start(doc: &Document, epoch: u32, mirror: &Mirror) -> Self {
        let mut stack = Vec::new();
        push_children(doc.as_ref(), DOCUMENT, mirror.scope(DOCUMENT), &mut stack);
        Self {
            epoch,
            stack,
            stale_below: 0,
            nodes: Vec::new(),
            form: Vec::new(),
            sheet_owners: Vec::new(),
            scroll_search: scroll_search(doc),
        }
    }

    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// Captures nodes, then looks for scrolled elements, until the walk is done (true) or
    /// `now()` (which must be `Date.now`'s clock) passes `deadline` (false).
    /// `nodes_moved`: the page has inserted nodes since the walk began, so a node met now may
    /// be one already captured elsewhere (one look in the mirror per node, else skipped).
    pub fn step(
        &mut self,
        mirror: &mut Mirror,
        deadline: f64,
        now: impl Fn() -> f64,
        nodes_moved: bool,
    ) -> bool {
        let mut count = 0;
        while let Some((node, parent, scope)) = self.stack.pop() {
            if self.stack.len() < self.stale_below {
                self.stale_below = self.stack.len();
                if !still_in_place(&node, parent, mirror) {
                    continue;
                }
            } else if nodes_moved && mirror.id_of(&node).is_some() {
                // Captured before it moved here: the batch after the snapshot moves it.
                continue;
            }
            if let Some(described) = describe(&node, scope, mirror) {
                if matches!(&described.data, NodeData::Element { tag, .. } if tag == "style" || tag == "link")
                {
                    self.sheet_owners.push(mirror.next_id());
                }
                visit(
                    node,
                    parent,
                    described,
                    mirror,
                    &mut self.nodes,
                    &mut self.form,
                    &mut self.stack,
                );
            }
            count += 1;
            if count % CLOCK_EVERY == 0 && now() >= deadline {
                // The page runs before the next slice: everything pushed so far may move.
                self.stale_below = self.stack.len();
                return false;
            }
        }
        scroll_search_step(&self.scroll_search, deadline)
    }

    /// The nodes captured since the last call, as a part of the snapshot.
    pub fn take_nodes(&mut self) -> SnapshotNodes {
        SnapshotNodes {
            epoch: self.epoch,
            nodes: std::mem::take(&mut self.nodes),
        }
    }

    /// The nodes not yet handed out, for the final part, and the scrolled elements.
    pub(super) fn into_rest(self) -> (Vec<NodeAdd>, js_sys::Array) {
        (self.nodes, scroll_search_found(&self.scroll_search))
    }
}

/// Whether a node pushed before the page last ran is still where the walk found it: attached
/// under the same captured parent, and not captured since (moved into a part already walked).
fn still_in_place(node: &Node, parent: NodeId, mirror: &Mirror) -> bool {
    mirror.id_of(node).is_none()
        && capture_parent(node)
            .and_then(|p| mirror.id_of(&p))
            .is_some_and(|id| id == parent)
        && node.is_connected()
}

/// A node to capture: (node, its captured parent's id, the parent's scope).
type Entry = (Node, NodeId, Scope);

/// Captures one node under `parent` and queues its children (a blocked element's stay out).
fn visit(
    node: Node,
    parent: NodeId,
    Described { data, scope, below }: Described,
    mirror: &mut Mirror,
    nodes: &mut Vec<NodeAdd>,
    form: &mut Vec<FormValue>,
    stack: &mut Vec<Entry>,
) {
    let id = mirror.assign(&node, scope);
    // Only form controls have a live value: asking every node costs three calls out of wasm.
    if has_form_value(&data) {
        form.extend(form_value(id, &node, scope, mirror.policy()));
    }
    match &data {
        NodeData::Document { .. } | NodeData::ShadowRoot => mirror.add_sub_root(parent, &node),
        NodeData::Element { tag, .. } if !scope.blocked() => {
            match tag.as_str() {
                "video" | "audio" => mirror.set_live(id, Live::Media),
                // A private canvas's pixels are its content: the view hatches it instead.
                "canvas" if scope.masked() => mirror.note_unshown(id, Unshowable::PrivateCanvas),
                "canvas" => mirror.set_live(id, Live::Canvas),
                _ => {}
            }
            if below.is_some() && is_frame(tag) {
                // Its document replaces whatever fallback it holds.
                nodes.push(NodeAdd { id, parent, data });
                stack.extend(below.map(|root| (root, id, scope)));
                return;
            }
        }
        _ => {}
    }
    nodes.push(NodeAdd { id, parent, data });
    if !scope.blocked() {
        push_children(&node, id, scope, stack);
        // Popped first: a shadow root before the light children it slots.
        stack.extend(below.map(|root| (root, id, scope)));
    }
}

/// Captures `root`'s subtree (for a batch, in one go) in pre-order, appending to `nodes` and
/// `form`; `root` must have a captured parent. Returns how many nodes were added.
pub(crate) fn push_subtree(
    root: &Node,
    mirror: &mut Mirror,
    nodes: &mut Vec<NodeAdd>,
    form: &mut Vec<FormValue>,
) -> usize {
    let before = nodes.len();
    let Some(parent_id) = capture_parent(root).and_then(|p| mirror.id_of(&p)) else {
        return 0;
    };
    let parent_scope = mirror.scope(parent_id);
    if parent_scope.blocked() {
        return 0;
    }
    let mut stack = vec![(root.clone(), parent_id, parent_scope)];
    while let Some((node, parent, scope)) = stack.pop() {
        if let Some(described) = describe(&node, scope, mirror) {
            visit(node, parent, described, mirror, nodes, form, &mut stack);
        }
    }
    nodes.len() - before
}

fn push_children(node: &Node, id: NodeId, scope: Scope, stack: &mut Vec<Entry>) {
    let mut child = node.last_child();
    while let Some(c) = child {
        child = c.previous_sibling();
        stack.push((c, id, scope));
    }
}
