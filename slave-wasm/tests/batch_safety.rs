//! The view checks a batch's attribute changes as it checks nodes it creates: a customer module
//! (or a page, or a relay that broke the seal) cannot turn an inert `<base>` or `<meta
//! http-equiv>` live, or point a frame at an origin the console does not allow, by changing an
//! attribute after the element was created. Every refusal is checked beside a change the view
//! does apply, so an absence proves the batch was applied.

#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use master_wasm::capture::{take_snapshot, Mirror, SheetsSent};
use master_wasm::privacy::Policy;
use shared_protocol::page::{
    AttrChange, MutationBatch, Namespace, NodeAdd, NodeData, NodeId, SubtreeAdd,
};
use slave_wasm::rebuild::{AllowedFrames, Rebuilder};
use slave_wasm::view_sheets::ViewSheets;
use wasm_bindgen_test::*;
use web_sys::Element;

mod common;
use common::new_document;

wasm_bindgen_test_configure!(run_in_browser);

const BASE: NodeId = 10_000;
const META: NodeId = 10_001;
const FRAME: NodeId = 10_002;
const SET: NodeId = 10_003;

/// A view of a small page with the console allowing frames of `https://maps.example` only.
fn view() -> (Rebuilder, NodeId, NodeId) {
    let page = new_document();
    page.body().unwrap().set_inner_html("<p id=p>page</p>");
    let mut mirror = Mirror::new(page.as_ref(), Rc::new(Policy::default()));
    let snap = take_snapshot(&page, &mut mirror, 1, &mut SheetsSent::default());
    let mut rebuilder = Rebuilder::new(new_document(), ViewSheets::default());
    rebuilder.set_labels(
        AllowedFrames::new(&["https://maps.example".into()]),
        "Frame from {origin}".into(),
        "Drawing not shown".into(),
    );
    rebuilder.apply_snapshot(&snap).unwrap();
    let doc = rebuilder.doc().clone();
    let head = rebuilder.id_of(&doc.head().unwrap().into()).unwrap();
    let body = rebuilder.id_of(&doc.body().unwrap().into()).unwrap();
    (rebuilder, head, body)
}

fn element(id: NodeId, parent: NodeId, tag: &str, attrs: &[(&str, &str)]) -> NodeAdd {
    NodeAdd {
        id,
        parent,
        data: NodeData::Element {
            tag: tag.into(),
            ns: if tag == "set" {
                Namespace::Svg
            } else {
                Namespace::Html
            },
            attrs: attrs
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        },
    }
}

fn change(id: NodeId, name: &str, value: &str) -> AttrChange {
    AttrChange {
        id,
        name: name.into(),
        value: Some(value.into()),
    }
}

fn view_el(rebuilder: &Rebuilder, selector: &str) -> Element {
    rebuilder
        .doc()
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("{selector} is in the view"))
}

/// The page's `<base>`, `<meta>`, `<iframe>` and an SVG `<set>`, as a batch adds them: the
/// base and an already refreshing meta inert, a harmless meta and an allowed frame as they are.
fn add_elements(rebuilder: &mut Rebuilder, head: NodeId, body: NodeId) {
    let adds = vec![
        SubtreeAdd {
            before: None,
            nodes: vec![element(BASE, head, "base", &[("id", "b")])],
        },
        SubtreeAdd {
            before: None,
            nodes: vec![element(META, head, "meta", &[("name", "viewport")])],
        },
        SubtreeAdd {
            before: None,
            nodes: vec![element(
                FRAME,
                body,
                "iframe",
                &[("src", "https://maps.example/map")],
            )],
        },
        SubtreeAdd {
            before: None,
            nodes: vec![element(SET, body, "set", &[("attributeName", "opacity")])],
        },
    ];
    rebuilder
        .apply_batch(&MutationBatch {
            epoch: 1,
            adds,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        view_el(rebuilder, "iframe").get_attribute("src").as_deref(),
        Some("https://maps.example/map"),
        "an allowed origin's frame loads"
    );
    assert!(
        !view_el(rebuilder, "base").has_attribute("id"),
        "a page <base> is inert in the view from its creation"
    );
}

#[wasm_bindgen_test]
fn attribute_changes_cannot_make_inert_elements_live_or_frames_leave_the_allowed_origins() {
    let (mut rebuilder, head, body) = view();
    add_elements(&mut rebuilder, head, body);
    let p = rebuilder
        .id_of(&view_el(&rebuilder, "p").into())
        .expect("the paragraph has an id");
    rebuilder
        .apply_batch(&MutationBatch {
            epoch: 1,
            attrs: vec![
                change(BASE, "href", "https://evil.example/"),
                change(META, "http-equiv", "refresh"),
                change(META, "content", "0;url=https://evil.example/"),
                change(FRAME, "src", "https://evil.example/frame"),
                change(SET, "attributeName", "href"),
                change(SET, "to", "https://evil.example/"),
                // The marker: applied in the same batch, after the refused ones.
                change(p, "class", "marker"),
            ],
            ..Default::default()
        })
        .unwrap();
    assert!(
        view_el(&rebuilder, "p").class_name() == "marker",
        "the batch was applied"
    );
    let all = |selector: &str| {
        let list = rebuilder.doc().query_selector_all(selector).unwrap();
        (0..list.length())
            .map(|i| wasm_bindgen::JsCast::unchecked_into::<Element>(list.item(i).unwrap()))
            .collect::<Vec<_>>()
    };
    let mut live = Vec::new();
    for base in all("base") {
        if base.has_attribute("href") {
            live.push(format!("a page base became live: {}", base.outer_html()));
        }
    }
    for meta in all("meta") {
        if meta.has_attribute("http-equiv") {
            live.push(format!("a meta became a refresh: {}", meta.outer_html()));
        }
    }
    let frame = view_el(&rebuilder, "iframe");
    if frame.has_attribute("src") {
        live.push(format!(
            "a frame left the allowed origins: {}",
            frame.outer_html()
        ));
    }
    for set in all("set") {
        if set.get_attribute("attributeName").as_deref() == Some("href") {
            live.push(format!("an animation writes a URL: {}", set.outer_html()));
        }
    }
    assert!(live.is_empty(), "{live:#?}");
}
