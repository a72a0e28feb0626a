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
#[path = "privacy_tests.rs"]
mod tests;
