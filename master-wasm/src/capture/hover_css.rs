//! Selector rewriting for `:hover` sync, with a real CSS tokenizer (cssparser), never regexes.
//!
//! Every selector that uses `:hover` gets a twin in which each `:hover` is a marker attribute
//! instead, so the side that does not hold the pointer can show the hover state by setting the
//! attribute on the element under the other side's pointer (and its ancestors). An attribute,
//! not a class: `[class*=...]` selectors and frameworks that own `className` are unaffected.
//! Nested selectors (`:not(:hover)`, `:is(a:hover, b)`) are rewritten inside too; a selector in
//! which `:hover` follows a pseudo-element is left out (no attribute can stand there).

use cssparser::{ParseError, Parser, Token};

/// The marker set on hovered elements; the capture never sends it.
pub const HOVER_ATTR: &str = "data-cobrowse-hover";
const HOVER_SELECTOR: &str = "[data-cobrowse-hover]";

/// State of one complex selector while it is rewritten.
#[derive(Default)]
struct Rewrite {
    out: String,
    hovered: bool,
    after_pseudo_element: bool,
    /// `:hover` after a pseudo-element: this selector cannot be rewritten.
    impossible: bool,
}

/// The `:hover` twins of the selectors in `selector_list`, joined by commas; `None` when none
/// of them uses `:hover`.
pub fn hover_twin(selector_list: &str) -> Option<String> {
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
                    Ok(Token::Ident(name)) if name.eq_ignore_ascii_case("hover") => {
                        if rw.after_pseudo_element {
                            rw.impossible = true;
                        }
                        rw.out.push_str(HOVER_SELECTOR);
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
            hover_twin("a:hover").as_deref(),
            Some("a[data-cobrowse-hover]")
        );
        assert_eq!(
            hover_twin("nav li:hover > .submenu").as_deref(),
            Some("nav li[data-cobrowse-hover] > .submenu")
        );
        assert_eq!(
            hover_twin(".a, .b:hover").as_deref(),
            Some(".b[data-cobrowse-hover]")
        );
        assert_eq!(
            hover_twin("a:HOVER").as_deref(),
            Some("a[data-cobrowse-hover]")
        );
    }

    #[test]
    fn selectors_without_hover_have_no_twin() {
        assert_eq!(hover_twin("a, b > c"), None);
        assert_eq!(hover_twin("a:focus"), None);
        assert_eq!(
            hover_twin("[data-x=':hover']"),
            None,
            "inside a string it is not a pseudo-class"
        );
        assert_eq!(
            hover_twin(".x\\:hover"),
            None,
            "an escaped colon is part of a class name"
        );
    }

    #[test]
    fn nested_hover_is_rewritten_inside_functions() {
        assert_eq!(
            hover_twin("li:not(:hover)").as_deref(),
            Some("li:not([data-cobrowse-hover])")
        );
        assert_eq!(
            hover_twin(":is(a:hover, b) span").as_deref(),
            Some(":is(a[data-cobrowse-hover], b) span")
        );
        assert_eq!(
            hover_twin("div:has(> a:hover)").as_deref(),
            Some("div:has(> a[data-cobrowse-hover])")
        );
        assert_eq!(
            hover_twin("a[href^='x']:hover").as_deref(),
            Some("a[href^='x'][data-cobrowse-hover]")
        );
    }

    #[test]
    fn hover_after_a_pseudo_element_is_left_out() {
        assert_eq!(hover_twin("p::before:hover"), None);
        assert_eq!(
            hover_twin("p::before:hover, a:hover").as_deref(),
            Some("a[data-cobrowse-hover]")
        );
        assert_eq!(
            hover_twin("p::before + a:hover").as_deref(),
            Some("p::before + a[data-cobrowse-hover]")
        );
    }
}
