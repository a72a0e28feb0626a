//! Rebuilds the customer's document inside the viewer iframe from a snapshot, then keeps it in
//! step with mutation batches. Any id it does not know, or a batch of another epoch, is an error:
//! the console then asks for a resync instead of drifting.

use std::collections::HashMap;

use shared_protocol::page::{
    FormValue, MutationBatch, Namespace, NodeAdd, NodeData, NodeId, ScrollPos, SheetHash, SheetUse,
    Snapshot, SubtreeAdd, DOCUMENT,
};
use shared_protocol::safety::is_unsafe_attribute;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement, Node};

use crate::view_sheets::ViewSheets;
use crate::view_states::StateMarks;

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
}

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
    marks: StateMarks,
    pub sheets: ViewSheets,
    /// Sheets of the message being applied, by the element that shows them: a `<link>` with
    /// one is created as a stand-in straight away.
    incoming: HashMap<NodeId, SheetHash>,
    /// The state twins of the page's rules.
    state_style: Option<Element>,
}

impl Rebuilder {
    pub fn new(doc: Document, sheets: ViewSheets) -> Self {
        Self {
            doc,
            nodes: HashMap::new(),
            ids: js_sys::Map::new(),
            epoch: None,
            page_url: String::new(),
            marks: StateMarks::default(),
            sheets,
            incoming: HashMap::new(),
            state_style: None,
        }
    }

    pub fn doc(&self) -> &Document {
        &self.doc
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
        self.marks.forget();
        self.sheets.reset_adopted();
        self.page_url = snap.url.clone();
        self.sheets.learn(&snap.sheets, &self.page_url);
        self.incoming = snap.styles.iter().map(|u| (u.id, u.sheet)).collect();
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
        // Everything else is shown even when a sheet is missing; the error then asks for it.
        let sheets = self.apply_styles(&snap.styles);
        let adopted = self.sheets.apply_adopted(&self.doc, &snap.adopted);
        self.state_style = None;
        if let Some(head) = self.doc.head() {
            let style = self.doc.create_element("style").map_err(dom)?;
            // The view's own, as the customer's page marks its twin sheet.
            let _ = style.set_attribute("data-cobrowse-own", "");
            style.set_text_content(Some(&snap.state_css));
            head.append_child(&style).map_err(dom)?;
            self.state_style = Some(style);
        }
        self.apply_scrolls(&snap.scrolls);
        self.apply_focus(snap.focus);
        sheets.and(adopted)
    }

    /// Shows the customer's focus, as `:focus` and `:focus-within` apply.
    pub fn apply_focus(&mut self, focus: Option<NodeId>) {
        self.marks.focus(focus.and_then(|id| self.nodes.get(&id)));
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
        self.marks.hover_at(&self.doc, x, y, gone);
    }

    pub fn apply_batch(&mut self, batch: &MutationBatch) -> Result<(), RebuildError> {
        let showing = self.epoch.ok_or(RebuildError::NoSnapshot)?;
        if batch.epoch != showing {
            return Err(RebuildError::WrongEpoch {
                got: batch.epoch,
                showing,
            });
        }
        self.sheets.learn(&batch.sheets, &self.page_url);
        self.incoming = batch.styles.iter().map(|u| (u.id, u.sheet)).collect();
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
                    let v = self.view_attribute(&el, &change.name, v);
                    // An invalid name from the page is skipped, not fatal.
                    let _ = el.set_attribute(&change.name, &v);
                }
                _ => {
                    let _ = el.remove_attribute(&change.name);
                }
            }
        }
        for change in &batch.texts {
            let node = self.node(change.id)?;
            let text = self.text_in(node.parent_node().as_ref(), &change.text);
            node.set_node_value(Some(&text));
        }
        batch.form.iter().try_for_each(|f| self.apply_form(f))?;
        self.apply_scrolls(&batch.scrolls);
        let sheets = self.apply_styles(&batch.styles);
        let adopted = if batch.adopted.is_empty() {
            Ok(())
        } else {
            self.sheets.apply_adopted(&self.doc, &batch.adopted)
        };
        if let (Some(css), Some(style)) = (&batch.state_css, &self.state_style) {
            style.set_text_content(Some(css));
        }
        if let Some(focus) = batch.focus {
            self.apply_focus(focus);
        }
        if let Some(active) = batch.active {
            self.marks.press(active.and_then(|id| self.nodes.get(&id)));
        }
        // Ids of nodes that left with a removed subtree are forgotten; a node moved out of it
        // before the batch was removed on its own and is still attached elsewhere.
        for root in removed {
            self.forget_detached(&root);
        }
        sheets.and(adopted)
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
                let sheet = self.incoming.get(&add.id).copied();
                if let (Some(hash), "link", Namespace::Html) = (sheet, tag.as_str(), ns) {
                    // A readable stylesheet: its rules in place of the link (nothing fetched).
                    if let Ok(rules) = self.sheets.rules(hash) {
                        let safe: Vec<_> = attrs
                            .iter()
                            .filter(|(n, v)| is_safe_attribute(n, v))
                            .cloned()
                            .collect();
                        let el = self.sheets.stand_in(&self.doc, &safe, &rules)?;
                        self.remember(add.id, el.clone().into());
                        return Ok(el.into());
                    }
                }
                let el = self
                    .doc
                    .create_element_ns(Some(ns.uri()), tag)
                    .map_err(dom)?;
                for (name, value) in attrs {
                    if is_safe_attribute(name, value) {
                        let _ = el.set_attribute(name, value);
                    }
                }
                // Once `rel` is set too, whatever order the attributes came in (a detached
                // link fetches nothing yet).
                if let Some(href) = el.get_attribute("href") {
                    let _ = el.set_attribute("href", &self.view_attribute(&el, "href", &href));
                }
                el.into()
            }
            NodeData::Text(text) => {
                let parent = self.nodes.get(&add.parent);
                self.doc
                    .create_text_node(&self.text_in(parent, text))
                    .into()
            }
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
                // Only when it differs: setting a checkbox's value writes its attribute.
                if input.value() != f.value {
                    input.set_value(&f.value);
                }
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

    /// Shows the sheets of `<style>` and `<link>` elements; a `<link>` that has its rules now
    /// (it loaded after the snapshot) becomes a stand-in. Every known sheet is shown; the
    /// first unknown one is the error.
    fn apply_styles(&mut self, uses: &[SheetUse]) -> Result<(), RebuildError> {
        let mut result = Ok(());
        for use_ in uses {
            let Some(node) = self.nodes.get(&use_.id).cloned() else {
                continue;
            };
            let rules = match self.sheets.rules(use_.sheet) {
                Ok(rules) => rules,
                Err(e) => {
                    result = result.and(Err(e));
                    continue;
                }
            };
            if node.node_name().eq_ignore_ascii_case("link") {
                let link: &Element = node.unchecked_ref();
                let attrs: Vec<(String, String)> = link
                    .get_attribute_names()
                    .iter()
                    .filter_map(|n| {
                        let n = n.as_string()?;
                        let v = link.get_attribute(&n)?;
                        Some((n, v))
                    })
                    .collect();
                let stand_in = self.sheets.stand_in(&self.doc, &attrs, &rules)?;
                if let Some(parent) = node.parent_node() {
                    parent.replace_child(&stand_in, &node).map_err(dom)?;
                }
                self.ids.delete(&node);
                self.remember(use_.id, stand_in.into());
            } else {
                ViewSheets::show(&node, &rules);
            }
        }
        result
    }

    /// A text as the view shows it under `parent`: a `<style>`'s with its fonts proxied.
    fn text_in<'a>(&self, parent: Option<&Node>, text: &'a str) -> std::borrow::Cow<'a, str> {
        match parent {
            Some(p) if p.node_name().eq_ignore_ascii_case("style") => {
                self.sheets.view_css(text, &self.page_url)
            }
            _ => std::borrow::Cow::Borrowed(text),
        }
    }

    /// What the view sets for an attribute of the page: a stylesheet `<link>`'s address goes
    /// through the relay's CSS proxy; a stand-in keeps its address aside.
    fn view_attribute(&self, el: &Element, name: &str, value: &str) -> String {
        if !name.eq_ignore_ascii_case("href") || !el.local_name().eq_ignore_ascii_case("link") {
            return value.to_string();
        }
        let rel = el
            .get_attribute("rel")
            .unwrap_or_default()
            .to_ascii_lowercase();
        if !rel.split_ascii_whitespace().any(|r| r == "stylesheet") {
            return value.to_string();
        }
        self.sheets
            .link_href(value, &self.page_url)
            .unwrap_or_else(|| value.to_string())
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
