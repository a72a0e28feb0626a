//! Every URL in a stylesheet, mapped by the caller: `url(...)` (quoted or not), the string form
//! of `@import`, and the strings of `image-set()`. Used to make a sheet's URLs absolute before
//! it leaves its own location (a sheet's relative URLs resolve against the sheet, not against
//! the page that shows it), and by the relay to send `@import`s back through its proxy.
//!
//! Only the URL tokens change; every other byte, comments and invalid CSS included, is kept.

use cssparser::{serialize_string, Token};

use crate::tokens::{for_each_token, Closer};

/// Where a URL stands, so a caller can treat imports (stylesheets) apart from images and fonts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlKind {
    /// The target of an `@import`.
    Import,
    /// A font file (in an `@font-face` rule): browsers fetch these with CORS.
    Font,
    /// Anything else: images, cursors.
    Resource,
}

/// `css` with each URL replaced by `map(kind, url)`; `None` keeps that URL as it was. Every URL
/// is seen, at any nesting depth (see [`crate::tokens`]).
pub fn rewrite_urls(css: &str, mut map: impl FnMut(UrlKind, &str) -> Option<String>) -> String {
    let mut edits = Vec::new();
    let mut blocks = vec![Block {
        closer: None,
        context: Context::TopLevel,
        in_font_face: false,
        font_face_next: false,
    }];
    for_each_token(css, |start, end, token| {
        visit(token, (start, end), &mut blocks, &mut edits, &mut map)
    });
    let mut out = String::with_capacity(css.len());
    let mut copied = 0;
    for (start, end, replacement) in edits {
        out.push_str(&css[copied..start]);
        out.push_str(&replacement);
        copied = end;
    }
    out.push_str(&css[copied..]);
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Context {
    TopLevel,
    /// Right after `@import`, before its first non-whitespace token.
    ImportPrelude,
    /// Inside `url(` with a quoted string, or inside `image-set(`.
    UrlArgument,
    Other,
}

/// One open block (the sheet itself at the bottom of the stack).
struct Block {
    /// What ends it; `None` for the sheet.
    closer: Option<Closer>,
    context: Context,
    /// Inside an `@font-face` block, where URLs are fonts.
    in_font_face: bool,
    /// An `@font-face` prelude was seen; its block comes next.
    font_face_next: bool,
}

type Edits = Vec<(usize, usize, String)>;

fn visit(
    token: &Token<'_>,
    (start, end): (usize, usize),
    blocks: &mut Vec<Block>,
    edits: &mut Edits,
    map: &mut impl FnMut(UrlKind, &str) -> Option<String>,
) {
    let depth = blocks.len();
    let current = &mut blocks[depth - 1];
    if depth > 1 && current.closer.is_some_and(|c| c.closed_by(token)) {
        blocks.pop();
        return;
    }
    let kind = if current.context == Context::ImportPrelude {
        UrlKind::Import
    } else if current.in_font_face {
        UrlKind::Font
    } else {
        UrlKind::Resource
    };
    let mut opened = None;
    match token {
        Token::WhiteSpace(_) | Token::Comment(_) => return,
        Token::AtKeyword(name) if name.eq_ignore_ascii_case("import") => {
            current.context = Context::ImportPrelude;
            return;
        }
        Token::AtKeyword(name) => {
            current.font_face_next = name.eq_ignore_ascii_case("font-face");
            return;
        }
        Token::Semicolon => current.font_face_next = false,
        Token::UnquotedUrl(url) => {
            if let Some(new) = map(kind, url) {
                let mut quoted = String::from("url(");
                let _ = serialize_string(&new, &mut quoted);
                quoted.push(')');
                edits.push((start, end, quoted));
            }
        }
        Token::QuotedString(url)
            if matches!(
                current.context,
                Context::ImportPrelude | Context::UrlArgument
            ) =>
        {
            if let Some(new) = map(kind, url) {
                let mut quoted = String::new();
                let _ = serialize_string(&new, &mut quoted);
                edits.push((start, end, quoted));
            }
        }
        Token::Function(name) => {
            let context =
                if current.context == Context::ImportPrelude && name.eq_ignore_ascii_case("url") {
                    // `@import url("x")`: the string inside is an import.
                    Context::ImportPrelude
                } else if name.eq_ignore_ascii_case("url")
                    || name.eq_ignore_ascii_case("image-set")
                    || name.eq_ignore_ascii_case("-webkit-image-set")
                {
                    Context::UrlArgument
                } else {
                    Context::Other
                };
            opened = Some((Closer::Parenthesis, context, current.in_font_face));
        }
        Token::CurlyBracketBlock => {
            let font_face = current.in_font_face || std::mem::take(&mut current.font_face_next);
            opened = Some((Closer::CurlyBracket, Context::Other, font_face));
        }
        Token::ParenthesisBlock | Token::SquareBracketBlock => {
            let closer = Closer::opened_by(token).unwrap_or(Closer::Parenthesis);
            opened = Some((closer, Context::Other, current.in_font_face));
        }
        _ => {}
    }
    if current.context == Context::ImportPrelude {
        current.context = Context::Other;
    }
    if let Some((closer, context, in_font_face)) = opened {
        blocks.push(Block {
            closer: Some(closer),
            context,
            in_font_face,
            font_face_next: false,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn absolute(css: &str) -> String {
        rewrite_urls(css, |kind, url| {
            Some(match kind {
                UrlKind::Import => format!("https://x.test/imports/{url}"),
                UrlKind::Font => format!("https://x.test/fonts/{url}"),
                UrlKind::Resource => format!("https://x.test/{url}"),
            })
        })
    }

    #[test]
    fn every_url_form_is_mapped() {
        assert_eq!(
            absolute(".a { background: url(img/a.png) }"),
            r#".a { background: url("https://x.test/img/a.png") }"#
        );
        assert_eq!(
            absolute(".a { background: url( 'img/a.png' ) no-repeat }"),
            r#".a { background: url( "https://x.test/img/a.png" ) no-repeat }"#
        );
        assert_eq!(
            absolute(r#"@font-face { src: url("f.woff2") format("woff2") }"#),
            r#"@font-face { src: url("https://x.test/fonts/f.woff2") format("woff2") }"#
        );
        assert_eq!(
            absolute(r#".b { background-image: image-set("a.png" 1x, url(b.png) 2x) }"#),
            r#".b { background-image: image-set("https://x.test/a.png" 1x, url("https://x.test/b.png") 2x) }"#
        );
    }

    #[test]
    fn imports_are_told_apart() {
        assert_eq!(
            absolute(r#"@import "base.css" screen; .a { color: red }"#),
            r#"@import "https://x.test/imports/base.css" screen; .a { color: red }"#
        );
        assert_eq!(
            absolute("@import url(base.css);"),
            r#"@import url("https://x.test/imports/base.css");"#
        );
        assert_eq!(
            absolute(r#"@import url("base.css") layer(x);"#),
            r#"@import url("https://x.test/imports/base.css") layer(x);"#
        );
    }

    #[test]
    fn fonts_are_told_apart() {
        assert_eq!(
            absolute("@font-face{src:url(a.woff)} .x{background:url(b.png)}"),
            r#"@font-face{src:url("https://x.test/fonts/a.woff")} .x{background:url("https://x.test/b.png")}"#
        );
        assert_eq!(
            absolute("@media print { @font-face { src: url(a.woff) } } @page { x: url(c.png) }"),
            r#"@media print { @font-face { src: url("https://x.test/fonts/a.woff") } } @page { x: url("https://x.test/c.png") }"#
        );
    }

    #[test]
    fn strings_that_are_not_urls_and_invalid_css_stay() {
        let css = r#".a::before { content: "img/a.png" } .b { font-family: "url(x)" }"#;
        assert_eq!(absolute(css), css);
        let broken = ".a { color: red; background: url(a.png";
        assert_eq!(
            absolute(broken),
            r#".a { color: red; background: url("https://x.test/a.png")"#,
            "an unclosed url() at the end still maps the URL"
        );
        let garbage = "}}} { ;; @media ((( /* c */";
        assert_eq!(absolute(garbage), garbage);
    }

    #[test]
    fn a_none_keeps_the_url_and_quotes_are_escaped() {
        let css = ".a { background: url(keep.png) } .b { background: url(x.png) }";
        let out = rewrite_urls(css, |_, url| (url == "x.png").then(|| "a\"b".to_string()));
        assert_eq!(
            out,
            r#".a { background: url(keep.png) } .b { background: url("a\"b") }"#
        );
    }
}
