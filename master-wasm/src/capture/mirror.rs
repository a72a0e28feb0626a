//! Node ↔ id bookkeeping for one epoch, with the privacy scope each node was captured in. Ids
//! grow monotonically, so "created in this batch" is simply "id ≥ the first id handed out in
//! this batch". A frame's document and a shadow root are captured nodes too, under their
//! `<iframe>` or host ([`super::tree`]): the mirror remembers which root hangs under which
//! element, because a removed frame no longer shows its document.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use shared_protocol::page::{NodeId, DOCUMENT};
use shared_protocol::page_state::{Unshowable, Unshown};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, Node};

use crate::privacy::indicator::Outlines;
use crate::privacy::{Policy, Scope};

pub struct Mirror {
    // A JS Map because DOM nodes cannot be hashed on the Rust side.
    ids: js_sys::Map,
    /// Each captured node and its privacy scope (a text node has its parent's).
    nodes: HashMap<NodeId, (Node, Scope)>,
    next: NodeId,
    policy: Rc<Policy>,
    /// Captured elements that matched a configured selector: a change above them may make
    /// them stop matching.
    ruled: HashSet<NodeId>,
    /// Fields hidden from the agent, outlined for the customer.
    outlines: Outlines,
    /// Frame and host ids → the document or shadow root captured under them.
    sub_roots: HashMap<NodeId, Node>,
    /// Roots captured since the stream last looked: to observe and listen to.
    new_roots: Vec<Node>,
    /// Media elements and canvases, whose state is read apart from the DOM.
    live: HashMap<NodeId, Live>,
    /// What the view cannot show, found since the last message.
    unshown: RefCell<Vec<Unshown>>,
}

/// Captured elements with state beyond their attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Live {
    Media,
    Canvas,
}

impl Mirror {
    /// A mirror whose only known node is `document`, with id [`DOCUMENT`], capturing under
    /// `policy`.
    pub fn new(document: &Node, policy: Rc<Policy>) -> Self {
        let ids = js_sys::Map::new();
        ids.set(document, &JsValue::from(DOCUMENT));
        let mut nodes = HashMap::new();
        nodes.insert(DOCUMENT, (document.clone(), policy.root_scope()));
        Self {
            ids,
            nodes,
            next: DOCUMENT + 1,
            policy,
            ruled: HashSet::new(),
            outlines: Outlines::default(),
            sub_roots: HashMap::new(),
            new_roots: Vec::new(),
            live: HashMap::new(),
            unshown: RefCell::new(Vec::new()),
        }
    }

    pub fn id_of(&self, node: &Node) -> Option<NodeId> {
        self.ids.get(node).as_f64().map(|v| v as NodeId)
    }

    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(&id).map(|(node, _)| node)
    }

    /// The privacy scope `id` was captured with (the default for an unknown id).
    pub fn scope(&self, id: NodeId) -> Scope {
        self.nodes.get(&id).map(|(_, s)| *s).unwrap_or_default()
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    pub fn policy_rc(&self) -> Rc<Policy> {
        self.policy.clone()
    }

    pub fn outlines(&self) -> &Outlines {
        &self.outlines
    }

    /// Gives `node` a fresh id, dropping any id it had, and records its scope.
    pub fn assign(&mut self, node: &Node, scope: Scope) -> NodeId {
        if let Some(old) = self.id_of(node) {
            self.nodes.remove(&old);
            self.ruled.remove(&old);
        }
        let id = self.next;
        self.next += 1;
        self.ids.set(node, &JsValue::from(id));
        self.nodes.insert(id, (node.clone(), scope));
        if scope.ruled() {
            self.ruled.insert(id);
        }
        id
    }

    /// Forgets `node`; returns the id it had.
    pub fn forget(&mut self, node: &Node) -> Option<NodeId> {
        let id = self.id_of(node)?;
        self.ids.delete(node);
        self.nodes.remove(&id);
        self.ruled.remove(&id);
        self.live.remove(&id);
        Some(id)
    }

    /// Forgets `root` and every captured node below it, frames' documents and shadow roots
    /// included; returns the id `root` had. Nodes moved out of it before now are not below it.
    pub fn forget_tree(&mut self, root: &Node) -> Option<NodeId> {
        let id = self.forget(root)?;
        let mut stack = vec![(root.clone(), id)];
        while let Some((node, id)) = stack.pop() {
            if let Some(sub) = self.sub_roots.remove(&id) {
                if let Some(sub_id) = self.forget(&sub) {
                    stack.push((sub, sub_id));
                }
            }
            let mut child = node.first_child();
            while let Some(c) = child {
                child = c.next_sibling();
                if let Some(child_id) = self.forget(&c) {
                    stack.push((c, child_id));
                }
            }
        }
        Some(id)
    }

    /// Records that `root` (a document or shadow root, just assigned) hangs under `parent`.
    pub fn add_sub_root(&mut self, parent: NodeId, root: &Node) {
        self.sub_roots.insert(parent, root.clone());
        self.new_roots.push(root.clone());
    }

    /// The root captured under `parent`, if any.
    pub fn sub_root(&self, parent: NodeId) -> Option<&Node> {
        self.sub_roots.get(&parent)
    }

    /// Every captured root: the document's own, then frames' documents and shadow roots.
    pub fn roots(&self) -> Vec<(NodeId, Node)> {
        let mut roots: Vec<(NodeId, Node)> = self
            .sub_roots
            .values()
            .filter_map(|n| Some((self.id_of(n)?, n.clone())))
            .collect();
        roots.sort_by_key(|(id, _)| *id);
        roots.extend(self.node(DOCUMENT).map(|n| (DOCUMENT, n.clone())));
        roots.rotate_right(1);
        roots
    }

    /// Roots captured since the last call.
    pub fn take_new_roots(&mut self) -> Vec<Node> {
        std::mem::take(&mut self.new_roots)
    }

    pub fn set_live(&mut self, id: NodeId, kind: Live) {
        self.live.insert(id, kind);
    }

    /// The captured elements of `kind`, by id.
    pub fn live(&self, kind: Live) -> Vec<(NodeId, Node)> {
        let mut out: Vec<(NodeId, Node)> = self
            .live
            .iter()
            .filter(|(_, k)| **k == kind)
            .filter_map(|(id, _)| Some((*id, self.node(*id)?.clone())))
            .collect();
        out.sort_by_key(|(id, _)| *id);
        out
    }

    /// Notes that the view cannot show element `id`.
    pub fn note_unshown(&self, id: NodeId, what: Unshowable) {
        self.unshown.borrow_mut().push(Unshown { id, what });
    }

    pub fn has_unshown(&self) -> bool {
        !self.unshown.borrow().is_empty()
    }

    /// What was noted since the last call, for elements still captured.
    pub fn take_unshown(&self) -> Vec<Unshown> {
        let mut notes = self.unshown.take();
        notes.retain(|n| self.nodes.contains_key(&n.id));
        notes
    }

    /// Captured elements inside `root` that matched a configured selector when captured.
    pub fn ruled_inside(&self, root: &Node) -> Vec<Element> {
        self.ruled
            .iter()
            .filter_map(|id| self.node(*id))
            .filter(|n| root.contains(Some(n)) && *n != root)
            .map(|n| n.unchecked_ref::<Element>().clone())
            .collect()
    }

    /// The id the next [`assign`](Self::assign) will hand out.
    pub fn next_id(&self) -> NodeId {
        self.next
    }
}
