//! Numbers as the page wrote them, where `cssText` rounded them. Browsers serialize CSS numbers
//! with six significant digits (Chromium, Firefox) or six decimals (WebKit): Bootstrap's
//! `.col-xl-7 { width: 58.33333333% }` reads back as `58.3333%` or `58.333333%`. In a 1092 px row that is a column of 636.984375 px instead of 637 (layout works
//! in 1/64 px), text wraps the same, but heights summed over a page come out a fraction shorter,
//! and scrolled to its end the view is a pixel off (startbootstrap-clean-blog's post).
//!
//! CSS Typed OM keeps the parsed value whole (`rule.styleMap`, Chromium and WebKit): for each
//! declaration whose serialized value holds a number that may have been rounded, the exact
//! value is declared again after the rule's own declarations, so it wins. Without Typed OM
//! (Firefox) the rounded text goes as it is.

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::CssStyleRule;

/// Serialized numbers have at most this many significant digits (or, in WebKit, decimals): one
/// with exactly this many may have had more.
const SERIALIZED_DIGITS: usize = 6;

#[wasm_bindgen]
extern "C" {
    /// A style rule, seen through CSS Typed OM.
    #[wasm_bindgen(extends = CssStyleRule)]
    type TypedRule;
    /// `undefined` where the browser has no Typed OM.
    #[wasm_bindgen(method, getter, js_name = styleMap)]
    fn style_map(this: &TypedRule) -> JsValue;

    type StyleMap;
    #[wasm_bindgen(method, catch, js_name = getAll)]
    fn get_all(this: &StyleMap, property: &str) -> Result<js_sys::Array, JsValue>;

    /// A `CSSUnitValue` (a `CSSMathValue` or a keyword has no numeric `value`).
    type UnitValue;
    #[wasm_bindgen(method, getter)]
    fn value(this: &UnitValue) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn unit(this: &UnitValue) -> JsValue;
}

/// Whether `css` holds a number that serialization may have rounded: a decimal fraction with
/// exactly [`SERIALIZED_DIGITS`] significant digits or decimals, not part of a name or a `#hex`
/// color.
pub fn may_be_rounded(css: &str) -> bool {
    let bytes = css.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !(bytes[i].is_ascii_digit() || bytes[i] == b'.') {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
            i += 1;
        }
        let in_a_name = start > 0
            && matches!(bytes[start - 1], b'a'..=b'z' | b'A'..=b'Z' | b'_' | b'#' | b'\\');
        if !in_a_name && rounded_looking(&css[start..i]) {
            return true;
        }
    }
    false
}

fn rounded_looking(number: &str) -> bool {
    if number.bytes().filter(|&b| b == b'.').count() != 1 {
        return false;
    }
    let significant = number.trim_start_matches(['0', '.']).replace('.', "");
    let decimals = number
        .split_once('.')
        .map_or(0, |(_, fraction)| fraction.len());
    significant.len() == SERIALIZED_DIGITS || decimals == SERIALIZED_DIGITS
}

/// The declarations that restore `rule`'s rounded values, exactly, as `name: value;` text;
/// empty when there is nothing to restore or no Typed OM.
pub fn declarations(rule: &CssStyleRule) -> String {
    let map = rule.unchecked_ref::<TypedRule>().style_map();
    if map.is_undefined() || map.is_null() {
        return String::new();
    }
    let map: StyleMap = map.unchecked_into();
    let style = rule.style();
    let mut out = String::new();
    for i in 0..style.length() {
        let name = style.item(i);
        let value = style.get_property_value(&name).unwrap_or_default();
        if !may_be_rounded(&value) {
            continue;
        }
        let Some(exact) = exact_value(&map, &name).filter(|exact| *exact != value) else {
            continue;
        };
        let important = style.get_property_priority(&name) == "important";
        out.push_str(&format!(
            "{name}: {exact}{}; ",
            if important { " !important" } else { "" }
        ));
    }
    out
}

/// `name`'s value in `map` as text, when it is one number with its unit.
fn exact_value(map: &StyleMap, name: &str) -> Option<String> {
    let values = map.get_all(name).ok()?;
    if values.length() != 1 {
        return None;
    }
    let value: UnitValue = values.get(0).unchecked_into();
    unit_value_text(value.value().as_f64()?, &value.unit().as_string()?)
}

/// A `CSSUnitValue` as CSS text: the number in full, then its unit (`percent` is `%`, `number`
/// has none).
fn unit_value_text(value: f64, unit: &str) -> Option<String> {
    if !value.is_finite() || !unit.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let unit = match unit {
        "percent" => "%",
        "number" => "",
        unit => unit,
    };
    Some(format!("{}{unit}", number_text(value)))
}

/// The shortest text that reads back as the same double, by the browser's formatting (native
/// tests: Rust's, which agrees on these).
#[cfg(target_arch = "wasm32")]
fn number_text(value: f64) -> String {
    shared_web::css_number::css_number(value)
}

#[cfg(not(target_arch = "wasm32"))]
fn number_text(value: f64) -> String {
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::{may_be_rounded, unit_value_text};

    #[test]
    fn six_significant_digits_may_have_been_more() {
        assert!(may_be_rounded("width: 58.3333%;"));
        assert!(may_be_rounded("flex: 0 0 8.33333%"));
        assert!(may_be_rounded("line-height: 1.42857"));
        assert!(may_be_rounded("margin-left: -0.166667rem"));
        assert!(may_be_rounded("opacity: .666667"));
        // WebKit's six decimals.
        assert!(may_be_rounded("width: 58.333333%"));
        assert!(may_be_rounded("width: 8.333333%"));
    }

    #[test]
    fn shorter_numbers_names_and_colors_are_exact() {
        assert!(!may_be_rounded("width: 50%; margin: 0.5rem 12.25px"));
        assert!(!may_be_rounded("width: 1234567px"));
        assert!(!may_be_rounded("color: #583333"));
        assert!(!may_be_rounded("grid-area: a1.23456"));
        assert!(!may_be_rounded("1.2.3456"));
        assert!(!may_be_rounded(""));
    }

    #[test]
    fn unit_values_read_back_whole() {
        assert_eq!(
            unit_value_text(58.33333333, "percent").as_deref(),
            Some("58.33333333%")
        );
        assert_eq!(
            unit_value_text(1.428571429, "number").as_deref(),
            Some("1.428571429")
        );
        assert_eq!(
            unit_value_text(-0.1666667, "rem").as_deref(),
            Some("-0.1666667rem")
        );
        assert_eq!(unit_value_text(f64::NAN, "px"), None);
        assert_eq!(unit_value_text(1.5, "px;}"), None);
    }
}
