//! Nodes of the rebuilt view: creating them from their descriptions (attributes checked
//! again, and checked alike when a batch changes them; stylesheet links as stand-ins or
//! through the proxy), the document's compat mode and `<base>`, and forgetting the ids of
//! removed subtrees.

use std::collections::HashSet;

use shared_protocol::page::NodeId;
use shared_protocol::page::{Namespace, NodeAdd, NodeData};
use shared_protocol::safety::{is_inert_in_view, is_unsafe_attribute};
use wasm_bindgen::JsCast;
use web_sys::{Element, Node};

use super::{dom, is_head, RebuildError, Rebuilder};

impl Rebuilder {
    /// A document's standards or quirks mode is fixed when it is parsed, and it changes layout
    /// (margins at the top of the body, tables not inheriting fonts and line heights): the view
    /// is re-opened and parsed from the customer's doctype, or from none for a quirks-mode page.
    /// `nodes` are the snapshot's, leading parts included: a snapshot taken in slices has its
    /// doctype in the first part, not in the `Snapshot` that completes it.
    pub(super) fn match_compat_mode<'a>(&self, mut nodes: impl Iterator<Item = &'a NodeAdd>) {
        let standards = nodes.any(|n| {
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

    /// Creates `nodes` (parents before children, in document order) and places them: the
    /// first before `before`, every other one appended to its parent. An element placed in
    /// the document is built off it first, with everything below it, and placed once complete
    /// (one insertion into the live document instead of one per node). Not the `<html>` and
    /// `<head>` that hold the view's `<base>`: an address set on a detached element resolves
    /// against the document's base at once in some engines. A frame's document needs its
    /// frame in the view: the subtree built so far goes in first.
    pub(super) fn build<'a>(
        &mut self,
        nodes: impl IntoIterator<Item = &'a NodeAdd>,
        before: Option<&Node>,
    ) -> Result<(), RebuildError> {
        // The subtree being built off the document (its root, where that goes) and its ids.
        let mut off = None;
        let mut inside = HashSet::new();
        for (i, add) in nodes.into_iter().enumerate() {
            let at = if i == 0 { before } else { None };
            let into_off =
                inside.contains(&add.parent) && !matches!(add.data, NodeData::Document { .. });
            if !into_off {
                if let Some((root, node, at)) = off.take() {
                    self.place(root, &node, at)?;
                    inside.clear();
                }
            }
            let node = self.create(add)?;
            if into_off {
                self.place(add, &node, None)?;
                inside.insert(add.id);
            } else if is_built_off(&add.data) {
                inside.insert(add.id);
                off = Some((add, node, at));
            } else {
                self.place(add, &node, at)?;
            }
        }
        if let Some((root, node, at)) = off {
            self.place(root, &node, at)?;
        }
        Ok(())
    }

    pub(super) fn create(&mut self, add: &NodeAdd) -> Result<Node, RebuildError> {
        // In the document it is placed in: a frame's elements are that frame's own.
        let frame_doc = self.frame_docs.get(&add.parent).cloned();
        let in_view = frame_doc.is_none();
        let doc = frame_doc.unwrap_or_else(|| self.doc.clone());
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
                        let el = self.sheets.stand_in(&doc, &safe, &rules)?;
                        self.remember(add.id, el.clone().into());
                        return Ok(el.into());
                    }
                }
                if *ns == Namespace::Html {
                    super::custom_elements::define_in(&doc, tag);
                }
                let el = doc.create_element_ns(Some(ns.uri()), tag).map_err(dom)?;
                // An element that redirects, re-bases or scripts the view stays, inert: without
                // attributes (the view's own `<base>` is added separately).
                let lookup = |n: &str| {
                    attrs
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(n))
                        .map(|(_, v)| v.clone())
                };
                let inert = is_inert_in_view(tag, lookup);
                for (name, value) in attrs.iter().filter(|_| !inert) {
                    if is_safe_attribute(name, value) {
                        let _ = el.set_attribute(name, value);
                        if *ns == Namespace::Html && in_view {
                            self.canvas_sizes.note(&el, name, value);
                        }
                    }
                }
                // Once `rel` is set too, whatever order the attributes came in (a detached
                // link fetches nothing yet).
                if attrs.iter().any(|(n, _)| n.eq_ignore_ascii_case("href")) {
                    if let Some(href) = el.get_attribute("href") {
                        let _ = el.set_attribute("href", &self.view_attribute(&el, "href", &href));
                    }
                }
                if tag.eq_ignore_ascii_case("style") {
                    self.styles.insert(add.id);
                }
                if matches!(tag.as_str(), "iframe" | "frame") && *ns == Namespace::Html {
                    self.check_frame_source(add.id, &el);
                }
                el.into()
            }
            // A stylesheet's text is CSS the view rewrites.
            NodeData::Text(text) if self.styles.contains(&add.parent) => {
                let parent = self.nodes.get(&add.parent);
                doc.create_text_node(&self.text_in(parent, text)).into()
            }
            NodeData::Text(text) => doc.create_text_node(text).into(),
            NodeData::Comment(text) => doc.create_comment(text).into(),
            NodeData::Document {
                base_url,
                standards,
            } => self.frame_document(add.id, add.parent, base_url, *standards)?,
            NodeData::ShadowRoot => self.shadow_root(add.parent)?,
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
        if let NodeData::Document { .. } = add.data {
            self.frame_docs
                .insert(add.id, node.clone().unchecked_into());
        } else if !in_view {
            self.frame_docs.insert(add.id, doc);
        }
        self.remember(add.id, node.clone());
        Ok(node)
    }

    /// One attribute change of a batch on view element `el` (id `id`), under the rules
    /// [`Self::create`] applies: an element the change would make inert loses every attribute
    /// (as it would have been created), an unsafe value removes the attribute, and a frame's new
    /// address is checked against the allowed origins.
    pub(super) fn change_attribute(
        &mut self,
        id: NodeId,
        el: &Element,
        name: &str,
        value: Option<&str>,
    ) {
        let tag = el.local_name();
        let after = |n: &str| {
            if n.eq_ignore_ascii_case(name) {
                value.map(str::to_string)
            } else {
                el.get_attribute(n)
            }
        };
        if is_inert_in_view(&tag, after) {
            for attr in el.get_attribute_names().iter() {
                if let Some(n) = attr.as_string() {
                    let _ = el.remove_attribute(&n);
                }
            }
            return;
        }
        match value {
            Some(v) if is_safe_attribute(name, v) => {
                let v = self.view_attribute(el, name, v);
                // An invalid name from the page is skipped, not fatal.
                let _ = el.set_attribute(name, &v);
                if el.owner_document().as_ref() == Some(&self.doc) {
                    self.canvas_sizes.note(el, name, &v);
                }
            }
            _ => {
                let _ = el.remove_attribute(name);
            }
        }
        if name.eq_ignore_ascii_case("src")
            && matches!(tag.as_str(), "iframe" | "frame")
            && el.namespace_uri().as_deref() == Some(Namespace::Html.uri())
        {
            self.check_frame_source(id, el);
        }
    }

    /// Places created node `node` (of `add`) under its parent, before `before`: a frame's
    /// document and a shadow root are in place already. A `<head>` gets the view's `<base>`
    /// at once: browsers resolve and fetch a URL when its element is inserted, not when the
    /// base changes.
    pub(super) fn place(
        &mut self,
        add: &NodeAdd,
        node: &Node,
        before: Option<&Node>,
    ) -> Result<(), RebuildError> {
        if matches!(add.data, NodeData::Document { .. } | NodeData::ShadowRoot) {
            return Ok(());
        }
        self.parent(add.parent)?
            .insert_before(node, before)
            .map_err(dom)?;
        if is_head(&add.data) {
            if let Some(url) = self.base_for(node) {
                self.add_base(node, &url)?;
            }
        }
        Ok(())
    }

    /// Relative URLs in the page (stylesheets, images) resolve against the customer's URL.
    pub(super) fn add_base(&self, head: &Node, url: &str) -> Result<(), RebuildError> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Ok(());
        }
        // In the head's own document: a frame's head is not the view's.
        let doc = head.owner_document().unwrap_or_else(|| self.doc.clone());
        let base = doc.create_element("base").map_err(dom)?;
        base.set_attribute("href", url).map_err(dom)?;
        head.append_child(&base).map_err(dom)?;
        Ok(())
    }
}

/// Defence in depth: the customer module already drops these, and the iframe runs no scripts.
pub(super) fn is_safe_attribute(name: &str, value: &str) -> bool {
    !is_unsafe_attribute(name, value) && !is_page_object_url(name, value)
}

/// A `blob:` address is an object of the customer's page: the agent's browser cannot load it,
/// and trying shows a broken image or an error box where the page shows its content.
fn is_page_object_url(name: &str, value: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "src" | "poster" | "href" | "srcset"
    ) && value
        .trim_start()
        .get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case("blob:"))
}

/// An element whose subtree is built before it is placed (see [`Rebuilder::build`]).
fn is_built_off(data: &NodeData) -> bool {
    match data {
        NodeData::Element { tag, ns, .. } => {
            !(*ns == Namespace::Html && matches!(tag.as_str(), "html" | "head"))
        }
        _ => false,
    }
}
