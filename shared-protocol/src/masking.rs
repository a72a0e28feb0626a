//! How masked content looks when it leaves the customer's page: text keeps its surrounding
//! whitespace and its length class (so layout stays close without telling the exact length),
//! URL query strings keep their parameter names; which attributes carry content; and what an
//! element in a masked part may keep of its attributes ([`masked_part_attribute`]).

/// What masked characters become.
pub const BULLET: char = '•';

/// Lengths are rounded up to a multiple of this.
const LENGTH_CLASS: usize = 4;
/// Longest masked run; longer secrets are not worth a longer placeholder.
const MASK_MAX: usize = 64;

/// The length a masked run of `n` characters gets: `n` rounded up to its class, capped.
pub fn length_class(n: usize) -> usize {
    n.div_ceil(LENGTH_CLASS)
        .saturating_mul(LENGTH_CLASS)
        .min(MASK_MAX)
}

/// `text` masked: leading and trailing whitespace kept (it shapes inline layout), everything
/// between becomes bullets of its length class. Whitespace-only text carries nothing and
/// stays.
pub fn mask_text(text: &str) -> String {
    let inner = text.trim();
    if inner.is_empty() {
        return text.to_string();
    }
    let start = text.len() - text.trim_start().len();
    let end = start + inner.len();
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..start]);
    out.extend(std::iter::repeat_n(
        BULLET,
        length_class(inner.chars().count()),
    ));
    out.push_str(&text[end..]);
    out
}

/// A form control's value masked: its length class in bullets (empty stays empty).
pub fn mask_value(value: &str) -> String {
    std::iter::repeat_n(BULLET, length_class(value.chars().count())).collect()
}

/// Attributes whose value is content a person reads (masked in masked parts of the page).
pub fn is_content_attribute(name: &str) -> bool {
    const CONTENT: [&str; 9] = [
        "value",
        "placeholder",
        "title",
        "alt",
        "aria-label",
        "aria-description",
        "aria-valuetext",
        "label",
        "data-value",
    ];
    CONTENT.iter().any(|c| name.eq_ignore_ascii_case(c))
}

/// Attributes holding a URL whose query string may carry personal data.
pub fn is_url_attribute(name: &str) -> bool {
    const URLS: [&str; 10] = [
        "href",
        "src",
        "action",
        "formaction",
        "poster",
        "data",
        "cite",
        "xlink:href",
        "ping",
        "background",
    ];
    URLS.iter().any(|u| name.eq_ignore_ascii_case(u))
}

/// One attribute of an element in a masked part of the page, as it may leave: what a person
/// reads and `data-*` attributes masked like text; URLs (`href`, `src`, `srcset`, `poster`,
/// `action`, ... and the `url()`s of an inline `style`) masked whole, or with
/// `keep_url_paths` down to their path (query values and fragment masked, so images there
/// still load). `None`: nothing in it to mask (`class`, `id`, `type`, ...).
pub fn masked_part_attribute(name: &str, value: &str, keep_url_paths: bool) -> Option<String> {
    let is = |n: &str| name.eq_ignore_ascii_case(n);
    if is_content_attribute(name) || is_data_attribute(name) {
        Some(mask_value(value))
    } else if is_url_attribute(name) {
        Some(mask_url(value, keep_url_paths))
    } else if is("srcset") || is("imagesrcset") {
        Some(mask_srcset(value, keep_url_paths))
    } else if is("style") {
        Some(mask_css_urls(value, keep_url_paths))
    } else {
        None
    }
}

/// A page's own `data-*` attribute (the co-browse markers are not page content).
fn is_data_attribute(name: &str) -> bool {
    let head = |p: &str| {
        name.get(..p.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(p))
    };
    head("data-") && !head("data-cobrowse-")
}

/// A URL in a masked part: bullets, or with `keep_path` its path with query values and
/// fragment masked ([`mask_url_query`]).
pub fn mask_url(url: &str, keep_path: bool) -> String {
    if keep_path {
        mask_url_query(url)
    } else {
        mask_value(url)
    }
}

/// A `srcset` (`a.png 1x, b.png 2x`) with each URL masked and each descriptor kept.
pub fn mask_srcset(srcset: &str, keep_path: bool) -> String {
    srcset
        .split(',')
        .map(|candidate| {
            let candidate = candidate.trim();
            match candidate.split_once(char::is_whitespace) {
                Some((url, descriptor)) => {
                    format!("{} {}", mask_url(url, keep_path), descriptor.trim())
                }
                None => mask_url(candidate, keep_path),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// CSS with the address in each `url(...)` masked (quotes dropped; the rest as it is).
pub fn mask_css_urls(css: &str, keep_path: bool) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(at) = find_ignore_ascii_case(rest, "url(") {
        let (before, after) = rest.split_at(at + 4);
        out.push_str(before);
        let end = after.find(')').unwrap_or(after.len());
        let url = after[..end].trim().trim_matches(|c| c == '"' || c == '\'');
        out.push('"');
        out.push_str(&mask_url(url, keep_path).replace('"', "%22"));
        out.push('"');
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

fn find_ignore_ascii_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// `url` with each query parameter's value and the fragment masked; names stay, so the agent
/// still sees which page it is (`/search?q=••••`).
pub fn mask_url_query(url: &str) -> String {
    let (rest, fragment) = match url.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (url, None),
    };
    let mut out = match rest.split_once('?') {
        Some((path, query)) => {
            let params: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((name, value)) => format!("{name}={}", mask_value(value)),
                    None => pair.to_string(),
                })
                .collect();
            format!("{path}?{}", params.join("&"))
        }
        None => rest.to_string(),
    };
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(&mask_value(f));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_text_keeps_its_whitespace_and_length_class() {
        assert_eq!(mask_text("abc"), "••••");
        assert_eq!(mask_text("  Jane Doe\n"), "  ••••••••\n");
        assert_eq!(mask_text("\n   "), "\n   ");
        assert_eq!(mask_text(""), "");
        assert_eq!(mask_text(&"x".repeat(500)).chars().count(), MASK_MAX);
        // Lengths 5 to 8 look the same.
        assert_eq!(mask_text("12345"), mask_text("12345678"));
    }

    #[test]
    fn masked_values_hide_exact_length() {
        assert_eq!(mask_value(""), "");
        assert_eq!(mask_value("hunter2"), "••••••••");
        assert_eq!(mask_value("日本"), "••••");
    }

    #[test]
    fn url_queries_keep_names_and_lose_values() {
        assert_eq!(
            mask_url_query("/search?q=jane&page=2#top"),
            "/search?q=••••&page=••••#••••"
        );
        assert_eq!(mask_url_query("https://x/a"), "https://x/a");
        assert_eq!(mask_url_query("/a?flag"), "/a?flag");
    }

    #[test]
    fn content_and_url_attributes_are_known() {
        assert!(is_content_attribute("Placeholder"));
        assert!(is_content_attribute("aria-label"));
        assert!(!is_content_attribute("class"));
        assert!(is_url_attribute("HREF"));
        assert!(!is_url_attribute("id"));
    }

    #[test]
    fn a_masked_part_keeps_nothing_identifying_in_its_attributes() {
        let masked = |n: &str, v: &str| masked_part_attribute(n, v, false);
        assert_eq!(
            masked("data-account", "DE89 3704").as_deref(),
            Some("••••••••••••")
        );
        assert_eq!(masked("title", "Jane Doe").as_deref(), Some("••••••••"));
        assert_eq!(masked("data-cobrowse-mask", ""), None);
        assert_eq!(masked("class", "row"), None);
        for (name, value) in [
            ("href", "/u/jane?acct=SECRET#SECRET"),
            ("src", "https://cdn.example/jane.png?sig=SECRET"),
            ("poster", "/v.jpg#SECRET"),
            ("action", "/pay?to=SECRET"),
            ("srcset", "/a.png?u=SECRET 1x, /b.png?u=SECRET 2x"),
            ("style", "background: url('/bg.png?u=SECRET')"),
        ] {
            let out = masked(name, value).unwrap();
            assert!(
                !out.contains("SECRET") && !out.contains("jane"),
                "{name}: {out}"
            );
        }
        assert_eq!(
            masked("srcset", "/a.png?u=1 1x, /b.png 2x").unwrap(),
            "•••••••••••• 1x, •••••••• 2x"
        );
    }

    #[test]
    fn a_rule_keeps_masked_urls_paths_so_images_still_load() {
        let kept = |n: &str, v: &str| masked_part_attribute(n, v, true).unwrap();
        assert_eq!(
            kept("src", "/img/a.png?u=SECRET#x"),
            "/img/a.png?u=••••••••#••••"
        );
        assert_eq!(kept("srcset", "/a.png?u=SECRET 2x"), "/a.png?u=•••••••• 2x");
        assert_eq!(
            kept(
                "style",
                "color:red;background:URL( \"/bg.png?u=SECRET\" ) no-repeat"
            ),
            "color:red;background:URL(\"/bg.png?u=••••••••\") no-repeat"
        );
        assert_eq!(kept("data-x", "SECRET"), "••••••••");
    }
}
