//! What a masked or private part of the page keeps of itself on the way out, in a real browser:
//! its attributes (`data-*`, `title`, the query and fragment of every URL, at the snapshot and
//! when they change), its canvases (no pixels, a placeholder instead) and the page's own
//! address and title. Each absence is checked beside the same thing in an open part, which
//! does show: the search is proven to find what it looks for.

#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use master_wasm::privacy::Policy;
use master_wasm::stream::PageStream;
use shared_protocol::privacy::{Effective, PrivacyRules};
use wasm_bindgen_test::*;
use web_sys::{Document, Element};

mod common;
use common::new_document;
#[path = "common/captured.rs"]
mod captured;
use captured::Captured;

wasm_bindgen_test_configure!(run_in_browser);

fn policy(doc: &Document, page: PrivacyRules) -> Rc<Policy> {
    let effective = Effective::merge(&[], &page, "https://bank.example/account");
    let (policy, broken) = Policy::new(doc, effective);
    assert!(broken.is_empty(), "{broken:?}");
    Rc::new(policy)
}

fn el(doc: &Document, selector: &str) -> Element {
    doc.query_selector(selector).unwrap().unwrap()
}

/// The same attributes in a masked part (markers `M-...`) and an open one (`O-...`).
fn part(marker: &str) -> String {
    format!(
        r#"<a id={marker}-a href="/u/{marker}-PATH?acct={marker}-QUERY#{marker}-FRAG"
             data-account="{marker}-DATA" title="{marker}-TITLE">x</a>
           <img id={marker}-img src="/img/{marker}-IMG.png?sig={marker}-SIG"
             srcset="/img/a.png?u={marker}-SRCSET 2x">
           <video id={marker}-v poster="/p.jpg?u={marker}-POSTER"></video>
           <form id={marker}-f action="/pay?to={marker}-ACTION"></form>
           <div id={marker}-s style="background: url('/bg.png?u={marker}-STYLE')"></div>"#
    )
}

/// What the page changes later on each part's elements.
fn change(doc: &Document, marker: &str) {
    let set = |sel: &str, name: &str, value: String| {
        el(doc, &format!("#{marker}-{sel}"))
            .set_attribute(name, &value)
            .unwrap()
    };
    set("a", "href", format!("/next?acct={marker}-LATER-QUERY"));
    set("a", "data-later", format!("{marker}-LATER-DATA"));
    set("a", "title", format!("{marker}-LATER-TITLE"));
    set("img", "src", format!("/i.png#{marker}-LATER-FRAG"));
    set(
        "s",
        "style",
        format!("background: url(/b.png?u={marker}-LATER-STYLE)"),
    );
}

const SECRETS: [&str; 15] = [
    "PATH",
    "QUERY",
    "FRAG",
    "DATA",
    "TITLE",
    "SIG",
    "SRCSET",
    "POSTER",
    "ACTION",
    "STYLE",
    "LATER-QUERY",
    "LATER-DATA",
    "LATER-TITLE",
    "LATER-FRAG",
    "LATER-STYLE",
];

fn capture(keep_masked_url_paths: bool) -> (Captured, Document) {
    let doc = new_document();
    doc.body().unwrap().set_inner_html(&format!(
        "<div data-cobrowse-mask>{}</div><div>{}</div>",
        part("M"),
        part("O")
    ));
    let rules = PrivacyRules {
        keep_masked_url_paths: Some(keep_masked_url_paths),
        ..Default::default()
    };
    let (stream, parts) =
        PageStream::start(doc.clone(), 1, policy(&doc, rules), Rc::new(|| {})).unwrap();
    let mut got = Captured::new();
    for part in parts {
        got.take(part);
    }
    change(&doc, "M");
    change(&doc, "O");
    got.batch(&stream);
    (got, doc)
}

#[wasm_bindgen_test]
fn nothing_identifying_leaves_a_masked_part_in_its_attributes() {
    let (got, _doc) = capture(false);
    let masked: Vec<String> = SECRETS.iter().map(|s| format!("M-{s}")).collect();
    got.assert_hidden(&masked.iter().map(String::as_str).collect::<Vec<_>>());
    for open in SECRETS {
        let open = format!("O-{open}");
        assert!(got.shows(&open), "{open} (an open part) is sent");
    }
    // Masked URLs are masked whole: not even the image's path is left.
    assert!(!got.shows("M-IMG"), "{}", got.view_html());
}

#[wasm_bindgen_test]
fn a_rule_keeps_the_paths_of_masked_urls_so_images_still_load() {
    let (got, _doc) = capture(true);
    let masked: Vec<String> = SECRETS
        .iter()
        .filter(|s| **s != "PATH")
        .map(|s| format!("M-{s}"))
        .collect();
    got.assert_hidden(&masked.iter().map(String::as_str).collect::<Vec<_>>());
    let img = el(&got.view, "#M-img");
    let (src, srcset) = (img.get_attribute("src"), img.get_attribute("srcset"));
    assert!(
        src.as_deref().is_some_and(|s| s.starts_with("/i.png#•"))
            && srcset
                .as_deref()
                .is_some_and(|s| s.starts_with("/img/a.png?u=•")),
        "{}",
        img.outer_html()
    );
}
