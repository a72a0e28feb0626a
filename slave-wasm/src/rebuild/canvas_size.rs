//! Canvas sizes in the view. A `<canvas>` in a document without scripts shows its fallback
//! content, so the browser no longer sizes it by its `width` and `height` attributes: the view
//! does, with a rule per attribute value it has met (`:where(canvas[width="640"]) { width:
//! 640px }`), weighing nothing so that any rule of the page wins, as over a live canvas.
//! (CSS's typed `attr(width px)` would say it in one rule, but only Chromium has it: an agent
//! in Firefox saw every canvas collapse.)

use std::collections::BTreeSet;

use web_sys::{Document, Element};

/// Which attribute: `width` or `height`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    Width,
    Height,
}

/// The rules met so far in this view's document, in a `<style>` of the view's own.
#[derive(Default)]
pub struct CanvasSizes {
    seen: BTreeSet<(Side, String)>,
    rules: String,
    style: Option<Element>,
}

impl CanvasSizes {
    /// A new document is being built: nothing met yet.
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// The document has its `<head>`: the rules go into a `<style>` of their own at its end
    /// (after the view's other own rules), with those met while it was being built.
    pub fn attach(&mut self, doc: &Document) {
        let (Some(head), Ok(style)) = (doc.head(), doc.create_element("style")) else {
            return;
        };
        let _ = style.set_attribute("data-cobrowse-own", "");
        style.set_text_content(Some(&self.rules));
        if head.append_child(&style).is_ok() {
            self.style = Some(style);
        }
    }

    /// `el` got attribute `name` = `value`: a canvas's size gets its rule, once per value.
    pub fn note(&mut self, el: &Element, name: &str, value: &str) {
        let side = match name.to_ascii_lowercase().as_str() {
            "width" => Side::Width,
            "height" => Side::Height,
            _ => return,
        };
        if el.local_name() != "canvas" || el.namespace_uri().as_deref() != Some(HTML_NS) {
            return;
        }
        let Some(rule) = rule(side, value) else {
            // Not a number: the browser's default size, which the view's own rules give.
            return;
        };
        if !self.seen.insert((side, value.to_string())) {
            return;
        }
        self.rules.push_str(&rule);
        self.rules.push('\n');
        if let Some(style) = &self.style {
            style.set_text_content(Some(&self.rules));
        }
    }
}

const HTML_NS: &str = "http://www.w3.org/1999/xhtml";

/// The rule sizing canvases whose `side` attribute is `value`, as the browser reads it (HTML's
/// rules for non-negative integers: leading spaces, digits, anything after ignored); `None`
/// when the browser would use its default.
fn rule(side: Side, value: &str) -> Option<String> {
    let digits: String = value
        .trim_start_matches([' ', '\t', '\n', '\x0c', '\r'])
        .trim_start_matches('+')
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let px: u64 = digits.parse().ok()?;
    let (attr, property) = match side {
        Side::Width => ("width", "width"),
        Side::Height => ("height", "height"),
    };
    Some(format!(
        ":where(canvas[{attr}=\"{}\"]) {{ {property}: {px}px; }}",
        css_string(value)
    ))
}

/// `value` inside a CSS double-quoted string: quotes, backslashes and line breaks escaped.
fn css_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\x0c' | '\0' => out.push_str(&format!("\\{:x} ", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_as_the_browser_reads_them() {
        assert_eq!(
            rule(Side::Width, "640").as_deref(),
            Some(":where(canvas[width=\"640\"]) { width: 640px; }")
        );
        assert_eq!(
            rule(Side::Height, " 150px").as_deref(),
            Some(":where(canvas[height=\" 150px\"]) { height: 150px; }")
        );
        assert_eq!(
            rule(Side::Width, "12.7").as_deref(),
            Some(":where(canvas[width=\"12.7\"]) { width: 12px; }")
        );
        assert_eq!(rule(Side::Width, "wide"), None);
        assert_eq!(rule(Side::Width, "-5"), None);
        assert_eq!(rule(Side::Width, ""), None);
    }

    #[test]
    fn odd_values_cannot_break_out_of_the_selector() {
        let r = rule(Side::Width, "1\"] , body { display: none } [x=\"").unwrap();
        assert!(r.starts_with(":where(canvas[width=\"1\\\"] , body"), "{r}");
        assert_eq!(css_string("a\\b\nc"), "a\\\\b\\a c");
    }
}
