//! How masked content looks when it leaves the page: text keeps its surrounding whitespace and
//! its length class (so layout stays close without telling the exact length), URL query
//! strings keep their parameter names, and which attributes carry content.

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
    const URLS: [&str; 8] = [
        "href",
        "src",
        "action",
        "formaction",
        "poster",
        "data",
        "cite",
        "xlink:href",
    ];
    URLS.iter().any(|u| name.eq_ignore_ascii_case(u))
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
}
