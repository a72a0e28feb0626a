//! Node ↔ id bookkeeping for one epoch. Ids grow monotonically, so "created in this batch" is
//! simply "id ≥ the first id handed out in this batch".

use std::collections::HashMap;

use shared_protocol::page::{NodeId, DOCUMENT};
use wasm_bindgen::JsValue;
use web_sys::Node;

pub struct Mirror {
    // A JS Map because DOM nodes cannot be hashed on the Rust side.
    ids: js_sys::Map,
    nodes: HashMap<NodeId, Node>,
    next: NodeId,
}

impl Mirror {
    /// A mirror whose only known node is `document`, with id [`DOCUMENT`].
    pub fn new(document: &Node) -> Self {
        let ids = js_sys::Map::new();
        ids.set(document, &JsValue::from(DOCUMENT));
        let mut nodes = HashMap::new();
        nodes.insert(DOCUMENT, document.clone());
        Self {
            ids,
            nodes,
            next: DOCUMENT + 1,
        }
    }

    pub fn id_of(&self, node: &Node) -> Option<NodeId> {
        self.ids.get(node).as_f64().map(|v| v as NodeId)
    }

    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(&id)
    }

    /// Gives `node` a fresh id, dropping any id it had.
    pub fn assign(&mut self, node: &Node) -> NodeId {
        if let Some(old) = self.id_of(node) {
            self.nodes.remove(&old);
        }
        let id = self.next;
        self.next += 1;
        self.ids.set(node, &JsValue::from(id));
        self.nodes.insert(id, node.clone());
        id
    }

    /// Forgets `node`; returns the id it had.
    pub fn forget(&mut self, node: &Node) -> Option<NodeId> {
        let id = self.id_of(node)?;
        self.ids.delete(node);
        self.nodes.remove(&id);
        Some(id)
    }

    /// The id the next [`assign`](Self::assign) will hand out.
    pub fn next_id(&self) -> NodeId {
        self.next
    }
}
