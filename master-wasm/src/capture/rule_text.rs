//! Rules whose `cssText` does not say what they do, and the text the view gets for them
//! instead: the rule's own text followed by the declarations that restore what was lost.
//!
//! - A `background` of several layers followed by single-value longhands
//!   (`background-size: cover`, which applies to every layer) is serialized by Chromium as a
//!   shorthand whose first layer carries the size, position and repeat, and whose other layers
//!   carry none: parsed again, the view draws them at their initial `auto` and `repeat`. The
//!   longhands the page declared are repeated after it, as the page's CSSOM has them.
//! - Numbers are serialized with six significant digits: Bootstrap's `.col-7 { width:
//!   58.33333333% }` reads back as `58.3333%`, a column 1/64 px narrower in the view, and a page
//!   a pixel shorter at its end ([`exact_numbers`]).
//!
//! Grouping rules (`@media`, `@supports`) are rebuilt around their children when one of them
//! needs it.

use js_sys::Reflect;
use wasm_bindgen::JsCast;
use web_sys::{CssRule, CssRuleList, CssStyleRule};

use super::exact_numbers;

const STYLE_RULE: u16 = 1;
const MEDIA_RULE: u16 = 4;
const SUPPORTS_RULE: u16 = 12;

/// The longhands of `background`, as `getPropertyValue` reads them back per layer.
const BACKGROUND_LONGHANDS: [&str; 8] = [
    "background-image",
    "background-position",
    "background-size",
    "background-repeat",
    "background-attachment",
    "background-origin",
    "background-clip",
    "background-color",
];

/// The text of `rule` for the view when its `cssText` is not enough; `None` when it is.
pub fn rule_text(rule: &CssRule) -> Option<String> {
    match rule.type_() {
        // Unchecked: a frame's rules come from another realm.
        STYLE_RULE => style_rule_text(rule.unchecked_ref()),
        MEDIA_RULE | SUPPORTS_RULE => grouping_text(rule),
        _ => None,
    }
}

fn style_rule_text(rule: &CssStyleRule) -> Option<String> {
    let text = rule.css_text();
    let mut declarations = layer_longhands(rule).unwrap_or_default();
    if exact_numbers::may_be_rounded(&text) {
        declarations.push_str(&exact_numbers::declarations(rule));
    }
    if declarations.is_empty() {
        return None;
    }
    let close = text.rfind('}')?;
    Some(format!("{}{declarations}}}", &text[..close]))
}

/// The `background` longhands of `rule`, as declarations, when its background has layers.
fn layer_longhands(rule: &CssStyleRule) -> Option<String> {
    let style = rule.style();
    let image = style.get_property_value("background-image").ok()?;
    if !has_layers(&image) {
        return None;
    }
    let mut declarations = String::new();
    for name in BACKGROUND_LONGHANDS {
        let value = style.get_property_value(name).unwrap_or_default();
        // Empty: a `var()` in the shorthand, resolved only when styles are computed.
        if value.is_empty() {
            continue;
        }
        let important = style.get_property_priority(name) == "important";
        declarations.push_str(name);
        declarations.push_str(": ");
        declarations.push_str(&value);
        declarations.push_str(if important { " !important; " } else { "; " });
    }
    Some(declarations)
}

/// `@media …` or `@supports …` around its children's texts, when one of them needs its own.
fn grouping_text(rule: &CssRule) -> Option<String> {
    let list: CssRuleList = Reflect::get(rule, &"cssRules".into())
        .ok()?
        .unchecked_into();
    let mut changed = false;
    let mut children = Vec::with_capacity(list.length() as usize);
    for i in 0..list.length() {
        let Some(child) = list.item(i) else { continue };
        match rule_text(&child) {
            Some(text) => {
                changed = true;
                children.push(text);
            }
            None => children.push(child.css_text()),
        }
    }
    if !changed {
        return None;
    }
    let text = rule.css_text();
    let open = text.find('{')?;
    Some(format!("{}{{ {} }}", &text[..open], children.join(" ")))
}

/// Whether a `background-image` value has more than one layer (a comma outside parentheses
/// and quotes).
fn has_layers(value: &str) -> bool {
    let (mut depth, mut quote) = (0u32, None);
    for c in value.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth = depth.saturating_sub(1),
            (None, ',') if depth == 0 => return true,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::has_layers;

    #[test]
    fn layers_are_commas_outside_functions_and_strings() {
        assert!(has_layers("linear-gradient(red, blue), url(a.png)"));
        assert!(has_layers("url(a.png), url(b.png)"));
        assert!(!has_layers(
            "linear-gradient(rgba(0, 0, 0, 0.3) 0%, #000 100%)"
        ));
        assert!(!has_layers("url(\"a,b.png\")"));
        assert!(!has_layers("none"));
        assert!(!has_layers(""));
    }
}
