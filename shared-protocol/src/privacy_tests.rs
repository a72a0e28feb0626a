//! Tests of the privacy rules: URL patterns, the defaults, how the relay's and the page's rules add up, masked attributes, the operator's rules checked.

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
