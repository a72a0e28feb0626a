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

use cssparser::{ParseError, Parser, Token};

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

/// The state twins of the selectors in `selector_list`, joined by commas; `None` when none of
/// them uses a state pseudo-class.
pub fn state_twin(selector_list: &str) -> Option<String> {
    let mut parser = Parser::new(selector_list);
    let mut twins = Vec::new();
    loop {
        let mut current = Rewrite::default();
        let ended = copy_until_comma(&mut parser, &mut current, true);
        if current.hovered && !current.impossible {
            twins.push(current.out.trim().to_string());
        }
        if ended {
            break;
        }
    }
    (!twins.is_empty()).then(|| twins.join(", "))
}

/// Copies tokens into `rw.out`, replacing `:hover`. At the top level it stops after a comma
/// (returning false) or at the end (returning true); inside blocks it copies everything.
fn copy_until_comma(p: &mut Parser<'_>, rw: &mut Rewrite, top_level: bool) -> bool {
    loop {
        let start = p.position();
        let token = match p.next_including_whitespace_and_comments() {
            Ok(t) => t.clone(),
            Err(_) => return true,
        };
        match token {
            Token::Comma if top_level => return false,
            Token::Colon => {
                let state = p.state();
                match p.next_including_whitespace_and_comments().cloned() {
                    Ok(Token::Ident(name))
                        if STATES.iter().any(|(s, _)| name.eq_ignore_ascii_case(s)) =>
                    {
                        if rw.after_pseudo_element {
                            rw.impossible = true;
                        }
                        let marker = STATES
                            .iter()
                            .find(|(s, _)| name.eq_ignore_ascii_case(s))
                            .map_or("", |(_, m)| m);
                        rw.out.push_str(marker);
                        rw.hovered = true;
                    }
                    Ok(Token::Colon) => {
                        rw.after_pseudo_element = true;
                        rw.out.push_str("::");
                    }
                    _ => {
                        p.reset(&state);
                        rw.out.push(':');
                    }
                }
            }
            Token::Function(_)
            | Token::ParenthesisBlock
            | Token::SquareBracketBlock
            | Token::CurlyBracketBlock => {
                let close = match token {
                    Token::SquareBracketBlock => ']',
                    Token::CurlyBracketBlock => '}',
                    _ => ')',
                };
                rw.out.push_str(p.slice_from(start));
                let _ = p.parse_nested_block(|inner| {
                    copy_until_comma(inner, rw, false);
                    Ok::<(), ParseError<()>>(())
                });
                rw.out.push(close);
            }
            Token::WhiteSpace(_) => {
                // A combinator starts a new compound: a pseudo-element no longer applies.
                rw.after_pseudo_element = false;
                rw.out.push_str(p.slice_from(start));
            }
            Token::Delim('>' | '+' | '~') => {
                rw.after_pseudo_element = false;
                rw.out.push_str(p.slice_from(start));
            }
            _ => rw.out.push_str(p.slice_from(start)),
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
