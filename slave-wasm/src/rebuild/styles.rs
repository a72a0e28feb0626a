//! Stylesheets in the rebuilt view: the sheets of `<style>` and `<link>` elements (a link
//! whose rules the customer sent becomes a stand-in), stylesheet links through the relay's
//! proxy, and `<style>` text with its fonts proxied. The bodies live in [`ViewSheets`].

use shared_protocol::page::SheetUse;
use wasm_bindgen::JsCast;
use web_sys::{Element, Node};

use super::{dom, RebuildError, Rebuilder};
use crate::view_sheets::ViewSheets;

impl Rebuilder {
    /// Shows the sheets of `<style>` and `<link>` elements; a `<link>` that has its rules now
    /// (it loaded after the snapshot) becomes a stand-in. Every known sheet is shown; the
    /// first unknown one is the error.
    pub(super) fn apply_styles(&mut self, uses: &[SheetUse]) -> Result<(), RebuildError> {
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
    pub(super) fn text_in<'a>(
        &self,
        parent: Option<&Node>,
        text: &'a str,
    ) -> std::borrow::Cow<'a, str> {
        match parent {
            Some(p) if p.node_name().eq_ignore_ascii_case("style") => {
                if shared_protocol::safety::is_unsafe_css(text) {
                    return std::borrow::Cow::Borrowed("");
                }
                self.sheets.view_css(text, self.base_of(p.owner_document()))
            }
            _ => std::borrow::Cow::Borrowed(text),
        }
    }

    /// What the view sets for an attribute of the page: a stylesheet `<link>`'s address goes
    /// through the relay's CSS proxy; a stand-in keeps its address aside.
    pub(super) fn view_attribute(&self, el: &Element, name: &str, value: &str) -> String {
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
            .link_href(value, self.base_of(el.owner_document()))
            .unwrap_or_else(|| value.to_string())
    }
}
