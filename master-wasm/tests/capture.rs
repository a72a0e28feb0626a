//! Capture rules against a real DOM in headless Chromium: what leaves the page and what never
//! does.
#![cfg(target_arch = "wasm32")]

use master_wasm::capture::{take_snapshot, Mirror, SheetsSent};
use master_wasm::privacy::Policy;
use shared_protocol::page::{NodeData, Snapshot};
use wasm_bindgen_test::*;
use web_sys::Document;

mod common;

use common::document_with;

wasm_bindgen_test_configure!(run_in_browser);

fn snapshot(doc: &Document) -> Snapshot {
    let mut mirror = Mirror::new(doc.as_ref(), std::rc::Rc::new(Policy::default()));
    take_snapshot(doc, &mut mirror, 1, &mut SheetsSent::default())
}

fn elements(snap: &Snapshot) -> Vec<(String, Vec<(String, String)>)> {
    snap.nodes
        .iter()
        .filter_map(|n| match &n.data {
            NodeData::Element { tag, attrs, .. } => Some((tag.clone(), attrs.clone())),
            _ => None,
        })
        .collect()
}

fn all_text(snap: &Snapshot) -> String {
    let mut out = String::new();
    for n in &snap.nodes {
        match &n.data {
            NodeData::Text(t) => out.push_str(t),
            NodeData::Element { attrs, .. } => {
                for (k, v) in attrs {
                    out.push_str(&format!(" {k}={v} "));
                }
            }
            _ => {}
        }
    }
    for f in &snap.state.form {
        out.push_str(&f.value);
    }
    out
}

#[wasm_bindgen_test]
fn scripts_hidden_inputs_and_the_widget_never_leave() {
    let doc = document_with(
        r#"<p>visible</p>
           <script>var SECRET_SCRIPT = 1;</script>
           <noscript>SECRET_NOSCRIPT</noscript>
           <input type="hidden" name="csrf" value="SECRET_HIDDEN">
           <div data-cobrowse-widget><span>SECRET_WIDGET</span></div>"#,
    );
    let snap = snapshot(&doc);
    let text = all_text(&snap);
    assert!(text.contains("visible"));
    for secret in [
        "SECRET_SCRIPT",
        "SECRET_NOSCRIPT",
        "SECRET_HIDDEN",
        "SECRET_WIDGET",
    ] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    assert!(!elements(&snap).iter().any(|(t, _)| t == "script"));
}

#[wasm_bindgen_test]
fn password_values_are_masked_in_attributes_and_properties() {
    let doc = document_with(r#"<input id="p" type="password" value="SECRET_ATTR">"#);
    let input: web_sys::HtmlInputElement = doc.get_element_by_id("p").unwrap().dyn_into().unwrap();
    input.set_value("SECRET_TYPED");
    let snap = snapshot(&doc);
    let text = all_text(&snap);
    assert!(!text.contains("SECRET"), "{text}");
    assert_eq!(snap.state.form.len(), 1);
    // Bullets of its length class (12 characters stay 12).
    assert_eq!(snap.state.form[0].value, "•".repeat(12));
}

#[wasm_bindgen_test]
fn inline_handlers_and_script_urls_are_dropped() {
    let doc = document_with(
        r#"<a id="a" href="javascript:alert(1)" onclick="alert(2)" class="k">x</a>
           <iframe srcdoc="<script>document.title = 3</script>"></iframe>
           <img src="/logo.png" onerror="alert(4)" alt="logo">"#,
    );
    let snap = snapshot(&doc);
    for (tag, attrs) in elements(&snap) {
        for (name, value) in &attrs {
            assert!(!name.starts_with("on"), "{tag} kept {name}");
            assert_ne!(name, "srcdoc");
            assert!(!value.contains("javascript:"), "{tag} kept {value}");
        }
        if tag == "a" {
            assert!(attrs.contains(&("class".into(), "k".into())));
        }
        if tag == "img" {
            assert!(attrs.contains(&("src".into(), "/logo.png".into())));
        }
    }
}

#[wasm_bindgen_test]
fn snapshot_is_preorder_with_parents_before_children() {
    let doc = document_with("<ul><li>a</li><li>b<em>c</em></li></ul>");
    let snap = snapshot(&doc);
    let mut seen = std::collections::HashSet::from([0u32]);
    for n in &snap.nodes {
        assert!(
            seen.contains(&n.parent),
            "node {} before its parent {}",
            n.id,
            n.parent
        );
        assert!(seen.insert(n.id), "id {} twice", n.id);
    }
    assert!(all_text(&snap).contains("abc"));
}

#[wasm_bindgen_test]
fn svg_keeps_its_namespace() {
    let doc = document_with(r#"<svg viewBox="0 0 10 10"><circle r="4"/></svg>"#);
    let snap = snapshot(&doc);
    let svg = snap.nodes.iter().find_map(|n| match &n.data {
        NodeData::Element { tag, ns, .. } if tag == "circle" => Some(*ns),
        _ => None,
    });
    assert_eq!(svg, Some(shared_protocol::page::Namespace::Svg));
}

use wasm_bindgen::JsCast;
