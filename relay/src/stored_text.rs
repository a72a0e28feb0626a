//! What of a customer's page metadata the relay keeps (store, reports, logs): URLs without
//! their fragment (`#access_token=…` lives there) and without their query unless
//! `keep_query_strings`, and every text capped in length. The caps live here and nowhere else;
//! a customer's module (or a script posing as one) may send anything up to a frame's size.

use std::borrow::Cow;

/// Longest URL kept, in bytes.
pub const MAX_URL_BYTES: usize = 2048;
/// Longest page title kept, in bytes.
pub const MAX_TITLE_BYTES: usize = 512;
/// Longest user agent kept, in bytes.
pub const MAX_USER_AGENT_BYTES: usize = 512;

/// A URL as a log line shows it: never its query, fragment or `user:password@`, whatever the
/// store keeps (`keep_query_strings` is for the history, which has an access policy; logs go
/// everywhere).
pub fn url_for_log(url: &str) -> Cow<'_, str> {
    let head = url.split(['?', '#']).next().unwrap_or_default();
    without_userinfo(head)
}

/// `url` without the `user:password@` of its authority, if it has one.
fn without_userinfo(url: &str) -> Cow<'_, str> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Cow::Borrowed(url);
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => Cow::Owned(format!("{scheme}://{}", &rest[at + 1..])),
        None => Cow::Borrowed(url),
    }
}

/// A page URL as the relay keeps it: never the fragment or a `user:password@`; the query only
/// if `keep_query`.
pub fn url(raw: &str, keep_query: bool) -> String {
    let raw = without_userinfo(raw);
    let raw = raw.as_ref();
    let without_fragment = raw.split_once('#').map_or(raw, |(head, _)| head);
    let kept = if keep_query {
        without_fragment
    } else {
        without_fragment
            .split_once('?')
            .map_or(without_fragment, |(head, _)| head)
    };
    capped(kept, MAX_URL_BYTES)
}

pub fn title(raw: &str) -> String {
    capped(raw, MAX_TITLE_BYTES)
}

pub fn user_agent(raw: &str) -> String {
    capped(raw, MAX_USER_AGENT_BYTES)
}

/// At most `max` bytes of `text`, cut on a character boundary.
fn capped(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_never_show_a_query_or_a_fragment() {
        let cases = [
            ("https://shop.test/a?card=4111#t=1", "https://shop.test/a"),
            ("https://shop.test/a#x?y", "https://shop.test/a"),
            ("https://shop.test/", "https://shop.test/"),
            ("https://ana:pw@hooks.test/in?k=1", "https://hooks.test/in"),
            ("https://a@b:pw@hooks.test", "https://hooks.test"),
            ("https://hooks.test/a@b", "https://hooks.test/a@b"),
            ("mailto:ana@bank.test", "mailto:ana@bank.test"),
            ("", ""),
        ];
        for (raw, logged) in cases {
            assert_eq!(url_for_log(raw), logged, "{raw}");
        }
    }

    #[test]
    fn fragments_go_always_queries_unless_kept() {
        let raw = "https://bank.example/cb?code=1#access_token=x?y";
        assert_eq!(url(raw, false), "https://bank.example/cb");
        assert_eq!(url(raw, true), "https://bank.example/cb?code=1");
        assert_eq!(url("https://a.example/#/route", true), "https://a.example/");
        assert_eq!(
            url("https://ana:pw@bank.example/cb?x=1#y", true),
            "https://bank.example/cb?x=1"
        );
        assert_eq!(
            url("https://bank.example/?to=a@b", true),
            "https://bank.example/?to=a@b"
        );
    }

    #[test]
    fn caps_cut_on_a_char_boundary() {
        let t = title(&"€".repeat(1000));
        assert!(t.len() <= MAX_TITLE_BYTES && t.len() > MAX_TITLE_BYTES - 3);
        assert!(t.chars().all(|c| c == '€'));
        assert_eq!(user_agent("short"), "short");
        assert_eq!(url(&"a".repeat(5000), true).len(), MAX_URL_BYTES);
    }
}
