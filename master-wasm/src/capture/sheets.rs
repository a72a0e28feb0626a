//! Stylesheets as the customer's CSSOM has them, and which of them the agent already has.
//!
//! What goes to the agent: the rules of a `<style>` that CSS-in-JS filled through the CSSOM, of
//! every `<link>` stylesheet this page can read (same-origin; its URLs made absolute, since they
//! resolve against the sheet's own address, and its readable `@import`s inlined), and of the
//! document's adopted (constructed) sheets. A cross-origin sheet cannot be read here: the
//! agent's view loads it itself, through the relay's proxy.
//!
//! Each sheet's content is sent once per session and named by its hash afterwards; the hashes
//! already sent survive page loads (sessionStorage), since a site's CSS is the same on every page.

use std::collections::HashSet;

use shared_css::{rewrite_urls, UrlKind};
use shared_protocol::page::{SheetBody, SheetHash};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CssRule, CssStyleSheet, Element, Node};

/// Where the hashes of sheets already sent are kept across page loads of the tab.
const STORAGE_KEY: &str = "cobrowse.sheets";
/// More than a site has; the oldest are forgotten first (a forgotten one is just sent again).
const MAX_REMEMBERED: usize = 2048;

/// The sheet contents the agent has been sent in this session.
#[derive(Default)]
pub struct SheetsSent {
    sent: HashSet<SheetHash>,
    order: Vec<SheetHash>,
}

impl SheetsSent {
    /// The set this tab kept from its previous pages.
    pub fn load() -> Self {
        let mut this = Self::default();
        let text = storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
        for hash in text.iter().flat_map(|t| t.split(',')) {
            if let Ok(h) = u64::from_str_radix(hash, 16) {
                this.remember(h);
            }
        }
        this
    }

    /// Names `rules` by hash, adding their body to `bodies` unless the agent has it.
    pub fn share(&mut self, rules: Vec<String>, bodies: &mut Vec<SheetBody>) -> SheetHash {
        let body = SheetBody::new(rules);
        let hash = body.hash;
        if self.remember(hash) && !bodies.iter().any(|b| b.hash == hash) {
            bodies.push(body);
        }
        hash
    }

    /// The agent may not have what was sent (a fresh snapshot after a resync starts over).
    pub fn forget_all(&mut self) {
        self.sent.clear();
        self.order.clear();
        Self::clear_stored();
    }

    /// Keeps the set for the next page load of this tab.
    pub fn store(&self) {
        let text: Vec<String> = self.order.iter().map(|h| format!("{h:x}")).collect();
        if let Some(s) = storage() {
            let _ = s.set_item(STORAGE_KEY, &text.join(","));
        }
    }

    /// A new agent has nothing: drops what a previous one was sent.
    pub fn clear_stored() {
        if let Some(s) = storage() {
            let _ = s.remove_item(STORAGE_KEY);
        }
    }

    fn remember(&mut self, hash: SheetHash) -> bool {
        if !self.sent.insert(hash) {
            return false;
        }
        self.order.push(hash);
        if self.order.len() > MAX_REMEMBERED {
            let oldest = self.order.remove(0);
            self.sent.remove(&oldest);
        }
        true
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// The rules a `<style>` or `<link>` element shows that its text or `href` would not give the
/// agent's view: a `<style>`'s rules as the CSSOM has them (`only_beyond_text`, as at a
/// snapshot: only when they differ from what its text gives, as when CSS-in-JS filled an empty
/// one or a script inserted, deleted or edited rules before the capture started), or the
/// rules of a readable `<link>` stylesheet.
pub fn element_sheet(node: &Node, only_beyond_text: bool) -> Option<Vec<String>> {
    if node.node_type() != Node::ELEMENT_NODE {
        return None;
    }
    let el: &Element = node.unchecked_ref();
    let sheet = js_sys::Reflect::get(el, &"sheet".into()).ok()?;
    if sheet.is_null() || sheet.is_undefined() {
        return None;
    }
    let sheet: CssStyleSheet = sheet.unchecked_into();
    match el.local_name().as_str() {
        "style" => {
            let rules = sheet_rules(&sheet, None)?;
            if !only_beyond_text {
                return Some(rules);
            }
            let text = node.text_content().unwrap_or_default();
            if text.trim().is_empty() {
                return (!rules.is_empty()).then_some(rules);
            }
            (rules_of_text(&text).as_ref() != Some(&rules)).then_some(rules)
        }
        "link" => sheet_rules(&sheet, sheet.href().ok().flatten().as_deref()),
        _ => None,
    }
}

/// The rules `text` gives when parsed on its own (as the view will parse the `<style>`'s
/// text), from a constructed sheet of the browser's own parser. `None` when it cannot be
/// parsed so (an `@import`, which constructed sheets refuse: the CSSOM's rules go then).
fn rules_of_text(text: &str) -> Option<Vec<String>> {
    let sheet = CssStyleSheet::new().ok()?;
    sheet.replace_sync(text).ok()?;
    sheet_rules(&sheet, None)
}

/// Notes captured element `id` (`node`) as something the view may not show as the page does
/// when it is a `<link>` stylesheet this page cannot read.
pub(super) fn note_if_unreadable(
    mirror: &super::Mirror,
    id: shared_protocol::page::NodeId,
    node: &Node,
) {
    if let Some(href) = unreadable_link(node) {
        mirror.note_unshown(
            id,
            shared_protocol::page_state::Unshowable::UnreadableStylesheet { href },
        );
    }
}

/// The address of `<link>` stylesheet `node` when its rules cannot be read here (another
/// origin without CORS): the agent's view loads it itself, so it may differ.
fn unreadable_link(node: &Node) -> Option<String> {
    let el: &Element = node.unchecked_ref();
    if el.local_name() != "link" {
        return None;
    }
    let sheet = js_sys::Reflect::get(el, &"sheet".into()).ok()?;
    if sheet.is_null() || sheet.is_undefined() {
        return None;
    }
    let sheet: CssStyleSheet = sheet.unchecked_into();
    sheet
        .css_rules()
        .is_err()
        .then(|| sheet.href().ok().flatten())?
}

/// The adopted sheets of `root` (a document or shadow root), in order; `None` where the
/// browser has none. Unchecked: a frame's sheets come from another realm.
pub fn adopted_sheets(root: &JsValue) -> Option<Vec<CssStyleSheet>> {
    let list = js_sys::Reflect::get(root, &"adoptedStyleSheets".into()).ok()?;
    let list: js_sys::Array = list.dyn_into().ok()?;
    Some(list.iter().map(|s| s.unchecked_into()).collect())
}

/// A sheet's rules as text; `None` when this page may not read them (cross-origin). With a
/// `base`, relative URLs are made absolute against it and readable `@import`s are inlined.
pub fn sheet_rules(sheet: &CssStyleSheet, base: Option<&str>) -> Option<Vec<String>> {
    let rules = sheet.css_rules().ok()?;
    let mut out = Vec::with_capacity(rules.length() as usize);
    for i in 0..rules.length() {
        let Some(rule) = rules.item(i) else { continue };
        if let Some(inlined) = inline_import(&rule) {
            out.push(inlined);
            continue;
        }
        let text = super::rule_text::rule_text(&rule).unwrap_or_else(|| rule.css_text());
        if shared_protocol::safety::is_unsafe_css(&text) {
            continue;
        }
        out.push(match base {
            Some(base) => absolute_urls(&text, base),
            None => text,
        });
    }
    Some(out)
}

/// An `@import` whose sheet is readable, as its rules (inside `@media` when it has a media
/// list): the agent's view then needs no access to it. `None` leaves the `@import` as it is.
fn inline_import(rule: &CssRule) -> Option<String> {
    if rule.type_() != CssRule::IMPORT_RULE {
        return None;
    }
    let sheet = js_sys::Reflect::get(rule, &"styleSheet".into()).ok()?;
    let sheet: CssStyleSheet = sheet.dyn_into().ok()?;
    let href = sheet.href().ok().flatten();
    let rules = sheet_rules(&sheet, href.as_deref())?.join("\n");
    let media = js_sys::Reflect::get(rule, &"media".into())
        .ok()
        .and_then(|m| js_sys::Reflect::get(&m, &"mediaText".into()).ok())
        .and_then(|t| t.as_string())
        .unwrap_or_default();
    // One rule either way: `@media all` keeps the group a single insertable rule.
    let media = if media.trim().is_empty() {
        "all"
    } else {
        &media
    };
    Some(format!("@media {media} {{\n{rules}\n}}"))
}

/// `css` with every relative URL resolved against `base`.
pub fn absolute_urls(css: &str, base: &str) -> String {
    rewrite_urls(css, |_kind: UrlKind, url| {
        if url.starts_with("data:") || url.starts_with('#') {
            return None;
        }
        web_sys::Url::new_with_base(url, base)
            .ok()
            .map(|u| u.href())
            .filter(|abs| abs != url)
    })
}

/// Whether `now` holds the very sheet objects of `previous`, in the same order.
pub fn same_sheets(previous: &[CssStyleSheet], now: &[CssStyleSheet]) -> bool {
    previous.len() == now.len()
        && previous
            .iter()
            .zip(now)
            .all(|(a, b)| JsValue::from(a) == JsValue::from(b))
}
