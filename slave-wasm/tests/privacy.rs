//! Privacy at capture, in a real browser: every place a page can hold a secret gets a unique
//! marker, the page is captured (snapshot and later batches, through the wire format) and
//! rebuilt as the console does, and no marker may appear in any payload or in the rebuilt
//! view, while the page's public text does (so the search itself is proven to work).

#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use master_wasm::privacy::Policy;
use shared_protocol::privacy::{Effective, PrivacyRules};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Document, Element, HtmlInputElement};

mod common;
#[path = "common/streamed.rs"]
mod streamed;
use common::new_document;
use streamed::Streamed;
#[path = "common/captured.rs"]
mod captured;
use captured::Captured;

wasm_bindgen_test_configure!(run_in_browser);

fn policy(doc: &Document, relay: &[PrivacyRules], page: PrivacyRules) -> Rc<Policy> {
    let effective = Effective::merge(relay, &page, "https://bank.example/account?id=7");
    let (policy, broken) = Policy::new(doc, effective, Default::default());
    assert!(broken.is_empty(), "{broken:?}");
    Rc::new(policy)
}

fn el(doc: &Document, selector: &str) -> Element {
    doc.query_selector(selector).unwrap().unwrap()
}

fn input(doc: &Document, selector: &str) -> HtmlInputElement {
    el(doc, selector).unchecked_into()
}

const PAGE: &str = r#"
  <p id=public>PUBLIC-TEXT</p>
  <div data-cobrowse-mask>MASKED-TEXT <span title="MASKED-TITLE">x</span>
    <img alt="MASKED-ALT" src="/a.png"><input id=m placeholder="MASKED-PLACEHOLDER"
    aria-label="MASKED-ARIA" value="MASKED-VALUE-ATTR"></div>
  <input type=hidden name=h value="HIDDEN-INPUT">
  <input id=pw type=password value="PASSWORD-ATTR">
  <input id=cc autocomplete="cc-number" value="CARD-FIELD">
  <div class=balance>SELECTOR-MASKED</div>
  <div id=stmt data-cobrowse-block>BLOCKED-TEXT <b>BLOCKED-CHILD</b></div>
  <div class=statement>RULE-BLOCKED</div>
  <a id=link href="/search?q=QUERY-SECRET#FRAGMENT-SECRET">search</a>
  <span data-account="ATTR-BY-RULE">acct</span>
  <p>card 4111 1111 1111 1111, ssn 078-05-1120, Bearer TOKENabcdefghijklmnop</p>
  <div data-cobrowse-mask><p data-cobrowse-unmask>OPEN-TEXT</p></div>
  <input id=later>
  <input id=flip type=password>
  <div id=grows data-cobrowse-mask></div>
  <div id=becomes>BECOMES-MASKED</div>
  <div id=classed>CLASS-MASKED</div>
  <textarea id=ta data-cobrowse-mask>TEXTAREA-SECRET</textarea>
"#;

#[wasm_bindgen_test]
fn nothing_marked_private_leaves_the_page_at_start_or_later() {
    let doc = new_document();
    doc.body().unwrap().set_inner_html(PAGE);
    input(&doc, "#pw").set_value("PASSWORD-TYPED");
    let relay = [
        PrivacyRules {
            mask: vec![".balance".into()],
            masked_attributes: vec!["data-account*".into()],
            ..Default::default()
        },
        PrivacyRules {
            url: Some("https://bank.example/account*".into()),
            block: vec![".statement".into()],
            mask_url_queries: Some(true),
            ..Default::default()
        },
    ];
    let page = PrivacyRules {
        mask: vec![".secret".into()],
        ..Default::default()
    };
    let (stream, parts) = Streamed::start(doc.clone(), 1, policy(&doc, &relay, page));
    let mut got = Captured::new();
    for part in parts {
        got.take(part);
    }

    // After the start: typing, a password shown as text, new secret content, markers and
    // classes added to existing content.
    input(&doc, "#m").set_value("TYPED-IN-MASKED");
    input(&doc, "#cc").set_value("TYPED-CARD");
    input(&doc, "#pw").set_value("PASSWORD-RETYPED");
    let flip = input(&doc, "#flip");
    flip.set_value("FLIPPED-BEFORE");
    got.batch(&stream);
    flip.set_type("text");
    flip.set_value("FLIPPED-AFTER");
    el(&doc, "#grows").set_inner_html("<i>ADDED-LATER</i>");
    el(&doc, "#becomes")
        .set_attribute("data-cobrowse-mask", "")
        .unwrap();
    el(&doc, "#classed").set_class_name("secret");
    el(&doc, "#stmt").set_inner_html("BLOCKED-LATER");
    got.batch(&stream);
    el(&doc, "#becomes").set_text_content(Some("BECOMES-TEXT-LATER"));
    el(&doc, "#link")
        .set_attribute("href", "/next?token=QUERY-LATER")
        .unwrap();
    got.batch(&stream);

    got.assert_hidden(&[
        "MASKED-TEXT",
        "MASKED-TITLE",
        "MASKED-ALT",
        "MASKED-PLACEHOLDER",
        "MASKED-ARIA",
        "MASKED-VALUE-ATTR",
        "HIDDEN-INPUT",
        "PASSWORD-ATTR",
        "PASSWORD-TYPED",
        "PASSWORD-RETYPED",
        "CARD-FIELD",
        "TYPED-CARD",
        "SELECTOR-MASKED",
        "BLOCKED-TEXT",
        "BLOCKED-CHILD",
        "BLOCKED-LATER",
        "RULE-BLOCKED",
        "QUERY-SECRET",
        "FRAGMENT-SECRET",
        "QUERY-LATER",
        "ATTR-BY-RULE",
        "4111",
        "078-05",
        "TOKENabcdefghijklmnop",
        "TYPED-IN-MASKED",
        "FLIPPED-BEFORE",
        "FLIPPED-AFTER",
        "ADDED-LATER",
        "BECOMES-TEXT-LATER",
        "TEXTAREA-SECRET",
    ]);
    // Content public at the start was sent then; once marked private it leaves the view.
    for now_private in ["BECOMES-MASKED", "CLASS-MASKED"] {
        assert!(got.shows(now_private), "{now_private} was public at first");
        assert!(
            !got.view_html().contains(now_private),
            "{now_private} is masked now"
        );
    }
    // What is not private still shows, so the search above can find things.
    for public in ["PUBLIC-TEXT", "OPEN-TEXT", "/search?q=", "search"] {
        assert!(got.shows(public), "{public} should be visible");
    }
    // A blocked element is an empty placeholder in the view.
    let placeholder = el(&got.view, "#stmt");
    assert!(placeholder.has_attribute("data-cobrowse-blocked"));
    assert_eq!(placeholder.child_nodes().length(), 0);
    // The customer sees which fields are hidden.
    for hidden in ["#m", "#pw", "#cc", "#flip", "#stmt", "#ta"] {
        assert!(
            el(&doc, hidden).has_attribute("data-cobrowse-hidden"),
            "{hidden} is outlined for the customer"
        );
    }
    assert!(!el(&doc, "#later").has_attribute("data-cobrowse-hidden"));
    assert!(stream.hidden_count() >= 6);
    // And the outlines go when sharing stops.
    drop(stream);
    assert!(doc
        .query_selector("[data-cobrowse-hidden]")
        .unwrap()
        .is_none());
    assert!(doc
        .query_selector("style[data-cobrowse-own]")
        .unwrap()
        .is_none());
}

#[wasm_bindgen_test]
fn private_by_default_masks_everything_but_what_is_unmasked() {
    let doc = new_document();
    doc.body().unwrap().set_inner_html(
        "<style>p { color: red }</style><p>PRIVATE-TEXT</p><input id=v value=PRIVATE-VALUE>\
         <section data-cobrowse-unmask><h2>OPEN-HEADING</h2>\
         <div data-cobrowse-mask>MASKED-AGAIN</div></section>",
    );
    let page = PrivacyRules {
        private_by_default: Some(true),
        ..Default::default()
    };
    let (stream, parts) = Streamed::start(doc.clone(), 1, policy(&doc, &[], page));
    let mut got = Captured::new();
    for part in parts {
        got.take(part);
    }
    input(&doc, "#v").set_value("PRIVATE-TYPED");
    got.batch(&stream);
    got.assert_hidden(&[
        "PRIVATE-TEXT",
        "PRIVATE-VALUE",
        "PRIVATE-TYPED",
        "MASKED-AGAIN",
    ]);
    assert!(got.shows("OPEN-HEADING"));
    // Stylesheets are code, not content: never masked.
    assert!(got.shows("color: red"), "{}", got.view_html());
}

#[wasm_bindgen_test]
fn a_relay_switch_beats_the_page_object() {
    let doc = new_document();
    doc.body()
        .unwrap()
        .set_inner_html("<p>SHOWN-OR-NOT</p><input autocomplete=cc-exp value=CARD-EXPIRY>");
    let relay = [PrivacyRules {
        private_by_default: Some(true),
        ..Default::default()
    }];
    let page = PrivacyRules {
        private_by_default: Some(false),
        mask_card_fields: Some(false),
        ..Default::default()
    };
    let (_stream, parts) = Streamed::start(doc.clone(), 1, policy(&doc, &relay, page));
    let mut got = Captured::new();
    for part in parts {
        got.take(part);
    }
    // The relay made the page private (its switch wins), so the card field the page unmasked
    // is masked by that anyway.
    got.assert_hidden(&["SHOWN-OR-NOT", "CARD-EXPIRY"]);
}

#[wasm_bindgen_test]
fn a_broken_selector_fails_closed() {
    let doc = new_document();
    doc.body().unwrap().set_inner_html("<p>ANYTHING</p>");
    let effective = Effective::merge(
        &[PrivacyRules {
            mask: vec!["p[".into()],
            ..Default::default()
        }],
        &PrivacyRules::default(),
        "",
    );
    let (policy, broken) = Policy::new(&doc, effective, Default::default());
    assert_eq!(broken, ["p["]);
    assert!(policy.rules().private_by_default);
    let (_stream, parts) = Streamed::start(doc.clone(), 1, Rc::new(policy));
    let mut got = Captured::new();
    for part in parts {
        got.take(part);
    }
    got.assert_hidden(&["ANYTHING"]);
}
