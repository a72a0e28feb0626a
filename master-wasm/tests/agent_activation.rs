//! The restrictions hold through whatever a click or a key activates (a label's control, a
//! form's default button, what a page handler does in answer to the agent's click), the
//! customer's keys are not redirected out of a protected field, typing into editable content
//! leaves protected children alone, and back/forward stay within the site. Against the runner's
//! own document, where focus, activation and submission behave as on a page.
#![cfg(target_arch = "wasm32")]

use master_wasm::agent_control::navigate::go;
use std::rc::Rc;

use master_wasm::agent_control::{act, customer_keys, Allowances, Scopes};
use master_wasm::capture::{take_snapshot, Mirror, SheetsSent};
use master_wasm::privacy::Policy;
use shared_protocol::agent_control::{ActionKind, Key, Navigate, Refusal};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Document, Element, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

const NONE: Allowances = Allowances { submit: false };
const SUBMIT: Allowances = Allowances { submit: true };
const CLICK: ActionKind = ActionKind::Click { x: -1, y: -1 };

/// The fixture, in the runner's document, and a fresh capture of it. The page's own handlers
/// record what reached them in `window.__seen`; forms never leave the page.
fn page(body: &str) -> (Document, Rc<Mirror>) {
    let doc = web_sys::window().unwrap().document().unwrap();
    if let Some(old) = doc.get_element_by_id("fx") {
        old.remove();
    }
    let fx = doc.create_element("div").unwrap();
    fx.set_id("fx");
    fx.set_inner_html(body);
    doc.body().unwrap().append_child(&fx).unwrap();
    js_sys::eval(
        "window.__seen = [];
         for (const f of document.querySelectorAll('#fx form')) f.addEventListener('submit', (e) => {
           e.preventDefault();
           window.__seen.push('submit:' + f.id);
         });",
    )
    .unwrap();
    let mut mirror = Mirror::new(doc.as_ref(), std::rc::Rc::new(Policy::default()));
    take_snapshot(&doc, &mut mirror, 1, &mut SheetsSent::default());
    (doc, Rc::new(mirror))
}

/// What the session does with the agent's `kind` on `#id`.
fn agent(
    doc: &Document,
    mirror: &Rc<Mirror>,
    id: &str,
    kind: &ActionKind,
    allow: Allowances,
) -> Result<(), Refusal> {
    let el: Element = doc.get_element_by_id(id).unwrap();
    let node = mirror.id_of(el.as_ref()).ok_or(Refusal::NoTarget)?;
    let m = mirror.clone();
    let scopes: Scopes = Rc::new(move |e: &Element| m.id_of(e.as_ref()).map(|id| m.scope(id)));
    act(&el, node, &scopes, kind, allow)
}

fn seen() -> String {
    js_sys::eval("window.__seen.join(',')")
        .unwrap()
        .as_string()
        .unwrap()
}

fn checked(doc: &Document, id: &str) -> bool {
    doc.get_element_by_id(id)
        .unwrap()
        .unchecked_into::<HtmlInputElement>()
        .checked()
}

#[wasm_bindgen_test]
fn a_label_does_not_activate_a_protected_control() {
    let (doc, m) = page(
        r#"<label id="for-ro" for="ro-box">I agree</label>
           <span data-cobrowse-readonly><input id="ro-box" type="checkbox"></span>
           <label id="wrap"><span id="wrap-text">Newsletter</span>
             <span data-cobrowse-mask><input id="masked-box" type="checkbox"></span></label>
           <label id="for-ok" for="ok-box">Fine</label><input id="ok-box" type="checkbox">"#,
    );
    assert_eq!(
        agent(&doc, &m, "for-ro", &CLICK, NONE),
        Err(Refusal::ReadOnly)
    );
    assert!(
        !checked(&doc, "ro-box"),
        "the read-only checkbox stays unticked"
    );
    assert_eq!(
        agent(&doc, &m, "wrap-text", &CLICK, NONE),
        Err(Refusal::Private)
    );
    assert!(!checked(&doc, "masked-box"));
    // The marker: an allowed label does tick its control, so the test would see a tick.
    assert_eq!(agent(&doc, &m, "for-ok", &CLICK, NONE), Ok(()));
    assert!(checked(&doc, "ok-box"));
}

#[wasm_bindgen_test]
fn enter_does_not_reach_a_protected_or_forbidden_submit() {
    let (doc, m) = page(
        r#"<form id="a"><input id="a-name"><button id="a-send">Send</button></form>
           <form id="b"><input id="b-name">
             <span data-cobrowse-readonly><button id="b-send">Pay</button></span></form>
           <form id="c"><input id="c-name"><button id="c-help" type="button">Help</button></form>"#,
    );
    let enter = ActionKind::Key(Key::Enter);
    assert_eq!(
        agent(&doc, &m, "a-name", &enter, NONE),
        Err(Refusal::ReadOnly),
        "submit is the customer's"
    );
    assert_eq!(
        agent(&doc, &m, "b-name", &enter, SUBMIT),
        Err(Refusal::ReadOnly),
        "a read-only default button"
    );
    // A form without a submit button is submitted implicitly: still a submission.
    assert_eq!(
        agent(&doc, &m, "c-name", &enter, NONE),
        Err(Refusal::ReadOnly)
    );
    assert_eq!(seen(), "");
    assert_eq!(agent(&doc, &m, "a-name", &enter, SUBMIT), Ok(()));
    assert_eq!(seen(), "submit:a", "the marker: an allowed submit is seen");
}

#[wasm_bindgen_test]
fn a_page_handler_cannot_carry_the_agents_click_into_a_restriction() {
    let (doc, m) = page(
        r#"<form id="d"><input id="d-name"><button id="d-next" type="button">Next</button>
             <button id="d-send">Send</button></form>
           <span data-cobrowse-readonly><input id="d-box" type="checkbox"></span>
           <button id="d-tick" type="button">Tick</button>"#,
    );
    js_sys::eval(
        "document.getElementById('d-next').addEventListener('click', () =>
           document.getElementById('d').requestSubmit());
         document.getElementById('d-tick').addEventListener('click', () =>
           document.getElementById('d-box').click());",
    )
    .unwrap();
    assert_eq!(
        agent(&doc, &m, "d-next", &CLICK, NONE),
        Err(Refusal::ReadOnly)
    );
    assert_eq!(seen(), "", "the page's submit never ran");
    assert_eq!(
        agent(&doc, &m, "d-tick", &CLICK, NONE),
        Err(Refusal::ReadOnly)
    );
    assert!(
        !checked(&doc, "d-box"),
        "the read-only checkbox stays unticked"
    );
    // The marker: with submitting allowed, the same click submits.
    assert_eq!(agent(&doc, &m, "d-next", &CLICK, SUBMIT), Ok(()));
    assert_eq!(seen(), "submit:d");
}

#[wasm_bindgen_test]
fn the_agent_does_not_move_focus_out_of_a_protected_field_the_customer_types_in() {
    let (doc, m) = page(r#"<input id="pw" type="password"><input id="other">"#);
    let pw = doc
        .get_element_by_id("pw")
        .unwrap()
        .unchecked_into::<web_sys::HtmlElement>();
    pw.focus().unwrap();
    let now = js_sys::Date::now();
    customer_keys::note_key_at(now);
    let typing = ActionKind::Type { value: "x".into() };
    assert_eq!(
        agent(&doc, &m, "other", &CLICK, NONE),
        Err(Refusal::CustomerTyping)
    );
    assert_eq!(
        agent(&doc, &m, "other", &typing, NONE),
        Err(Refusal::CustomerTyping)
    );
    assert_eq!(
        agent(&doc, &m, "pw", &ActionKind::Key(Key::Tab), NONE),
        Err(Refusal::Private)
    );
    assert_eq!(
        doc.active_element().as_ref(),
        Some(pw.as_ref() as &Element),
        "the focus stayed"
    );
    // The customer paused: the agent may go on.
    customer_keys::note_key_at(now - 1_500.0);
    assert_eq!(agent(&doc, &m, "other", &typing, NONE), Ok(()));
    assert_eq!(doc.active_element().unwrap().id(), "other");
}

#[wasm_bindgen_test]
fn typing_into_editable_content_leaves_protected_children_alone() {
    let (doc, m) = page(
        r#"<div id="ed1" contenteditable>Card <span data-cobrowse-mask id="ed1-card">4111</span></div>
           <div id="ed2" contenteditable>Total <span data-cobrowse-readonly id="ed2-sum">12</span></div>
           <div id="ed3" contenteditable>Note</div>"#,
    );
    let typing = ActionKind::Type {
        value: "gone".into(),
    };
    assert_eq!(agent(&doc, &m, "ed1", &typing, NONE), Err(Refusal::Private));
    assert_eq!(
        agent(&doc, &m, "ed2", &typing, NONE),
        Err(Refusal::ReadOnly)
    );
    assert!(doc.get_element_by_id("ed1-card").is_some());
    assert!(doc.get_element_by_id("ed2-sum").is_some());
    assert_eq!(agent(&doc, &m, "ed3", &typing, NONE), Ok(()), "the marker");
    assert_eq!(
        doc.get_element_by_id("ed3")
            .unwrap()
            .text_content()
            .unwrap(),
        "gone"
    );
}

#[wasm_bindgen_test]
fn back_and_forward_need_a_known_entry_within_the_site() {
    let w = web_sys::window().unwrap();
    let page = w.location().href().unwrap();
    // A fresh page has nothing forward: where it would lead is unknown, so it is refused.
    assert_eq!(
        go(&Navigate::Forward, &page, &[]),
        Err(Refusal::OutsideSite)
    );
    // An entry of the page's own (same origin) is known to be within the site.
    let history = w.history().unwrap();
    history
        .push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("#step2"))
        .unwrap();
    assert_eq!(go(&Navigate::Back, &page, &[]), Ok(()));
}
