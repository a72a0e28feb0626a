//! Attribute rules both browsers apply: the customer module before anything leaves the page,
//! the agent console again before anything enters its view (defence in depth).

/// `javascript:` and `vbscript:` URLs, however the page hides them with case, spaces or control
/// characters (browsers strip those before reading the scheme).
pub fn is_script_url(value: &str) -> bool {
    let scheme: String = value
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .take(11)
        .collect::<String>()
        .to_ascii_lowercase();
    scheme.starts_with("javascript:") || scheme.starts_with("vbscript:")
}

/// `data:` URLs of documents that can hold script (HTML, XHTML, XML), however disguised.
pub fn is_document_data_url(value: &str) -> bool {
    let head: String = value
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .take(40)
        .collect::<String>()
        .to_ascii_lowercase();
    let Some(mime) = head.strip_prefix("data:") else {
        return false;
    };
    // SVG images stay: in `<img>` and CSS they never run script, and icons use them a lot.
    [
        "text/html",
        "application/xhtml",
        "text/xml",
        "application/xml",
    ]
    .iter()
    .any(|m| mime.starts_with(m))
}

/// CSS that can run code or load a script in old engines: `expression(...)`, `behavior:`,
/// `-moz-binding`, and `url(javascript:...)`, after CSS escapes and comments are undone.
pub fn is_unsafe_css(css: &str) -> bool {
    let plain = css_plain(css);
    plain.contains("expression(")
        || has_behavior_property(&plain)
        || plain.contains("-moz-binding")
        || plain.contains("javascript:")
        || plain.contains("vbscript:")
}

/// Whether `plain` declares IE's `behavior` (or `-ms-behavior`) property: `behavior:` where a
/// property name starts, not at the end of another name (`scroll-behavior`,
/// `overscroll-behavior`, which pages use everywhere and which run nothing). IE's hacks count
/// as its start (`*behavior`, `_behavior`).
fn has_behavior_property(plain: &str) -> bool {
    plain.match_indices("behavior:").any(|(at, _)| {
        let before = &plain[..at];
        // IE6's hacks put `-`, `*` or `_` before a name and still apply it.
        let name_start = before.trim_end_matches(['-', '*', '_']);
        before.ends_with("-ms-") || name_start.is_empty() || name_start.ends_with([';', '{', '}'])
    })
}

/// `css` lowercased with comments, whitespace, quotes and backslash escapes removed, so that
/// `ex/**/pression(`, `\65xpression(` and `url( "java\script:` all read plainly. A `/*` inside
/// a string or a `url(...)` opens no comment (as in a browser's tokenizer): it cannot hide what
/// follows it.
fn css_plain(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut chars = css.chars().peekable();
    let mut quote: Option<char> = None;
    let mut in_url = false;
    while let Some(c) = chars.next() {
        match c {
            '/' if quote.is_none() && !in_url && chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            '\\' => {
                let hex: String = std::iter::from_fn(|| chars.next_if(|c| c.is_ascii_hexdigit()))
                    .take(6)
                    .collect();
                if hex.is_empty() {
                    if let Some(next) = chars.next() {
                        out.extend(next.to_lowercase());
                    }
                } else {
                    chars.next_if(|c| c.is_ascii_whitespace());
                    if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                        out.extend(c.to_lowercase());
                    }
                }
            }
            '"' | '\'' => match quote {
                None => quote = Some(c),
                Some(q) if q == c => quote = None,
                Some(_) => {}
            },
            ')' if quote.is_none() && in_url => {
                in_url = false;
                out.push(c);
            }
            c if c.is_whitespace() || c.is_control() => {}
            c => {
                out.extend(c.to_lowercase());
                in_url |= quote.is_none() && out.ends_with("url(");
            }
        }
    }
    out
}

/// Attributes that can run code or load a document of their own: inline event handlers,
/// `srcdoc`, any attribute whose value is a script URL or a document `data:` URL, and inline
/// styles with script in them.
pub fn is_unsafe_attribute(name: &str, value: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with("on")
        || name == "srcdoc"
        || is_script_url(value)
        || is_document_data_url(value)
        || (name == "style" && is_unsafe_css(value))
}

/// Elements dropped whole for what their attributes do: `<meta http-equiv>` that would
/// navigate the agent's view, set cookies or impose the page's CSP on it (which would block the
/// view's own loading) and SVG `<set>`/`<animate>` that write a URL or a handler (a
/// way to smuggle `javascript:` past attribute checks). `attr` reads one attribute.
pub fn is_unsafe_element(tag: &str, attr: impl Fn(&str) -> Option<String>) -> bool {
    match tag.to_ascii_lowercase().as_str() {
        "meta" => attr("http-equiv").is_some_and(|v| {
            let v = v.trim();
            ["refresh", "content-security-policy", "set-cookie"]
                .iter()
                .any(|e| v.eq_ignore_ascii_case(e))
        }),
        "set" | "animate" => attr("attributeName").is_some_and(|v| {
            let v = v.trim().to_ascii_lowercase();
            v.starts_with("on") || v.ends_with("href") || v == "src" || v == "style"
        }),
        _ => false,
    }
}

/// Elements the agent's view keeps inert, without a single attribute: those
/// [`is_unsafe_element`] names, any page `<base>` (the view sets its own, to the customer's
/// URL) and `<script>`. The one decision for an element the view creates and for one whose
/// attributes a batch changes (with the change applied to what `attr` reads), so a change
/// cannot turn live what creation kept inert.
pub fn is_inert_in_view(tag: &str, attr: impl Fn(&str) -> Option<String>) -> bool {
    tag.eq_ignore_ascii_case("base")
        || tag.eq_ignore_ascii_case("script")
        || is_unsafe_element(tag, attr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_urls_are_recognized_however_disguised() {
        assert!(is_script_url("javascript:alert(1)"));
        assert!(is_script_url("  JavaScript:alert(1)"));
        assert!(is_script_url("java\tscript:alert(1)"));
        assert!(is_script_url("\u{1}javascript:x"));
        assert!(is_script_url("VBScript:x"));
        assert!(!is_script_url("https://bank.example/"));
        assert!(!is_script_url("/javascript:notascheme"));
    }

    #[test]
    fn document_data_urls_are_unsafe_and_images_are_not() {
        assert!(is_unsafe_attribute(
            "src",
            "data:text/html,<script>x</script>"
        ));
        assert!(is_unsafe_attribute(
            "data",
            " DATA:text/html;base64,PHNjcmlwdD4="
        ));
        assert!(is_unsafe_attribute(
            "href",
            "data:application/xhtml+xml,<x/>"
        ));
        assert!(!is_unsafe_attribute("src", "data:image/svg+xml,<svg/>"));
        assert!(!is_unsafe_attribute(
            "src",
            "data:image/png;base64,iVBORw0KGgo="
        ));
    }

    #[test]
    fn script_in_css_is_found_through_comments_and_escapes() {
        assert!(is_unsafe_css("width: expression(alert(1))"));
        assert!(is_unsafe_css("width: ex/**/pression(alert(1))"));
        assert!(is_unsafe_css("width: \\65 xpression(alert(1))"));
        assert!(is_unsafe_css("background: url( \"java\\script:alert(1)\")"));
        assert!(is_unsafe_css("background:url(JavaScript:alert(1))"));
        assert!(is_unsafe_css("-moz-binding: url(x.xml#xss)"));
        assert!(!is_unsafe_css("color: red; background: url(/img/a.png)"));
        // IE's behavior property, however written; other properties ending in it run nothing.
        for unsafe_css in [
            "behavior: url(x.htc)",
            "a { color: red; behavior:url(x.htc) }",
            "a{behavior:url(x.htc)}",
            "-ms-behavior: url(x.htc)",
            "*behavior: url(x.htc)",
            "_behavior: url(x.htc)",
            "-behavior: url(x.htc)",
            r"\2d behavior: url(x.htc)",
            // A comment marker inside a string or a url() opens no comment in a browser.
            r#"content: "a/*"; /**/behavior: url(x.htc)"#,
            "background: url(a/*); /**/behavior: url(x.htc)",
            r#"content: "/*"; behavior: url(x.htc); x: "*/""#,
            r"color: red;\62 ehavior: url(x.htc)",
            "color: red;/**/behavior: url(x.htc)",
        ] {
            assert!(is_unsafe_css(unsafe_css), "{unsafe_css}");
        }
        for safe_css in [
            ":root { scroll-behavior: smooth; }",
            "@media (prefers-reduced-motion: no-preference) { :root { scroll-behavior: smooth } }",
            ".modal { overscroll-behavior: contain; position: fixed }",
            "overscroll-behavior-y: none",
        ] {
            assert!(!is_unsafe_css(safe_css), "{safe_css}");
        }
        assert!(!is_unsafe_attribute("style", "scroll-behavior: smooth"));
        // The same trick could hide the other dangers.
        assert!(is_unsafe_css(
            r#"content: "/*"; width: expression(alert(1)); x: "*/""#
        ));
        assert!(is_unsafe_css(
            "background: url(/*) , url(javascript:alert(1)) /* */"
        ));
        assert!(is_unsafe_attribute("style", "x:expression(1)"));
        assert!(!is_unsafe_attribute("style", "color: red"));
    }

    #[test]
    fn refreshing_metas_and_url_writing_animations_are_unsafe_elements() {
        let attrs = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(is_unsafe_element(
            "meta",
            attrs(&[("http-equiv", " Refresh")])
        ));
        assert!(!is_unsafe_element("meta", attrs(&[("charset", "utf-8")])));
        assert!(is_unsafe_element(
            "META",
            attrs(&[("http-equiv", "Content-Security-Policy")])
        ));
        assert!(is_unsafe_element(
            "set",
            attrs(&[("attributeName", "href")])
        ));
        assert!(is_unsafe_element(
            "animate",
            attrs(&[("attributeName", "xlink:href")])
        ));
        assert!(is_unsafe_element(
            "set",
            attrs(&[("attributeName", "onclick")])
        ));
        assert!(!is_unsafe_element(
            "animate",
            attrs(&[("attributeName", "opacity")])
        ));
    }

    #[test]
    fn handlers_srcdoc_and_script_urls_are_unsafe() {
        assert!(is_unsafe_attribute("onclick", "x()"));
        assert!(is_unsafe_attribute("ONLOAD", "x()"));
        assert!(is_unsafe_attribute("srcdoc", "<b>"));
        assert!(is_unsafe_attribute("href", "javascript:void(0)"));
        assert!(!is_unsafe_attribute("href", "/account.html"));
        assert!(!is_unsafe_attribute("class", "online"));
    }

    #[test]
    fn the_view_keeps_bases_scripts_and_unsafe_elements_inert() {
        let none = |_: &str| None;
        assert!(is_inert_in_view("BASE", none));
        assert!(is_inert_in_view("script", none));
        assert!(!is_inert_in_view("meta", none));
        assert!(is_inert_in_view("meta", |n: &str| (n == "http-equiv")
            .then(|| "refresh".to_string())));
        assert!(!is_inert_in_view("p", |_: &str| Some(
            "refresh".to_string()
        )));
    }
}
