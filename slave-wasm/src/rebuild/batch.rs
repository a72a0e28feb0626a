//! Applying a mutation batch to the view: removals (a frame's document or a shadow root is
//! emptied in place, ids below a removed node forgotten), subtree adds, attribute and text
//! changes, then the rest of the page's state ([`super::state`]), in the order the customer
//! built them.

use shared_protocol::page::{MutationBatch, SubtreeAdd};
use wasm_bindgen::JsCast;
use web_sys::{Element, Node};

use super::{dom, RebuildError, Rebuilder};

impl Rebuilder {
    pub fn apply_batch(&mut self, batch: &MutationBatch) -> Result<(), RebuildError> {
        let showing = self.epoch.ok_or(RebuildError::NoSnapshot)?;
        if batch.epoch != showing {
            return Err(RebuildError::WrongEpoch {
                got: batch.epoch,
                showing,
            });
        }
        self.expect_sheets(&batch.state);
        let mut removed = Vec::new();
        for id in &batch.removes {
            let node = self
                .nodes
                .get(id)
                .cloned()
                .ok_or(RebuildError::UnknownNode(*id))?;
            match node.node_type() {
                // A frame's document or a shadow root stays where it is, emptied.
                Node::DOCUMENT_NODE | Node::DOCUMENT_FRAGMENT_NODE => self.clear_root(&node)?,
                _ => {
                    if let Some(parent) = node.parent_node() {
                        parent.remove_child(&node).map_err(dom)?;
                    }
                }
            }
            removed.push(node);
        }
        // Ids of nodes that left with a removed subtree are forgotten; a node moved out of it
        // before the batch was removed on its own.
        for root in removed {
            self.forget_tree(&root);
        }
        for add in &batch.adds {
            self.apply_add(add)?;
        }
        for change in &batch.attrs {
            let el: Element = self.node(change.id)?.clone().unchecked_into();
            self.change_attribute(change.id, &el, &change.name, change.value.as_deref());
            if change.name.eq_ignore_ascii_case("style") {
                self.restyled(change.id);
            }
        }
        // Frames added, and frames pointed elsewhere, that the console does not allow.
        self.label_frames();
        for change in &batch.texts {
            let node = self.node(change.id)?;
            let text = self.text_in(node.parent_node().as_ref(), &change.text);
            node.set_node_value(Some(&text));
        }
        self.apply_state(&batch.state)
    }

    fn apply_add(&mut self, add: &SubtreeAdd) -> Result<(), RebuildError> {
        let Some(first) = add.nodes.first() else {
            return Ok(());
        };
        self.parent(first.parent)?;
        let before = add.before.map(|id| self.node(id).cloned()).transpose()?;
        self.build(add.nodes.iter(), before.as_ref())
    }
}
