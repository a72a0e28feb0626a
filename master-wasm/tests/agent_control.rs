//! The customer's checks on the agent's actions, against a real DOM: which elements the agent
//! may act on, values set as the browser would (past a framework's own property), and the
//! site's origins for navigation.
#![cfg(target_arch = "wasm32")]

use master_wasm::agent_control::navigate::resolve;
use master_wasm::agent_control::perform::perform;
use master_wasm::agent_control::restrictions::check;
use master_wasm::agent_control::Allowances;
use master_wasm::capture::{take_snapshot, Mirror, SheetsSent};
use master_wasm::privacy::Policy;
use shared_protocol::agent_control::{ActionKind, Key, Refusal};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Document, Element};

mod common;

use common::document_with;

wasm_bindgen_test_configure!(run_in_browser);

const FORM: &str = r#"
  <form id="f">
    <input id="name">
    <input id="pw" type="password">
    <input id="ro" readonly>
    <input id="off" disabled>
    <span data-cobrowse-readonly><input id="marked"></span>
    <div data-cobrowse-mask><input id="masked"></div>
    <div data-cobrowse-block id="blocked">secret</div>
    <input id="box" type="checkbox">
    <select id="pick"><option>a</option><option>b</option></select>
    <button id="send">Send <b id="inside">now</b></button>
    <button id="plain" type="button">Help</button>
    <input id="go" type="submit">
  </form>"#;

/// Checks `kind` on `#id` with the scope capture gave it.
fn verdict(
    doc: &Document,
    mirror: &Mirror,
    id: &str,
    kind: &ActionKind,
    allow: Allowances,
) -> Result<(), Refusal> {
    let el: Element = doc.get_element_by_id(id).unwrap();
    let scopes = |e: &Element| mirror.id_of(e.as_ref()).map(|id| mirror.scope(id));
    match mirror.id_of(el.as_ref()) {
        Some(_) => check(&el, &scopes, kind, allow),
        // Blocked elements' children are never captured; the element itself is.
        None => Err(Refusal::NoTarget),
    }
}

#[wasm_bindgen_test]
fn restrictions_follow_the_page_and_the_defaults() {
    let doc = document_with(FORM);
    let mut mirror = Mirror::new(doc.as_ref(), std::rc::Rc::new(Policy::default()));
    take_snapshot(&doc, &mut mirror, 1, &mut SheetsSent::default());
    let click = ActionKind::Click { x: 0, y: 0 };
    let typing = ActionKind::Type { value: "x".into() };
    let none = Allowances::default();
    let v =
        |id: &str, kind: &ActionKind, allow: Allowances| verdict(&doc, &mirror, id, kind, allow);

    assert_eq!(v("name", &typing, none), Ok(()));
    assert_eq!(v("box", &click, none), Ok(()));
    assert_eq!(
        v("plain", &click, none),
        Ok(()),
        "a plain button is the agent's"
    );
    assert_eq!(
        v("pw", &typing, none),
        Err(Refusal::Private),
        "passwords are masked"
    );
    assert_eq!(v("masked", &typing, none), Err(Refusal::Private));
    assert_eq!(v("blocked", &click, none), Err(Refusal::Private));
    assert_eq!(v("marked", &typing, none), Err(Refusal::ReadOnly));
    assert_eq!(
        v("ro", &typing, none),
        Err(Refusal::Mismatch),
        "a readonly input takes no typing"
    );
    assert_eq!(v("off", &click, none), Err(Refusal::ReadOnly));
    for submit in ["send", "inside", "go"] {
        assert_eq!(v(submit, &click, none), Err(Refusal::ReadOnly), "{submit}");
        assert_eq!(
            v(submit, &ActionKind::Key(Key::Enter), none),
            Err(Refusal::ReadOnly)
        );
        assert_eq!(
            v(submit, &click, Allowances { submit: true }),
            Ok(()),
            "{submit}"
        );
    }
    assert_eq!(v("box", &typing, none), Err(Refusal::Mismatch));
    assert_eq!(
        v("name", &ActionKind::Select { selected: vec![1] }, none),
        Err(Refusal::Mismatch)
    );
    assert_eq!(
        v("pick", &ActionKind::Select { selected: vec![1] }, none),
        Ok(())
    );
    assert_eq!(
        v("marked", &ActionKind::Scroll { dx: 0, dy: 10 }, none),
        Ok(()),
        "read-only parts can be scrolled"
    );
}

#[wasm_bindgen_test]
fn typed_values_pass_a_frameworks_own_value_property() {
    let doc = document_with(
        r#"<input id="name"><select id="pick"><option>a</option><option>b</option></select>"#,
    );
    let input = doc.get_element_by_id("name").unwrap();
    // What React does: an own `value` property on the node that records the value it set, so
    // a later `input` event with the same value is ignored.
    js_sys::eval(
        "window.__tracked = [];
         window.__events = [];
         window.__track = (el) => {
           const proto = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value');
           Object.defineProperty(el, 'value', {
             configurable: true,
             get() { return proto.get.call(this); },
             set(v) { window.__tracked.push(v); proto.set.call(this, v); },
           });
           for (const k of ['input', 'change']) el.addEventListener(k, () => window.__events.push(k));
         };",
    )
    .unwrap();
    let track = js_sys::Reflect::get(&web_sys::window().unwrap(), &"__track".into()).unwrap();
    track
        .unchecked_ref::<js_sys::Function>()
        .call1(&wasm_bindgen::JsValue::NULL, &input)
        .unwrap();
    perform(
        &input,
        1,
        &ActionKind::Type {
            value: "Ada".into(),
        },
        Allowances::default(),
    )
    .unwrap();
    let html: &web_sys::HtmlInputElement = input.unchecked_ref();
    assert_eq!(html.value(), "Ada");
    let tracked = js_sys::eval("window.__tracked.length").unwrap();
    assert_eq!(
        tracked.as_f64(),
        Some(0.0),
        "the framework's setter was not used"
    );
    let events = js_sys::eval("window.__events.join(',')").unwrap();
    assert_eq!(events.as_string().as_deref(), Some("input,change"));

    let pick = doc.get_element_by_id("pick").unwrap();
    perform(
        &pick,
        2,
        &ActionKind::Select { selected: vec![1] },
        Allowances::default(),
    )
    .unwrap();
    assert_eq!(
        pick.unchecked_ref::<web_sys::HtmlSelectElement>().value(),
        "b"
    );
}

#[wasm_bindgen_test]
fn navigation_stays_within_the_site() {
    let page = "https://bank.example/accounts/";
    let site = vec![
        "https://*.bank.example".to_string(),
        "https://help.example".into(),
    ];
    assert_eq!(
        resolve("/loans", page, &site),
        Ok("https://bank.example/loans".into())
    );
    assert_eq!(
        resolve("cards?x=1", page, &site),
        Ok("https://bank.example/accounts/cards?x=1".into())
    );
    assert_eq!(
        resolve("https://www.bank.example/", page, &site),
        Ok("https://www.bank.example/".into())
    );
    assert_eq!(
        resolve("https://HELP.example/faq", page, &site),
        Ok("https://help.example/faq".into())
    );
    for outside in [
        "https://example.com/",
        "https://bank.example.evil.test/",
        "http://bank.example/",
        "javascript:alert(1)",
        "data:text/html,hi",
    ] {
        assert_eq!(
            resolve(outside, page, &site),
            Err(Refusal::OutsideSite),
            "{outside}"
        );
    }
}
