//! Node ↔ id bookkeeping for one epoch, with the privacy scope each node was captured in. Ids
//! grow monotonically, so "created in this batch" is simply "id ≥ the first id handed out in
//! this batch".

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use shared_protocol::page::{NodeId, DOCUMENT};
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
        Some(id)
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
