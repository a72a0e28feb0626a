//! Failures reach the integrator (an event and a callback) and never the host page; a page
//! whose own objects throw does not stop capture.
#![cfg(target_arch = "wasm32")]

use master_wasm::capture::{take_snapshot, Mirror, SheetsSent};
use master_wasm::errors;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
export function listen() {
  const seen = { events: [], calls: [] };
  window.addEventListener('cobrowse:error', (e) => seen.events.push(e.detail.context + ': ' + e.detail.message));
  window._cobrowse = { onError: (e) => { seen.calls.push(e.context + ': ' + e.message); throw new Error('the page\'s own bug'); } };
  return seen;
}
export function hostile_document() {
  const doc = document.implementation.createHTMLDocument('hostile');
  doc.body.innerHTML = '<style id=s>.a { color: red }</style><p class=a>text</p>';
  Object.defineProperty(doc, 'adoptedStyleSheets', { get() { throw new Error('no sheets for you'); } });
  Object.defineProperty(doc.getElementById('s'), 'sheet', { get() { throw new Error('no sheet'); } });
  return doc;
}
"#)]
extern "C" {
    fn listen() -> JsValue;
    fn hostile_document() -> web_sys::Document;
}

fn strings(seen: &JsValue, key: &str) -> Vec<String> {
    let list: js_sys::Array = js_sys::Reflect::get(seen, &key.into()).unwrap().into();
    list.iter().filter_map(|v| v.as_string()).collect()
}

#[wasm_bindgen_test]
fn errors_reach_the_event_and_the_callback_and_nothing_throws() {
    let seen = listen();
    // The callback throws; reporting still returns normally.
    errors::report("capture", "the page could not be read");
    assert_eq!(
        strings(&seen, "events"),
        ["capture: the page could not be read"]
    );
    assert_eq!(
        strings(&seen, "calls"),
        ["capture: the page could not be read"]
    );
    js_sys::Reflect::delete_property(&web_sys::window().unwrap(), &"_cobrowse".into()).unwrap();
}

#[wasm_bindgen_test]
fn a_page_whose_getters_throw_is_still_captured() {
    let doc = hostile_document();
    let mut mirror = Mirror::new(
        doc.as_ref(),
        std::rc::Rc::new(master_wasm::privacy::Policy::default()),
    );
    let snap = take_snapshot(&doc, &mut mirror, 1, &mut SheetsSent::default());
    assert!(snap.state.adopted.is_empty());
    assert!(snap.state.styles.is_empty());
    assert!(snap.nodes.iter().any(|n| matches!(&n.data,
        shared_protocol::page::NodeData::Text(t) if t == "text")));
}
