//! `:hover` in the DOM: the page's state rules twinned for the marker attributes (read through
//! the CSSOM, adopted sheets included, which the browser has already parsed; cross-origin
//! sheets it cannot read are skipped), and the marks that stand for the other side's pointer.

use wasm_bindgen::JsCast;
use web_sys::{CssMediaRule, CssRule, CssRuleList, CssStyleRule, CssStyleSheet, Document, Element};

use shared_css::state_twin;
#[cfg(doc)]
use shared_css::HOVER_ATTR;

/// The page's `:hover` rules with the marker instead, keeping their `@media` / `@supports`.
pub fn state_stylesheet(doc: &Document) -> String {
    let mut out = String::new();
    let list = doc.style_sheets();
    let sheets = (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<CssStyleSheet>().ok())
        .chain(super::adopted_sheets(doc).unwrap_or_default());
    for sheet in sheets {
        // Cross-origin sheets throw here: the agent loads those itself.
        if let Ok(rules) = sheet.css_rules() {
            twin_rules(&rules, &mut out);
        }
    }
    out
}

fn twin_rules(rules: &CssRuleList, out: &mut String) {
    for i in 0..rules.length() {
        let Some(rule) = rules.item(i) else { continue };
        match rule.type_() {
            CssRule::STYLE_RULE => {
                let rule: CssStyleRule = rule.unchecked_into();
                if let Some(selector) = state_twin(&rule.selector_text()) {
                    let body = rule.style().css_text();
                    if !shared_protocol::safety::is_unsafe_css(&body) {
                        out.push_str(&format!("{selector} {{ {body} }}\n"));
                    }
                }
            }
            CssRule::MEDIA_RULE => {
                let rule: CssMediaRule = rule.unchecked_into();
                let mut inner = String::new();
                twin_rules(&rule.css_rules(), &mut inner);
                if !inner.is_empty() {
                    out.push_str(&format!(
                        "@media {} {{\n{inner}}}\n",
                        rule.media().media_text()
                    ));
                }
            }
            CssRule::SUPPORTS_RULE => {
                let condition = js_sys::Reflect::get(&rule, &"conditionText".into())
                    .ok()
                    .and_then(|v| v.as_string());
                let nested = js_sys::Reflect::get(&rule, &"cssRules".into())
                    .ok()
                    .and_then(|v| v.dyn_into::<CssRuleList>().ok());
                if let (Some(condition), Some(nested)) = (condition, nested) {
                    let mut inner = String::new();
                    twin_rules(&nested, &mut inner);
                    if !inner.is_empty() {
                        out.push_str(&format!("@supports {condition} {{\n{inner}}}\n"));
                    }
                }
            }
            _ => {}
        }
    }
}

/// The elements marked for the other side's pointer (hovered, or pressed): the one under it
/// and its ancestors, as `:hover` and `:active` themselves apply.
pub struct HoverMarks {
    attr: &'static str,
    marked: Vec<Element>,
}

impl HoverMarks {
    /// Marks with `attr` ([`HOVER_ATTR`] or [`shared_css::ACTIVE_ATTR`]).
    pub fn new(attr: &'static str) -> Self {
        Self {
            attr,
            marked: Vec::new(),
        }
    }

    /// Marks what is under `(x, y)` in `doc`'s viewport; unmarks what no longer is.
    pub fn point_at(&mut self, doc: &Document, x: i32, y: i32) {
        let mut chain = Vec::new();
        let mut next = doc.element_from_point(x as f32, y as f32);
        while let Some(el) = next {
            next = el.parent_element();
            chain.push(el);
        }
        for old in &self.marked {
            if !chain.iter().any(|e| e == old) {
                let _ = old.remove_attribute(self.attr);
            }
        }
        for el in &chain {
            if !el.has_attribute(self.attr) {
                let _ = el.set_attribute(self.attr, "");
            }
        }
        self.marked = chain;
    }

    pub fn clear(&mut self) {
        for el in self.marked.drain(..) {
            let _ = el.remove_attribute(self.attr);
        }
    }
}

impl Drop for HoverMarks {
    fn drop(&mut self) {
        self.clear();
    }
}
