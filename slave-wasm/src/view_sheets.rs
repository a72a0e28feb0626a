//! Stylesheets in the agent's view. The customer sends each sheet's rules once (named by hash
//! afterwards); this keeps them for the whole session (page loads of the customer included).
//!
//! - A `<link>` stylesheet the customer could read is shown as a `<style>` stand-in holding its
//!   rules, in the link's place, so the cascade order stays; the view fetches nothing.
//! - A `<link>` the customer could not read (cross-origin) loads through the relay's CSS proxy,
//!   which serves the domains in `allowed_external_domains` and sends the view to the sheet's
//!   own address for the rest.
//! - Font files (`@font-face`) load through the relay's font proxy: browsers fetch fonts with
//!   CORS, and the site does not grant it to the console's origin.
//! - Adopted sheets are constructed in the view's realm (a sheet may only be adopted by the
//!   document of the realm that built it); the operator's patch sheet (`css_patch_url`) is
//!   adopted last, so it wins over the page's rules.
//!
//! The view's nodes belong to the iframe's realm: no `instanceof` checks (`dyn_ref`) on them.

use std::borrow::Cow;
use std::collections::HashMap;
use std::rc::Rc;

use shared_css::{rewrite_urls, UrlKind};
use shared_protocol::page::{Adopted, NodeId, SheetBody, SheetHash, DOCUMENT};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, Node};

use crate::rebuild::RebuildError;

/// Marks a `<style>` that stands in for a `<link>` stylesheet.
pub const STAND_IN_ATTR: &str = "data-cobrowse-link";

#[derive(Default)]
pub struct ViewSheets {
    bodies: HashMap<SheetHash, Rc<Vec<String>>>,
    /// `<relay>/proxy/`, absolute (the view's `<base>` is the customer's page).
    proxy: Option<String>,
    patch: Option<String>,
    /// The document's adopted sheets, as the customer has them.
    adopted: Vec<SheetHash>,
}

impl ViewSheets {
    pub fn new(proxy: Option<String>, patch: Option<String>) -> Self {
        Self {
            proxy,
            patch,
            ..Self::default()
        }
    }

    /// Keeps sheet contents (of the page at `page_url`) for this and later messages.
    pub fn learn(&mut self, bodies: &[SheetBody], page_url: &str) {
        for body in bodies {
            if self.bodies.contains_key(&body.hash) {
                continue;
            }
            // Defence in depth: the customer module drops rules with script in them too.
            let rules = body
                .rules
                .iter()
                .filter(|r| !shared_protocol::safety::is_unsafe_css(r))
                .map(|r| self.view_css(r, page_url).into_owned())
                .collect();
            self.bodies.insert(body.hash, Rc::new(rules));
        }
    }

    /// `css` as the view needs it: font files through the relay's font proxy.
    pub fn view_css<'a>(&self, css: &'a str, page_url: &str) -> Cow<'a, str> {
        let Some(proxy) = &self.proxy else {
            return Cow::Borrowed(css);
        };
        if !css.contains("font-face") {
            return Cow::Borrowed(css);
        }
        Cow::Owned(rewrite_urls(css, |kind, url| {
            if kind != UrlKind::Font || url.starts_with("data:") {
                return None;
            }
            let absolute = web_sys::Url::new_with_base(url, page_url).ok()?.href();
            Some(format!(
                "{proxy}font?url={}",
                js_sys::encode_uri_component(&absolute)
            ))
        }))
    }

    pub fn rules(&self, hash: SheetHash) -> Result<Rc<Vec<String>>, RebuildError> {
        self.bodies
            .get(&hash)
            .cloned()
            .ok_or(RebuildError::UnknownSheet(hash))
    }

    /// The address a `<link>` with `href` loads in the view of the page at `page_url`.
    pub fn link_href(&self, href: &str, page_url: &str) -> Option<String> {
        let absolute = web_sys::Url::new_with_base(href, page_url).ok()?.href();
        if !(absolute.starts_with("http://") || absolute.starts_with("https://")) {
            return None;
        }
        let proxy = self.proxy.as_ref()?;
        Some(format!(
            "{proxy}css?url={}",
            js_sys::encode_uri_component(&absolute)
        ))
    }

    /// A `<style>` holding `rules`, with `link`'s attributes (its `href` renamed, so nothing
    /// is fetched), to take the link's place.
    pub fn stand_in(
        &self,
        doc: &Document,
        attrs: &[(String, String)],
        rules: &[String],
    ) -> Result<Element, RebuildError> {
        let style = doc.create_element("style").map_err(crate::rebuild::dom)?;
        for (name, value) in attrs {
            let name = if name.eq_ignore_ascii_case("href") {
                STAND_IN_ATTR
            } else {
                name.as_str()
            };
            let _ = style.set_attribute(name, value);
        }
        if !style.has_attribute(STAND_IN_ATTR) {
            let _ = style.set_attribute(STAND_IN_ATTR, "");
        }
        style.set_text_content(Some(&rules.join("\n")));
        Ok(style)
    }

    /// Shows `rules` in a `<style>`: the text of a stand-in; the CSSOM of the page's own
    /// `<style>` (its text nodes, and their ids, stay). A rule this browser refuses is skipped.
    pub fn show(node: &Node, rules: &[String]) {
        let el: &Element = node.unchecked_ref();
        if el.has_attribute(STAND_IN_ATTR) {
            node.set_text_content(Some(&rules.join("\n")));
            return;
        }
        let Ok(sheet) = js_sys::Reflect::get(node, &"sheet".into()) else {
            return;
        };
        if sheet.is_null() || sheet.is_undefined() {
            return;
        }
        let sheet: web_sys::CssStyleSheet = sheet.unchecked_into();
        while sheet.css_rules().map(|r| r.length()).unwrap_or(0) > 0 {
            if sheet.delete_rule(0).is_err() {
                break;
            }
        }
        let mut index = 0;
        for rule in rules {
            if sheet.insert_rule_with_index(rule, index).is_ok() {
                index += 1;
            }
        }
    }

    pub fn has_patch(&self) -> bool {
        self.patch.is_some()
    }

    /// The operator's patch arrived (after the view was built).
    pub fn set_patch(&mut self, doc: &Document, patch: String) {
        self.patch = Some(patch);
        let _ = self.refresh_adopted(doc);
    }

    /// The customer's adopted sheets changed: the document's, or those of a frame's document
    /// or a shadow root (`root_of` finds the view's).
    pub fn apply_adopted(
        &mut self,
        doc: &Document,
        adopted: &[Adopted],
        root_of: impl Fn(NodeId) -> Option<Node>,
    ) -> Result<(), RebuildError> {
        let mut result = Ok(());
        for a in adopted {
            if a.id == DOCUMENT {
                self.adopted = a.sheets.clone();
                result = result.and(self.refresh_adopted(doc));
            } else if let Some(root) = root_of(a.id) {
                let window = match root.node_type() {
                    Node::DOCUMENT_NODE => root.unchecked_ref::<Document>().default_view(),
                    _ => root.owner_document().and_then(|d| d.default_view()),
                };
                if let Some(window) = window {
                    result = result.and(self.adopt(&root, &window, &a.sheets, None));
                }
            }
        }
        result
    }

    /// A new document in the view: nothing adopted yet.
    pub fn reset_adopted(&mut self) {
        self.adopted.clear();
    }

    /// Puts the adopted sheets, then the patch, on the view's document.
    pub fn refresh_adopted(&self, doc: &Document) -> Result<(), RebuildError> {
        let Some(window) = doc.default_view() else {
            return Ok(());
        };
        self.adopt(doc, &window, &self.adopted, self.patch.as_deref())
    }

    /// Gives `root` (of `window`'s realm, whose constructor its sheets need) the sheets
    /// `hashes`, then `patch`.
    fn adopt(
        &self,
        root: &JsValue,
        window: &web_sys::Window,
        hashes: &[SheetHash],
        patch: Option<&str>,
    ) -> Result<(), RebuildError> {
        let ctor =
            js_sys::Reflect::get(window, &"CSSStyleSheet".into()).map_err(crate::rebuild::dom)?;
        let ctor: js_sys::Function = ctor.unchecked_into();
        let list = js_sys::Array::new();
        let texts = hashes
            .iter()
            .map(|hash| self.rules(*hash).map(|r| r.join("\n")))
            .collect::<Result<Vec<_>, _>>()?;
        for text in texts.iter().map(String::as_str).chain(patch) {
            let sheet = js_sys::Reflect::construct(&ctor, &js_sys::Array::new())
                .map_err(crate::rebuild::dom)?;
            let replace =
                js_sys::Reflect::get(&sheet, &"replaceSync".into()).map_err(crate::rebuild::dom)?;
            let replace: js_sys::Function = replace.unchecked_into();
            // Invalid rules are dropped by the browser; `@import` makes it throw (not allowed
            // in constructed sheets): such a sheet is shown without them.
            let _ = replace.call1(&sheet, &JsValue::from_str(text));
            list.push(&sheet);
        }
        js_sys::Reflect::set(root, &"adoptedStyleSheets".into(), &list)
            .map_err(crate::rebuild::dom)?;
        Ok(())
    }
}
