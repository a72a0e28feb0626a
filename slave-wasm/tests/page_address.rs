//! The page's own address and title in the snapshot, in a real browser: a page signed in
//! through OAuth (`#access_token=...`) sends no token to the agent, and a private page's title
//! and query values are masked as its text is; the address the view needs is still sent.

#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use master_wasm::privacy::Policy;
use shared_protocol::privacy::{Effective, PrivacyRules};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

#[path = "common/captured.rs"]
#[allow(dead_code)] // Shared by the privacy tests; this one takes no batches.
mod captured;
mod common;
#[path = "common/streamed.rs"]
mod streamed;
use captured::Captured;
use streamed::Streamed;

wasm_bindgen_test_configure!(run_in_browser);

/// Captures the test's own page at `?account=123#access_token=SECRET-TOKEN` titled
/// `PAGE-TITLE`, under `rules`; the page's address and title are put back after.
fn capture_signed_in_page(rules: PrivacyRules) -> Captured {
    let window = web_sys::window().unwrap();
    let doc = window.document().unwrap();
    let history = window.history().unwrap();
    let (url, title) = (doc.url().unwrap(), doc.title());
    history
        .replace_state_with_url(
            &JsValue::NULL,
            "",
            Some("?account=123#access_token=SECRET-TOKEN&token_type=bearer"),
        )
        .unwrap();
    doc.set_title("PAGE-TITLE");
    let effective = Effective::merge(&[], &rules, &doc.url().unwrap());
    let policy = Rc::new(Policy::new(&doc, effective, Default::default()).0);
    let (_stream, parts) = Streamed::start(doc.clone(), 1, policy);
    let mut got = Captured::new();
    for part in parts {
        got.take(part);
    }
    history
        .replace_state_with_url(&JsValue::NULL, "", Some(&url))
        .unwrap();
    doc.set_title(&title);
    got
}

#[wasm_bindgen_test]
fn a_token_in_the_fragment_never_reaches_the_agent() {
    let got = capture_signed_in_page(PrivacyRules::default());
    got.assert_hidden(&["SECRET-TOKEN"]);
    for shown in ["account=123", "access_token=", "PAGE-TITLE"] {
        assert!(got.shows(shown), "{shown} is sent");
    }
}

#[wasm_bindgen_test]
fn a_private_page_sends_its_title_and_query_values_masked() {
    let got = capture_signed_in_page(PrivacyRules {
        private_by_default: Some(true),
        ..Default::default()
    });
    got.assert_hidden(&["SECRET-TOKEN", "PAGE-TITLE", "account=123"]);
    assert!(got.shows("account="), "the address is sent");
}
