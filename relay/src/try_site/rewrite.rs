//! What `cobrowse-relay try` changes in the site's answers, without I/O: the snippet put into
//! HTML pages, the site's own absolute URLs pointed at the proxy (pages, redirects), and
//! cookies made to stick on the proxy's origin.

/// The snippet a site adds to its pages, for the relay at `relay_url`.
pub fn snippet(relay_url: &str) -> String {
    let relay = relay_url.trim_end_matches('/');
    format!(r#"<script src="{relay}/cobrowse.js" data-cobrowse-url="{relay}" async></script>"#)
}

/// `html` with `snippet` before its `</head>`, or else right after its `<body …>` tag, or else
/// at its end; and the site's absolute URLs (`site` origin) turned into the proxy's.
pub fn page(html: &str, snippet: &str, site: &str, proxy: &str) -> String {
    with_snippet(&html.replace(site, proxy), snippet)
}

/// `html` with `snippet` where a site team would put it: before its `</head>`, or else right
/// after its `<body …>` tag, or else at its end.
pub fn with_snippet(html: &str, snippet: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let at = lower
        .find("</head")
        .or_else(|| {
            let body = lower.find("<body")?;
            lower[body..].find('>').map(|end| body + end + 1)
        })
        .unwrap_or(html.len());
    let mut out = String::with_capacity(html.len() + snippet.len());
    out.push_str(&html[..at]);
    out.push_str(snippet);
    out.push_str(&html[at..]);
    out
}

/// A redirect's `Location`: to the site itself, it goes to the proxy instead.
pub fn location(value: &str, site: &str, proxy: &str) -> String {
    match value.strip_prefix(site) {
        Some(rest) if rest.is_empty() || rest.starts_with('/') || rest.starts_with('?') => {
            format!("{proxy}{rest}")
        }
        _ => value.to_string(),
    }
}

/// A `Set-Cookie` value for the proxy's origin: no `Domain` (the site's would not match the
/// proxy's host), and, on a plain-HTTP proxy, no `Secure` (the browser would drop it) and no
/// `SameSite=None` (which needs `Secure`).
pub fn cookie(value: &str, proxy_is_https: bool) -> String {
    value
        .split(';')
        .map(str::trim)
        .filter(|part| {
            let name = part
                .split('=')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            let lower = part.to_ascii_lowercase();
            !(name == "domain"
                || (!proxy_is_https && (name == "secure" || lower == "samesite=none")))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SITE: &str = "https://shop.example";
    const PROXY: &str = "http://127.0.0.1:8090";

    #[test]
    fn the_snippet_goes_before_the_head_ends() {
        let tag = snippet("http://127.0.0.1:8080/");
        assert_eq!(
            tag,
            r#"<script src="http://127.0.0.1:8080/cobrowse.js" data-cobrowse-url="http://127.0.0.1:8080" async></script>"#
        );
        let out = page(
            "<html><HEAD><title>t</title></HEAD><body>x</body></html>",
            "<s>",
            SITE,
            PROXY,
        );
        assert_eq!(
            out,
            "<html><HEAD><title>t</title><s></HEAD><body>x</body></html>"
        );
    }

    #[test]
    fn without_a_head_after_the_body_tag_or_at_the_end() {
        assert_eq!(
            page("<p>a</p><body class=\"x\"><p>b</p>", "<s>", SITE, PROXY),
            "<p>a</p><body class=\"x\"><s><p>b</p>"
        );
        assert_eq!(page("<p>only</p>", "<s>", SITE, PROXY), "<p>only</p><s>");
    }

    #[test]
    fn the_sites_own_links_stay_in_the_proxy() {
        let out = page(
            r#"<head></head><a href="https://shop.example/cart">c</a><a href="https://other.example/">o</a>"#,
            "",
            SITE,
            PROXY,
        );
        assert!(
            out.contains(r#"href="http://127.0.0.1:8090/cart""#),
            "{out}"
        );
        assert!(out.contains(r#"href="https://other.example/""#), "{out}");
    }

    #[test]
    fn redirects_to_the_site_go_to_the_proxy() {
        assert_eq!(
            location("https://shop.example/login?x=1", SITE, PROXY),
            "http://127.0.0.1:8090/login?x=1"
        );
        assert_eq!(location("https://shop.example", SITE, PROXY), PROXY);
        assert_eq!(location("/relative", SITE, PROXY), "/relative");
        // Another host that only starts like the site's.
        assert_eq!(
            location("https://shop.example.evil/", SITE, PROXY),
            "https://shop.example.evil/"
        );
    }

    #[test]
    fn cookies_lose_what_would_keep_them_off_the_proxy() {
        assert_eq!(
            cookie(
                "sid=abc; Domain=.shop.example; Path=/; Secure; HttpOnly; SameSite=None",
                false
            ),
            "sid=abc; Path=/; HttpOnly"
        );
        assert_eq!(
            cookie("sid=abc; Domain=shop.example; Secure; SameSite=Lax", true),
            "sid=abc; Secure; SameSite=Lax"
        );
    }
}
