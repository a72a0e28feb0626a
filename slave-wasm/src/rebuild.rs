//! Rebuilds the customer's document inside the viewer iframe from a snapshot, then keeps it in
//! step with mutation batches. Any id it does not know, or a batch of another epoch, is an error:
//! the console then asks for a resync instead of drifting.

use std::collections::HashMap;

use shared_protocol::page::{
    FormValue, MutationBatch, Namespace, NodeAdd, NodeData, NodeId, ScrollPos, Snapshot,
    StyleRules, SubtreeAdd, DOCUMENT,
};
use shared_protocol::safety::is_unsafe_attribute;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement, Node};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RebuildError {
    #[error("unknown node id {0}")]
    UnknownNode(NodeId),
    #[error("batch of epoch {got} while showing epoch {showing}")]
    WrongEpoch { got: u32, showing: u32 },
    #[error("no snapshot yet")]
    NoSnapshot,
    #[error("the browser refused a change: {0}")]
    Dom(String),
}

fn dom(e: JsValue) -> RebuildError {
    RebuildError::Dom(e.as_string().unwrap_or_else(|| format!("{e:?}")))
}

pub struct Rebuilder {
    doc: Document,
    nodes: HashMap<NodeId, Node>,
    // Node → id, for forgetting removed subtrees (DOM nodes cannot be hashed in Rust).
    ids: js_sys::Map,
    epoch: Option<u32>,
    /// Elements marked as hovered under the customer's pointer.
    hovered: Vec<Element>,
    /// Elements marked for the customer's focus (the focused one and its ancestors).
    focused: Vec<Element>,
}

/// Set on the elements under the customer's pointer; the page's `:hover` rules have twins for
/// it (from the snapshot).
const HOVER_ATTR: &str = "data-cobrowse-hover";
const FOCUS_ATTR: &str = "data-cobrowse-focus";
const FOCUS_WITHIN_ATTR: &str = "data-cobrowse-focus-within";

impl Rebuilder {
    pub fn new(doc: Document) -> Self {
        Self {
            doc,
            nodes: HashMap::new(),
            ids: js_sys::Map::new(),
            epoch: None,
            hovered: Vec::new(),
            focused: Vec::new(),
        }
    }

    /// Replaces whatever is shown with `snap`.
    pub fn apply_snapshot(&mut self, snap: &Snapshot) -> Result<(), RebuildError> {
        self.match_compat_mode(snap);
        let root: &Node = self.doc.as_ref();
        while let Some(child) = root.first_child() {
            root.remove_child(&child).map_err(dom)?;
        }
        self.nodes.clear();
        self.ids.clear();
        self.hovered.clear();
        self.focused.clear();
        self.remember(DOCUMENT, root.clone());
        self.epoch = Some(snap.epoch);
        let mut base_added = false;
        for add in &snap.nodes {
            let node = self.create(add)?;
            self.parent(add.parent)?.append_child(&node).map_err(dom)?;
            // The base must be in place before any <link> or <img> is inserted: browsers
            // resolve and fetch a URL when its element is inserted, not when the base changes.
            if !base_added && is_head(&add.data) {
                self.add_base(&node, &snap.url)?;
                base_added = true;
            }
        }
        snap.form.iter().try_for_each(|f| self.apply_form(f))?;
        self.apply_styles(&snap.styles);
        if let (Some(head), false) = (self.doc.head(), snap.state_css.is_empty()) {
            let style = self.doc.create_element("style").map_err(dom)?;
            style.set_text_content(Some(&snap.state_css));
            head.append_child(&style).map_err(dom)?;
        }
        self.apply_scrolls(&snap.scrolls);
        self.apply_focus(snap.focus);
        Ok(())
    }

    /// Shows the customer's focus: the marker on the focused element, and the focus-within
    /// marker on it and its ancestors, as `:focus` and `:focus-within` apply.
    pub fn apply_focus(&mut self, focus: Option<NodeId>) {
        for el in self.focused.drain(..) {
            let _ = el.remove_attribute(FOCUS_ATTR);
            let _ = el.remove_attribute(FOCUS_WITHIN_ATTR);
        }
        let Some(node) = focus.and_then(|id| self.nodes.get(&id)) else {
            return;
        };
        if node.node_type() != Node::ELEMENT_NODE {
            return;
        }
        let el: Element = node.clone().unchecked_into();
        let _ = el.set_attribute(FOCUS_ATTR, "");
        let mut next = Some(el);
        while let Some(e) = next {
            let _ = e.set_attribute(FOCUS_WITHIN_ATTR, "");
            next = e.parent_element();
            self.focused.push(e);
        }
    }

    /// A document's standards or quirks mode is fixed when it is parsed, and it changes layout
    /// (margins at the top of the body, table cell heights): the view is re-opened and parsed
    /// from the customer's doctype, or from none for a quirks-mode page.
    fn match_compat_mode(&self, snap: &Snapshot) {
        let standards = snap.nodes.iter().any(|n| {
            matches!(&n.data, NodeData::Doctype { name, public_id, .. }
                if name.eq_ignore_ascii_case("html") && public_id.is_empty())
        });
        let wanted = if standards {
            "CSS1Compat"
        } else {
            "BackCompat"
        };
        if self.doc.compat_mode() == wanted {
            return;
        }
        // `open`/`write` are HTMLDocument methods; the view's document is one (another realm).
        let html: &web_sys::HtmlDocument = self.doc.unchecked_ref();
        if html.open().is_ok() {
            let _ = html.write_1(if standards { "<!DOCTYPE html>" } else { "" });
            let _ = html.close();
        }
    }

    /// Shows the hover state under the customer's pointer (its viewport coordinates): the
    /// element there and its ancestors get the marker, as `:hover` itself would apply.
    pub fn hover_at(&mut self, x: i32, y: i32, gone: bool) {
        let mut chain = Vec::new();
        if !gone {
            let mut next = self.doc.element_from_point(x as f32, y as f32);
            while let Some(el) = next {
                next = el.parent_element();
                chain.push(el);
            }
        }
        for old in &self.hovered {
            if !chain.contains(old) {
                let _ = old.remove_attribute(HOVER_ATTR);
            }
        }
        for el in &chain {
            let _ = el.set_attribute(HOVER_ATTR, "");
        }
        self.hovered = chain;
    }

    pub fn apply_batch(&mut self, batch: &MutationBatch) -> Result<(), RebuildError> {
        let showing = self.epoch.ok_or(RebuildError::NoSnapshot)?;
        if batch.epoch != showing {
            return Err(RebuildError::WrongEpoch {
                got: batch.epoch,
                showing,
            });
        }
        let mut removed = Vec::new();
        for id in &batch.removes {
            let node = self
                .nodes
                .remove(id)
                .ok_or(RebuildError::UnknownNode(*id))?;
            self.ids.delete(&node);
            if let Some(parent) = node.parent_node() {
                parent.remove_child(&node).map_err(dom)?;
            }
            removed.push(node);
        }
        for add in &batch.adds {
            self.apply_add(add)?;
        }
        for change in &batch.attrs {
            let el: Element = self.node(change.id)?.clone().unchecked_into();
            match &change.value {
                Some(v) if is_safe_attribute(&change.name, v) => {
                    // An invalid name from the page is skipped, not fatal.
                    let _ = el.set_attribute(&change.name, v);
                }
                _ => {
                    let _ = el.remove_attribute(&change.name);
                }
            }
        }
        for change in &batch.texts {
            self.node(change.id)?.set_node_value(Some(&change.text));
        }
        batch.form.iter().try_for_each(|f| self.apply_form(f))?;
        self.apply_scrolls(&batch.scrolls);
        self.apply_styles(&batch.styles);
        if let Some(focus) = batch.focus {
            self.apply_focus(focus);
        }
        // Ids of nodes that left with a removed subtree are forgotten; a node moved out of it
        // before the batch was removed on its own and is still attached elsewhere.
        for root in removed {
            self.forget_detached(&root);
        }
        Ok(())
    }

    fn apply_add(&mut self, add: &SubtreeAdd) -> Result<(), RebuildError> {
        let Some((first, rest)) = add.nodes.split_first() else {
            return Ok(());
        };
        let parent = self.parent(first.parent)?.clone();
        let before = add.before.map(|id| self.node(id).cloned()).transpose()?;
        let node = self.create(first)?;
        parent.insert_before(&node, before.as_ref()).map_err(dom)?;
        for n in rest {
            let node = self.create(n)?;
            self.parent(n.parent)?.append_child(&node).map_err(dom)?;
        }
        Ok(())
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

    fn create(&mut self, add: &NodeAdd) -> Result<Node, RebuildError> {
        let node: Node = match &add.data {
            NodeData::Element { tag, ns, attrs } => {
                let el = self
                    .doc
                    .create_element_ns(Some(ns.uri()), tag)
                    .map_err(dom)?;
                for (name, value) in attrs {
                    if is_safe_attribute(name, value) {
                        let _ = el.set_attribute(name, value);
                    }
                }
                el.into()
            }
            NodeData::Text(text) => self.doc.create_text_node(text).into(),
            NodeData::Comment(text) => self.doc.create_comment(text).into(),
            NodeData::Doctype {
                name,
                public_id,
                system_id,
            } => self
                .doc
                .implementation()
                .map_err(dom)?
                .create_document_type(name, public_id, system_id)
                .map_err(dom)?
                .into(),
        };
        self.remember(add.id, node.clone());
        Ok(node)
    }

    /// Relative URLs in the page (stylesheets, images) resolve against the customer's URL.
    fn add_base(&self, head: &Node, url: &str) -> Result<(), RebuildError> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Ok(());
        }
        let base = self.doc.create_element("base").map_err(dom)?;
        base.set_attribute("href", url).map_err(dom)?;
        head.append_child(&base).map_err(dom)?;
        Ok(())
    }

    fn apply_form(&self, f: &FormValue) -> Result<(), RebuildError> {
        let node = self.node(f.id)?;
        // By tag name, not `instanceof`: these nodes belong to the iframe's realm, whose
        // constructors differ from the console's.
        match node.node_name().to_ascii_lowercase().as_str() {
            "input" => {
                let input: &HtmlInputElement = node.unchecked_ref();
                input.set_value(&f.value);
                input.set_checked(f.checked);
            }
            "textarea" => node
                .unchecked_ref::<HtmlTextAreaElement>()
                .set_value(&f.value),
            "select" => node
                .unchecked_ref::<HtmlSelectElement>()
                .set_value(&f.value),
            _ => {}
        }
        Ok(())
    }

    /// Puts each `<style>`'s rules in place through the view's CSSOM (its text nodes, and their
    /// ids, stay as they are). A rule this browser does not take is skipped.
    pub fn apply_styles(&self, styles: &[StyleRules]) {
        for style in styles {
            let Some(node) = self.nodes.get(&style.id) else {
                continue;
            };
            let Ok(sheet) = js_sys::Reflect::get(node, &"sheet".into()) else {
                continue;
            };
            if sheet.is_null() || sheet.is_undefined() {
                continue;
            }
            // The sheet belongs to the view's realm: no `instanceof` checks.
            let sheet: web_sys::CssStyleSheet = sheet.unchecked_into();
            while sheet.css_rules().map(|r| r.length()).unwrap_or(0) > 0 {
                if sheet.delete_rule(0).is_err() {
                    break;
                }
            }
            let mut index = 0;
            for rule in &style.rules {
                if sheet.insert_rule_with_index(rule, index).is_ok() {
                    index += 1;
                }
            }
        }
    }

    /// Scrolls the view's window ([`DOCUMENT`]) and elements. Positions of nodes it does not
    /// know (an ephemeral frame racing a removal) are skipped: scrolling changes no structure.
    pub fn apply_scrolls(&self, scrolls: &[ScrollPos]) {
        for pos in scrolls {
            if pos.id == DOCUMENT {
                if let Some(w) = self.doc.default_view() {
                    w.scroll_to_with_x_and_y(pos.x as f64, pos.y as f64);
                }
            } else if let Some(node) = self.nodes.get(&pos.id) {
                // By node type, not `instanceof`: these nodes belong to the iframe's realm.
                if node.node_type() == Node::ELEMENT_NODE {
                    let el: &Element = node.unchecked_ref();
                    el.set_scroll_left(pos.x);
                    el.set_scroll_top(pos.y);
                }
            }
        }
    }

    fn forget_detached(&mut self, root: &Node) {
        if root.is_connected() {
            return;
        }
        let mut stack = vec![root.clone()];
        while let Some(node) = stack.pop() {
            let mut child = node.first_child();
            while let Some(c) = child {
                child = c.next_sibling();
                if let Some(id) = self.ids.get(&c).as_f64() {
                    self.nodes.remove(&(id as NodeId));
                    self.ids.delete(&c);
                }
                stack.push(c);
            }
        }
    }

    /// How many nodes are tracked (for tests and diagnostics).
    pub fn tracked(&self) -> usize {
        self.nodes.len()
    }
}

fn is_head(data: &NodeData) -> bool {
    matches!(data, NodeData::Element { tag, ns: Namespace::Html, .. } if tag == "head")
}

/// Defence in depth: the customer module already drops these, and the iframe runs no scripts.
fn is_safe_attribute(name: &str, value: &str) -> bool {
    !is_unsafe_attribute(name, value)
}
