//! Selector rewriting for state sync (`:hover`, `:focus`, `:focus-visible`, `:focus-within`,
//! `:active`), with a real CSS tokenizer (cssparser), never regexes.
//!
//! Every selector that uses one of these pseudo-classes gets a twin in which each is a marker
//! attribute instead, so the side that does not hold the state can show it by setting the
//! attribute: on the element under the other side's pointer (and its ancestors) for hover, on
//! the customer's focused element for focus. An attribute, not a class: `[class*=...]`
//! selectors and frameworks that own `className` are unaffected. Nested selectors
//! (`:not(:hover)`, `:is(a:hover, b)`) are rewritten inside too; a selector in which a state
//! follows a pseudo-element is left out (no attribute can stand there).

use cssparser::Token;

use crate::tokens::{for_each_token, Closer};

/// The marker set on hovered elements; the capture never sends it.
pub const HOVER_ATTR: &str = "data-cobrowse-hover";
/// The marker on the customer's focused element, and on its ancestors.
pub const FOCUS_ATTR: &str = "data-cobrowse-focus";
pub const FOCUS_WITHIN_ATTR: &str = "data-cobrowse-focus-within";
pub const ACTIVE_ATTR: &str = "data-cobrowse-active";

/// Each state pseudo-class and the attribute selector that stands for it.
const STATES: [(&str, &str); 5] = [
    ("hover", "[data-cobrowse-hover]"),
    ("focus", "[data-cobrowse-focus]"),
    ("focus-visible", "[data-cobrowse-focus]"),
    ("focus-within", "[data-cobrowse-focus-within]"),
    ("active", "[data-cobrowse-active]"),
];

/// Our own marker attributes: local state of each side, never page content.
pub fn is_marker(attribute: &str) -> bool {
    let a = attribute.to_ascii_lowercase();
    [HOVER_ATTR, FOCUS_ATTR, FOCUS_WITHIN_ATTR, ACTIVE_ATTR].contains(&a.as_str())
}

/// State of one complex selector while it is rewritten.
#[derive(Default)]
struct Rewrite {
    out: String,
    hovered: bool,
    after_pseudo_element: bool,
    /// `:hover` after a pseudo-element: this selector cannot be rewritten.
    impossible: bool,
}

/// The whole list's rewriting: the selector being rewritten, the twins so far, the blocks
/// open around the current token (nesting is kept here, not on the call stack: see
/// [`crate::tokens`]).
#[derive(Default)]
struct Twins {
    current: Rewrite,
    done: Vec<String>,
    open: Vec<Closer>,
    /// A `:` was read; what follows decides whether it starts a state pseudo-class.
    colon: bool,
}

/// The state twins of the selectors in `selector_list`, joined by commas; `None` when none of
/// them uses a state pseudo-class.
pub fn state_twin(selector_list: &str) -> Option<String> {
    let mut twins = Twins::default();
    for_each_token(selector_list, |start, end, token| {
        twins.visit(token, &selector_list[start..end]);
    });
    if std::mem::take(&mut twins.colon) {
        twins.current.out.push(':');
    }
    // Blocks left open at the end are closed, as a browser would.
    while let Some(closer) = twins.open.pop() {
        twins.current.out.push(closer.as_char());
    }
    twins.finish_selector();
    (!twins.done.is_empty()).then(|| twins.done.join(", "))
}

impl Twins {
    fn finish_selector(&mut self) {
        let selector = std::mem::take(&mut self.current);
        if selector.hovered && !selector.impossible {
            self.done.push(selector.out.trim().to_string());
        }
    }

    /// Copies `token` (whose text is `text`) into the current selector, replacing states.
    fn visit(&mut self, token: &Token<'_>, text: &str) {
        let rw = &mut self.current;
        if std::mem::take(&mut self.colon) {
            match token {
                Token::Ident(name) if STATES.iter().any(|(s, _)| name.eq_ignore_ascii_case(s)) => {
                    if rw.after_pseudo_element {
                        rw.impossible = true;
                    }
                    let marker = STATES
                        .iter()
                        .find(|(s, _)| name.eq_ignore_ascii_case(s))
                        .map_or("", |(_, m)| m);
                    rw.out.push_str(marker);
                    rw.hovered = true;
                    return;
                }
                Token::Colon => {
                    rw.after_pseudo_element = true;
                    rw.out.push_str("::");
                    return;
                }
                _ => rw.out.push(':'),
            }
        }
        if let Some(closer) = self.open.last() {
            if closer.closed_by(token) {
                rw.out.push(closer.as_char());
                self.open.pop();
                return;
            }
        }
        match token {
            Token::Comma if self.open.is_empty() => self.finish_selector(),
            Token::Colon => self.colon = true,
            Token::Function(_)
            | Token::ParenthesisBlock
            | Token::SquareBracketBlock
            | Token::CurlyBracketBlock => {
                rw.out.push_str(text);
                self.open
                    .push(Closer::opened_by(token).unwrap_or(Closer::Parenthesis));
            }
            // A combinator starts a new compound: a pseudo-element no longer applies.
            Token::WhiteSpace(_) | Token::Delim('>' | '+' | '~') => {
                rw.after_pseudo_element = false;
                rw.out.push_str(text);
            }
            _ => rw.out.push_str(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_hover_gets_an_attribute_twin() {
        assert_eq!(
            state_twin("a:hover").as_deref(),
            Some("a[data-cobrowse-hover]")
        );
        assert_eq!(
            state_twin("nav li:hover > .submenu").as_deref(),
            Some("nav li[data-cobrowse-hover] > .submenu")
        );
        assert_eq!(
            state_twin(".a, .b:hover").as_deref(),
            Some(".b[data-cobrowse-hover]")
        );
        assert_eq!(
            state_twin("a:HOVER").as_deref(),
            Some("a[data-cobrowse-hover]")
        );
    }

    #[test]
    fn selectors_without_a_state_have_no_twin() {
        assert_eq!(state_twin("a, b > c"), None);
        assert_eq!(state_twin("a:visited"), None);
        assert_eq!(
            state_twin("[data-x=':hover']"),
            None,
            "inside a string it is not a pseudo-class"
        );
        assert_eq!(
            state_twin(".x\\:hover"),
            None,
            "an escaped colon is part of a class name"
        );
    }

    #[test]
    fn nested_hover_is_rewritten_inside_functions() {
        assert_eq!(
            state_twin("li:not(:hover)").as_deref(),
            Some("li:not([data-cobrowse-hover])")
        );
        assert_eq!(
            state_twin(":is(a:hover, b) span").as_deref(),
            Some(":is(a[data-cobrowse-hover], b) span")
        );
        assert_eq!(
            state_twin("div:has(> a:hover)").as_deref(),
            Some("div:has(> a[data-cobrowse-hover])")
        );
        assert_eq!(
            state_twin("a[href^='x']:hover").as_deref(),
            Some("a[href^='x'][data-cobrowse-hover]")
        );
    }

    #[test]
    fn focus_and_active_have_their_own_markers() {
        assert_eq!(
            state_twin("input:focus, .field:focus-within label").as_deref(),
            Some("input[data-cobrowse-focus], .field[data-cobrowse-focus-within] label")
        );
        assert_eq!(
            state_twin("button:active:hover").as_deref(),
            Some("button[data-cobrowse-active][data-cobrowse-hover]")
        );
        assert_eq!(
            state_twin("a:focus-visible").as_deref(),
            Some("a[data-cobrowse-focus]")
        );
        assert!(is_marker("data-cobrowse-focus") && !is_marker("data-cobrowse-mask"));
    }

    #[test]
    fn hover_after_a_pseudo_element_is_left_out() {
        assert_eq!(state_twin("p::before:hover"), None);
        assert_eq!(
            state_twin("p::before:hover, a:hover").as_deref(),
            Some("a[data-cobrowse-hover]")
        );
        assert_eq!(
            state_twin("p::before + a:hover").as_deref(),
            Some("p::before + a[data-cobrowse-hover]")
        );
    }
}
