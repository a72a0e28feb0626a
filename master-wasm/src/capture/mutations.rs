//! Turns MutationObserver records into a batch's tree changes ([`DomChanges`]).
//!
//! Records are read at flush time, when the DOM may have moved on, so the batch describes the
//! DOM as it is now: removals first (a removed node's id is dropped, and a moved node is a
//! removal plus an add with fresh ids), then every added node that is still attached under a
//! captured parent, inserted before its next captured sibling, then attribute and text changes
//! of nodes that existed before this batch. The viewer applies them in the same order.
//!
//! Shadow roots attached since and frames that loaded another document come from hooks and
//! events, not from records, and are captured here too.

use std::collections::HashSet;

use shared_protocol::page::{AttrChange, MutationBatch, NodeData, NodeId, SubtreeAdd, TextChange};
use wasm_bindgen::JsCast;
use web_sys::{Element, MutationRecord, Node};

use crate::privacy::Marks;

use super::form_values::value_is_masked;
use super::serialize::{element_scope, is_ours, safe_attribute};
use super::sheet_changes::SheetChanges;
use super::tree::capture_parent;
use super::walk::push_subtree;
use super::Mirror;

/// Changes to the captured tree since the last batch.
#[derive(Default)]
pub struct DomChanges {
    removed: Vec<Node>,
    added: Vec<Node>,
    attrs: Vec<(Node, String)>,
    texts: Vec<Node>,
    /// Elements that attached a shadow root.
    hosts: Vec<Node>,
}

impl DomChanges {
    /// Notes a record; true when it may have opened or closed something in the top layer.
    pub fn record(&mut self, record: &MutationRecord) -> bool {
        let Some(target) = record.target() else {
            return false;
        };
        // Only attribute records have a name: one call fewer, and no type string to build,
        // for what is most of the records of a page that animates attributes.
        if let Some(name) = record.attribute_name() {
            // Our own hover marks and outlines are not page changes.
            if is_ours(&name) {
                return false;
            }
            let layer = name == "open" || name == "popover";
            self.attrs.push((target, name));
            return layer;
        }
        match record.type_().as_str() {
            "childList" => {
                let removed = record.removed_nodes();
                for i in 0..removed.length() {
                    self.removed.extend(removed.item(i));
                }
                let added = record.added_nodes();
                for i in 0..added.length() {
                    self.added.extend(added.item(i));
                }
            }
            "characterData" => self.texts.push(target),
            _ => {}
        }
        false
    }

    /// `host` attached a shadow root (open ones are captured with the next batch).
    pub fn shadow_attached(&mut self, host: Node) {
        self.hosts.push(host);
    }

    /// Frame element `frame` loaded a document: it is captured again, with the new one.
    pub fn frame_loaded(&mut self, frame: Node) {
        self.removed.push(frame.clone());
        self.added.push(frame);
    }

    /// Nodes were inserted since the last batch (some may have been captured elsewhere).
    pub fn has_insertions(&self) -> bool {
        !self.added.is_empty()
    }

    pub fn is_empty(&self) -> bool {
        self.removed.is_empty()
            && self.added.is_empty()
            && self.attrs.is_empty()
            && self.texts.is_empty()
            && self.hosts.is_empty()
    }

    /// Adds the tree changes to `batch` against the DOM as it is now, updating `mirror`
    /// (captured `<link>`s are noted in `sheets`, for their rules). Returns the first id given
    /// in this batch: nodes from there on were described as they are now.
    pub(super) fn build(
        &mut self,
        mirror: &mut Mirror,
        batch: &mut MutationBatch,
        sheets: &mut SheetChanges,
    ) -> NodeId {
        self.rescope(mirror);
        self.build_removes(mirror, batch);
        let first_new = mirror.next_id();
        self.build_adds(mirror, batch, sheets);
        self.build_shadow_roots(mirror, batch);
        // Nodes captured in this batch were described as they are now: skip their changes.
        let known = |mirror: &Mirror, node: &Node| mirror.id_of(node).filter(|id| *id < first_new);
        let attrs = std::mem::take(&mut self.attrs);
        let mut seen_attrs = HashSet::new();
        for (node, name) in &attrs {
            let Some(id) = known(mirror, node) else {
                continue;
            };
            if !seen_attrs.insert((id, name.as_str())) {
                continue;
            }
            let scope = mirror.scope(id);
            if scope.blocked() {
                // A placeholder shows none of the element's attributes.
                continue;
            }
            let el: &Element = node.unchecked_ref();
            let value_masked = name.eq_ignore_ascii_case("value") && value_is_masked(el, scope);
            // An attribute that became unsafe is removed, so no older safe value lingers.
            let value = el
                .get_attribute(name)
                .and_then(|v| safe_attribute(mirror.policy(), name, v, scope, value_masked));
            batch.attrs.push(AttrChange {
                id,
                name: name.clone(),
                value,
            });
        }
        let mut seen_texts = HashSet::new();
        for node in self.texts.drain(..) {
            let Some(id) = known(mirror, &node) else {
                continue;
            };
            if seen_texts.insert(id) {
                let text = node.node_value().unwrap_or_default();
                batch.texts.push(TextChange {
                    id,
                    text: mirror.policy().text(text, mirror.scope(id)),
                });
            }
        }
        first_new
    }

    /// Attribute changes that change what is masked, blocked or read-only (a marker added, a
    /// class that a rule selects, a type that became `password`): the affected element is
    /// captured again, as a removal plus an add, under its new scope. With selectors
    /// configured, elements below a changed one are checked too (a rule may select them by an
    /// ancestor's class).
    fn rescope(&mut self, mirror: &Mirror) {
        let policy = mirror.policy();
        let mut checked = HashSet::new();
        let mut again: Vec<Node> = Vec::new();
        for (node, name) in &self.attrs {
            if !policy.may_rescope(name) {
                continue;
            }
            let Some(id) = mirror.id_of(node) else {
                continue;
            };
            if !checked.insert(id) {
                continue;
            }
            let el: &Element = node.unchecked_ref();
            if rescoped(el, mirror) {
                again.push(node.clone());
                continue;
            }
            let Some(any) = policy.any_selector() else {
                continue;
            };
            let mut below = mirror.ruled_inside(node);
            if let Ok(list) = el.query_selector_all(any) {
                below.extend((0..list.length()).filter_map(|i| list.item(i)?.dyn_into().ok()));
            }
            for d in below {
                if !again.iter().any(|a| a.contains(Some(&d))) && rescoped(&d, mirror) {
                    again.push(d.into());
                }
            }
        }
        // An element inside another one captured again goes with it.
        let roots: Vec<Node> = again
            .iter()
            .filter(|n| !again.iter().any(|a| a != *n && a.contains(Some(n))))
            .cloned()
            .collect();
        for node in roots {
            self.removed.push(node.clone());
            self.added.push(node);
        }
    }

    fn build_removes(&mut self, mirror: &mut Mirror, batch: &mut MutationBatch) {
        // Descendants still inside a removed subtree go with it: a detached one is gone, and
        // one moved or captured again gets fresh ids for all it holds now (or none, if it is
        // blocked now; a stale id would let its children's changes through). A descendant
        // that was moved out before the flush has its own removal record.
        for node in self.removed.drain(..) {
            if let Some(id) = mirror.forget_tree(&node) {
                batch.removes.push(id);
            }
        }
    }

    /// Open shadow roots attached to captured hosts since they were captured.
    fn build_shadow_roots(&mut self, mirror: &mut Mirror, batch: &mut MutationBatch) {
        for host in self.hosts.drain(..) {
            let Some(id) = mirror.id_of(&host) else {
                continue;
            };
            if mirror.scope(id).blocked() || mirror.sub_root(id).is_some() {
                continue;
            }
            let Some(root) = host.unchecked_ref::<Element>().shadow_root() else {
                continue;
            };
            let mut nodes = Vec::new();
            push_subtree(root.as_ref(), mirror, &mut nodes, &mut batch.state.form);
            if !nodes.is_empty() {
                batch.adds.push(SubtreeAdd {
                    before: None,
                    nodes,
                });
            }
        }
    }

    fn build_adds(
        &mut self,
        mirror: &mut Mirror,
        batch: &mut MutationBatch,
        sheets: &mut SheetChanges,
    ) {
        for node in self.added.drain(..) {
            if !node.is_connected() || mirror.id_of(&node).is_some() {
                continue;
            }
            let Some(parent) = capture_parent(&node) else {
                continue;
            };
            if mirror.id_of(&parent).is_none() {
                // Its parent is new too and will carry it, or is not captured at all.
                continue;
            }
            let before = next_captured_sibling(&node, mirror);
            let mut nodes = Vec::new();
            push_subtree(&node, mirror, &mut nodes, &mut batch.state.form);
            // A frame's document comes with stylesheets loaded before this stream listened
            // to it: their rules go with it, as a snapshot's do.
            for add in &nodes {
                let is_link = matches!(&add.data, NodeData::Element { tag, .. } if tag == "link");
                if let Some(link) = mirror.node(add.id).filter(|_| is_link) {
                    sheets.owner_changed(link.clone());
                }
            }
            if !nodes.is_empty() {
                batch.adds.push(SubtreeAdd { before, nodes });
            }
        }
    }
}

/// Whether captured element `el` would now get another scope than it was captured with.
fn rescoped(el: &Element, mirror: &Mirror) -> bool {
    let Some(id) = mirror.id_of(el) else {
        return false;
    };
    let Some(parent) = el.parent_node().and_then(|p| mirror.id_of(&p)) else {
        return false;
    };
    let now = element_scope(
        mirror.policy(),
        el,
        &el.local_name(),
        &Marks::of(el),
        mirror.scope(parent),
    );
    !now.same_treatment(mirror.scope(id))
}

fn next_captured_sibling(node: &Node, mirror: &Mirror) -> Option<NodeId> {
    let mut sibling = node.next_sibling();
    while let Some(s) = sibling {
        if let Some(id) = mirror.id_of(&s) {
            return Some(id);
        }
        sibling = s.next_sibling();
    }
    None
}
