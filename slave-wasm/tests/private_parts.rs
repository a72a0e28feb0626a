//! What a masked or private part of the page keeps of itself on the way out, in a real browser:
//! its attributes (`data-*`, `title`, the query and fragment of every URL, at the snapshot and
//! when they change), its canvases (no pixels, a placeholder instead) and the page's own
//! address and title. Each absence is checked beside the same thing in an open part, which
//! does show: the search is proven to find what it looks for.

#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use master_wasm::privacy::Policy;
use shared_protocol::page::{CustomerPageMsg, NodeData, NodeId};
use shared_protocol::privacy::{Effective, PrivacyRules};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;
use web_sys::{Document, Element};

mod common;
#[path = "common/streamed.rs"]
mod streamed;
use common::new_document;
use streamed::Streamed;
#[path = "common/captured.rs"]
mod captured;
use captured::Captured;

wasm_bindgen_test_configure!(run_in_browser);

fn policy(doc: &Document, page: PrivacyRules) -> Rc<Policy> {
    let effective = Effective::merge(&[], &page, "https://bank.example/account");
    let (policy, broken) = Policy::new(doc, effective, Default::default());
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
        "<div data-cobrowse-mask>{}<link rel=stylesheet href='/site.css?u=LINK-SECRET'></div>\
         <div>{}</div>",
        part("M"),
        part("O")
    ));
    let rules = PrivacyRules {
        keep_masked_url_paths: Some(keep_masked_url_paths),
        ..Default::default()
    };
    let (stream, parts) = Streamed::start(doc.clone(), 1, policy(&doc, rules));
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
    // A stylesheet is code, not content: it keeps its path (its query values go).
    got.assert_hidden(&["LINK-SECRET"]);
    assert!(got.shows("/site.css?u=•"), "{}", got.view_html());
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

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// The id the customer gave the element whose `id` attribute is `html_id`.
fn id_of(parts: &[CustomerPageMsg], html_id: &str) -> NodeId {
    let nodes = parts.iter().flat_map(|p| match p {
        CustomerPageMsg::SnapshotNodes(s) => s.nodes.iter(),
        CustomerPageMsg::Snapshot(s) => s.nodes.iter(),
        _ => [].iter(),
    });
    nodes
        .filter_map(|n| match &n.data {
            NodeData::Element { attrs, .. } => Some((n.id, attrs)),
            _ => None,
        })
        .find(|(_, attrs)| attrs.iter().any(|(k, v)| k == "id" && v == html_id))
        .map(|(id, _)| id)
        .unwrap_or_else(|| panic!("#{html_id} was captured"))
}

/// Streams `body` (drawn into, on the test's own visible page) under `rules` until the
/// canvas `#open-canvas` sends a frame; returns whether `#private-canvas` (or
/// `#blocked-canvas`, if there is one) sent one too, and what the view made of the private one.
async fn private_canvas_sends_pixels(body: &str, rules: PrivacyRules) -> (bool, Element) {
    let doc = web_sys::window().unwrap().document().unwrap();
    let host = doc.create_element("div").unwrap();
    host.set_inner_html(body);
    doc.body().unwrap().prepend_with_node_1(&host).unwrap();
    js_sys::Function::new_no_args(
        "for (const c of document.querySelectorAll('canvas')) { \
           const x = c.getContext('2d'); x.fillStyle = 'red'; x.fillRect(0, 0, 40, 30); }",
    )
    .call0(&JsValue::NULL)
    .unwrap();
    let (stream, parts) = Streamed::start(doc.clone(), 1, policy(&doc, rules));
    let (open, private) = (
        id_of(&parts, "open-canvas"),
        id_of(&parts, "private-canvas"),
    );
    let blocked = doc
        .get_element_by_id("blocked-canvas")
        .map(|_| id_of(&parts, "blocked-canvas"));
    let mut got = Captured::new();
    for part in parts {
        got.take(part);
    }
    let mut framed = Vec::new();
    for _ in 0..100 {
        sleep(50).await;
        for batch in stream.take_batches() {
            framed.extend(batch.state.canvases.iter().map(|c| c.id));
            got.take(CustomerPageMsg::Mutations(batch));
        }
        if framed.contains(&open) {
            break;
        }
    }
    host.remove();
    assert!(framed.contains(&open), "the open canvas sent its pixels");
    let view = got.view.get_element_by_id("private-canvas").unwrap();
    let sent = framed.contains(&private) || blocked.is_some_and(|b| framed.contains(&b));
    (sent, view)
}

#[wasm_bindgen_test]
async fn canvases_in_masked_parts_send_no_pixels_but_a_placeholder() {
    let (sent, view) = private_canvas_sends_pixels(
        "<canvas id=open-canvas width=40 height=30></canvas>\
         <div data-cobrowse-mask><canvas id=private-canvas width=40 height=30></canvas></div>\
         <canvas id=blocked-canvas data-cobrowse-block width=40 height=30></canvas>",
        PrivacyRules::default(),
    )
    .await;
    assert!(!sent, "a masked or blocked canvas sent its pixels");
    assert!(
        view.has_attribute("data-cobrowse-unshown"),
        "the view hatches it: {}",
        view.outer_html()
    );
}

#[wasm_bindgen_test]
async fn canvases_of_a_private_page_send_no_pixels_unless_unmasked() {
    let (sent, _) = private_canvas_sends_pixels(
        "<div data-cobrowse-unmask><canvas id=open-canvas width=40 height=30></canvas></div>\
         <canvas id=private-canvas width=40 height=30></canvas>",
        PrivacyRules {
            private_by_default: Some(true),
            ..Default::default()
        },
    )
    .await;
    assert!(!sent, "a canvas of a private page sent its pixels");
}
