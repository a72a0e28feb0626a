//! Privacy rules: what the customer module masks, blocks and keeps the agent from acting on.
//!
//! Rules come from three sources, merged in the customer's browser (the only place that
//! enforces them): the relay's configuration (sent at session start as
//! [`crate::RelayMsg::Privacy`], so operators change rules without touching the site), the
//! page's JavaScript configuration object, and in-page attributes (`data-cobrowse-mask`, ...).
//!
//! Precedence ([`Effective::merge`]): selectors of every source add up (masking is additive);
//! a switch set by the relay (a matching URL rule over its global section) beats the page's
//! object, which beats the built-in default. Defaults that protect the customer whatever the
//! configuration (passwords, hidden inputs, the widget) are not rules: capture hard-codes them.

use serde::{Deserialize, Serialize};

/// One set of rules: the relay's global section (`url` absent), one of its per-URL sections,
/// or the page's JavaScript object. Every field may be left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrivacyRules {
    /// Pages these rules apply to: a URL with `*` wildcards (`https://bank.example/loans/*`).
    /// `None`: every page.
    pub url: Option<String>,
    /// CSS selectors whose text, values and content attributes are masked (with descendants).
    pub mask: Vec<String>,
    /// CSS selectors of elements sent as same-size empty placeholders.
    pub block: Vec<String>,
    /// CSS selectors exempt from masking (with descendants) unless nearer masked again;
    /// never unmasks passwords.
    pub unmask: Vec<String>,
    /// CSS selectors of elements the agent may see but not act on.
    pub readonly: Vec<String>,
    /// Attribute names masked wherever they appear; a trailing `*` matches a prefix
    /// (`data-account-*`).
    pub masked_attributes: Vec<String>,
    /// Mask all text and values except where unmasked [default: false].
    pub private_by_default: Option<bool>,
    /// Mask fields with `autocomplete="cc-*"` (payment cards) [default: true].
    pub mask_card_fields: Option<bool>,
    /// Mask the query strings of URLs in `href`, `src` and `action` [default: false].
    pub mask_url_queries: Option<bool>,
    /// In masked parts, keep URLs down to their path (query values and fragment still
    /// masked), so images there still load; otherwise they are masked whole [default: false].
    pub keep_masked_url_paths: Option<bool>,
    /// What the customer reads beside the fields hidden from the agent
    /// [default: "Hidden from the agent"].
    pub indicator_text: Option<String>,
}

/// The built-in indicator text.
pub const DEFAULT_INDICATOR_TEXT: &str = "Hidden from the agent";

/// The rules in force on one page, with every default resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effective {
    pub mask: Vec<String>,
    pub block: Vec<String>,
    pub unmask: Vec<String>,
    pub readonly: Vec<String>,
    pub masked_attributes: Vec<String>,
    pub private_by_default: bool,
    pub mask_card_fields: bool,
    pub mask_url_queries: bool,
    pub keep_masked_url_paths: bool,
    pub indicator_text: String,
}

impl Default for Effective {
    fn default() -> Self {
        Self::merge(&[], &PrivacyRules::default(), "")
    }
}

impl Effective {
    /// Merges the relay's rule sets (global and per URL, in the order configured) that apply to
    /// `url` with the page's own object. A later matching relay rule's switch beats an earlier
    /// one; any relay switch beats the page's.
    pub fn merge(relay: &[PrivacyRules], page: &PrivacyRules, url: &str) -> Self {
        let applying: Vec<&PrivacyRules> = std::iter::once(page)
            .chain(
                relay
                    .iter()
                    .filter(|r| r.url.as_deref().is_none_or(|p| url_matches(p, url))),
            )
            .collect();
        let all = |pick: fn(&PrivacyRules) -> &Vec<String>| -> Vec<String> {
            let mut out: Vec<String> = Vec::new();
            for r in &applying {
                for s in pick(r) {
                    let s = s.trim();
                    if !s.is_empty() && !out.iter().any(|o| o == s) {
                        out.push(s.to_string());
                    }
                }
            }
            out
        };
        // The last source that sets a switch wins: the page first, then the relay's in order.
        let last = |pick: fn(&PrivacyRules) -> Option<bool>, default: bool| {
            applying
                .iter()
                .rev()
                .find_map(|r| pick(r))
                .unwrap_or(default)
        };
        Self {
            mask: all(|r| &r.mask),
            block: all(|r| &r.block),
            unmask: all(|r| &r.unmask),
            readonly: all(|r| &r.readonly),
            masked_attributes: all(|r| &r.masked_attributes),
            private_by_default: last(|r| r.private_by_default, false),
            mask_card_fields: last(|r| r.mask_card_fields, true),
            mask_url_queries: last(|r| r.mask_url_queries, false),
            keep_masked_url_paths: last(|r| r.keep_masked_url_paths, false),
            indicator_text: applying
                .iter()
                .rev()
                .find_map(|r| r.indicator_text.clone())
                .unwrap_or_else(|| DEFAULT_INDICATOR_TEXT.to_string()),
        }
    }

    /// Whether the attribute `name` is masked by a `masked_attributes` rule.
    pub fn masks_attribute(&self, name: &str) -> bool {
        self.masked_attributes
            .iter()
            .any(|rule| match rule.strip_suffix('*') {
                Some(prefix) => name
                    .get(..prefix.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(prefix)),
                None => name.eq_ignore_ascii_case(rule),
            })
    }
}

/// Whether `url` matches `pattern`, where `*` stands for any run of characters (including
/// none) and everything else must match exactly. A pattern without `*` must match the whole
/// URL, so `https://bank.example/` covers the home page only.
pub fn url_matches(pattern: &str, url: &str) -> bool {
    let mut pieces = pattern.split('*');
    let first = pieces.next().unwrap_or_default();
    let Some(mut rest) = url.strip_prefix(first) else {
        return false;
    };
    let pieces: Vec<&str> = pieces.collect();
    let Some((last, middle)) = pieces.split_last() else {
        return rest.is_empty();
    };
    for piece in middle {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Checks a rule set as an operator wrote it: `url` present exactly when `per_url`, and every
/// selector non-empty. Returns what is wrong, naming the field.
pub fn check_rules(rules: &PrivacyRules, per_url: bool) -> Result<(), String> {
    match (&rules.url, per_url) {
        (None, true) => return Err("a per-URL rule needs `url`".into()),
        (Some(_), false) => return Err("`url` belongs in a per-URL rule".into()),
        (Some(u), true) if u.trim().is_empty() => return Err("`url` is empty".into()),
        _ => {}
    }
    for (field, list) in [
        ("mask", &rules.mask),
        ("block", &rules.block),
        ("unmask", &rules.unmask),
        ("readonly", &rules.readonly),
        ("masked_attributes", &rules.masked_attributes),
    ] {
        if list.iter().any(|s| s.trim().is_empty()) {
            return Err(format!("`{field}` has an empty entry"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(url: Option<&str>, mask: &[&str]) -> PrivacyRules {
        PrivacyRules {
            url: url.map(str::to_string),
            mask: mask.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn url_patterns_match_with_wildcards_only_where_written() {
        assert!(url_matches(
            "https://bank.example/*",
            "https://bank.example/a/b?c"
        ));
        assert!(url_matches(
            "*/account.html*",
            "http://127.0.0.1:5/account.html?x=1"
        ));
        assert!(url_matches(
            "https://bank.example/",
            "https://bank.example/"
        ));
        assert!(!url_matches(
            "https://bank.example/",
            "https://bank.example/loans"
        ));
        assert!(!url_matches(
            "https://bank.example/*",
            "https://evil.example/"
        ));
        assert!(url_matches("*", "anything"));
        assert!(url_matches("a*b*c", "a-b-c"));
        assert!(!url_matches("a*b*c", "a-c-b"));
        assert!(!url_matches("ab*ba", "aba"));
    }

    #[test]
    fn defaults_mask_card_fields_and_nothing_else() {
        let e = Effective::default();
        assert!(e.mask_card_fields);
        assert!(!e.private_by_default && !e.mask_url_queries);
        assert!(e.mask.is_empty());
        assert_eq!(e.indicator_text, DEFAULT_INDICATOR_TEXT);
    }

    #[test]
    fn selectors_add_up_and_only_matching_url_rules_apply() {
        let relay = [
            rules(None, &[".global"]),
            rules(Some("*/account*"), &[".balance", ".global"]),
            rules(Some("*/loans*"), &[".loan"]),
        ];
        let page = rules(None, &["#mine"]);
        let e = Effective::merge(&relay, &page, "https://bank.example/account?id=1");
        assert_eq!(e.mask, ["#mine", ".global", ".balance"]);
    }

    #[test]
    fn relay_switches_beat_the_page_and_later_url_rules_beat_earlier() {
        let page = PrivacyRules {
            private_by_default: Some(false),
            mask_card_fields: Some(false),
            indicator_text: Some("Masqué".into()),
            ..Default::default()
        };
        let global = PrivacyRules {
            private_by_default: Some(true),
            ..Default::default()
        };
        let by_url = PrivacyRules {
            url: Some("*/open*".into()),
            private_by_default: Some(false),
            ..Default::default()
        };
        let relay = [global, by_url];
        let e = Effective::merge(&relay, &page, "https://x/account");
        assert!(
            e.private_by_default,
            "the relay's global switch beats the page"
        );
        assert!(
            !e.mask_card_fields,
            "the page decides what the relay leaves open"
        );
        assert_eq!(e.indicator_text, "Masqué");
        let e = Effective::merge(&relay, &page, "https://x/open");
        assert!(
            !e.private_by_default,
            "a matching URL rule beats the global section"
        );
    }

    #[test]
    fn masked_attribute_rules_match_names_and_prefixes() {
        let e = Effective::merge(
            &[PrivacyRules {
                masked_attributes: vec!["data-account-*".into(), "data-ssn".into()],
                ..Default::default()
            }],
            &PrivacyRules::default(),
            "",
        );
        assert!(e.masks_attribute("data-account-number"));
        assert!(e.masks_attribute("DATA-SSN"));
        assert!(!e.masks_attribute("data-ssnx"));
        assert!(!e.masks_attribute("data-acc"));
    }

    #[test]
    fn operator_rules_are_checked() {
        assert!(check_rules(&rules(None, &["a"]), false).is_ok());
        assert!(check_rules(&rules(None, &["a"]), true).is_err());
        assert!(check_rules(&rules(Some("*"), &["a"]), false).is_err());
        assert!(check_rules(&rules(Some("*"), &[" "]), true)
            .unwrap_err()
            .contains("mask"));
    }
}
