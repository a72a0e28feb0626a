//! The customer page's own address and title as they leave the customer's browser: in the
//! sealed snapshot (for the agent's view) and in the page visits the relay records for the
//! session history ([`crate::PageInfo`]). They go through the page's masking rules like any
//! URL and text on the page: a private page or `mask_url_queries` masks query values; a
//! fragment carrying parameters (`#access_token=...`, as OAuth sign-ins leave them) always has
//! its values masked; the relay never gets a fragment at all.

use crate::masking::{mask_text, mask_url_query, mask_value};
use crate::privacy::Effective;

/// The page's URL for the agent. The path stays whatever the rules: the view resolves the
/// page's relative URLs (styles, images) against it.
pub fn url_for_agent(url: &str, rules: &Effective) -> String {
    let (rest, fragment) = match url.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (url, None),
    };
    let mask_queries = rules.mask_url_queries || rules.private_by_default;
    let mut out = if mask_queries {
        mask_url_query(rest)
    } else {
        rest.to_string()
    };
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(&if f.contains('=') {
            // Parameters: names stay, values go (`#access_token=••••&state=••••`).
            mask_url_query(&format!("?{f}"))[1..].to_string()
        } else if mask_queries {
            mask_value(f)
        } else {
            // A route or an anchor (`#/account`, `#top`) tells the agent where the page is.
            f.to_string()
        });
    }
    out
}

/// The page's URL for the relay's history: as the agent gets it, without the fragment.
pub fn url_for_relay(url: &str, rules: &Effective) -> String {
    let without_fragment = url.split_once('#').map_or(url, |(r, _)| r);
    url_for_agent(without_fragment, rules)
}

/// The page's title: masked like text when its `<title>` is in a masked part of the page
/// (a page private by default, a rule that selects it).
pub fn title(title: &str, masked: bool) -> String {
    if masked {
        mask_text(title)
    } else {
        title.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privacy::PrivacyRules;

    fn rules(private: bool, mask_queries: bool) -> Effective {
        let page = PrivacyRules {
            private_by_default: Some(private),
            mask_url_queries: Some(mask_queries),
            ..Default::default()
        };
        Effective::merge(&[], &page, "")
    }

    const SIGNED_IN: &str = "https://bank.example/account?account=123#access_token=SECRET&x=1";

    #[test]
    fn a_fragment_with_parameters_never_leaves_with_its_values() {
        let open = rules(false, false);
        let agent = url_for_agent(SIGNED_IN, &open);
        assert_eq!(
            agent,
            "https://bank.example/account?account=123#access_token=••••••••&x=••••"
        );
        assert_eq!(
            url_for_relay(SIGNED_IN, &open),
            "https://bank.example/account?account=123"
        );
    }

    #[test]
    fn routes_and_anchors_stay_unless_the_rules_mask_queries() {
        let open = rules(false, false);
        assert_eq!(
            url_for_agent("https://x/app#/loans/7", &open),
            "https://x/app#/loans/7"
        );
        assert_eq!(
            url_for_relay("https://x/app#/loans/7", &open),
            "https://x/app"
        );
        for strict in [rules(true, false), rules(false, true)] {
            assert_eq!(
                url_for_agent("https://x/a?acct=123#/loans/7", &strict),
                "https://x/a?acct=••••#••••••••"
            );
            assert_eq!(
                url_for_relay(SIGNED_IN, &strict),
                "https://bank.example/account?account=••••"
            );
        }
    }

    #[test]
    fn titles_are_masked_like_text_where_the_page_is() {
        assert_eq!(title("Jane Doe - Account", true), "••••••••••••••••••••");
        assert_eq!(title("Account", false), "Account");
    }
}
