//! The page's options, given once when co-browse starts: the object the snippet's loader passes
//! (`window._cobrowse`) or the npm package's `init` options, or the Rust crate's typed
//! [`crate::embed::Settings`]. Until one is given (the module's own browser tests), they are
//! read from `window._cobrowse` as it is at each use. What is read here: `debug`, `onError`
//! and `privacy` (the widget's `ui` is read once, at install).

use std::cell::RefCell;

use js_sys::{Function, Reflect};
use shared_protocol::privacy::PrivacyRules;
use wasm_bindgen::JsValue;

use crate::privacy::page_rules;

enum Given {
    /// `window._cobrowse`, read at each use.
    Window,
    /// The object the loader or the package passed.
    Object(JsValue),
    /// The Rust crate's settings.
    Typed { debug: bool, privacy: PrivacyRules },
}

thread_local! {
    static GIVEN: RefCell<Given> = const { RefCell::new(Given::Window) };
}

/// The options are this JavaScript object (`undefined` or `null`: none).
pub fn use_object(options: JsValue) {
    GIVEN.with(|g| *g.borrow_mut() = Given::Object(options));
}

/// The options are the Rust crate's.
pub fn use_typed(debug: bool, privacy: PrivacyRules) {
    GIVEN.with(|g| *g.borrow_mut() = Given::Typed { debug, privacy });
}

/// The JavaScript options object, if the options are one.
fn object() -> Option<JsValue> {
    GIVEN.with(|g| match &*g.borrow() {
        Given::Window => web_sys::window().and_then(|w| Reflect::get(&w, &"_cobrowse".into()).ok()),
        Given::Object(o) => Some(o.clone()),
        Given::Typed { .. } => None,
    })
}

fn field(name: &str) -> Option<JsValue> {
    object()
        .filter(|o| o.is_object())
        .and_then(|o| Reflect::get(&o, &name.into()).ok())
}

/// `debug`: log to the browser's console.
pub fn debug() -> bool {
    if let Some(typed) = GIVEN.with(|g| match &*g.borrow() {
        Given::Typed { debug, .. } => Some(*debug),
        _ => None,
    }) {
        return typed;
    }
    field("debug").is_some_and(|d| d.is_truthy())
}

/// `onError`: the integrator's callback for failures, if it set one.
pub fn on_error() -> Option<Function> {
    field("onError")
        .filter(|f| f.is_function())
        .map(Function::from)
}

/// `privacy`: the page's own rules (default when none); an error names what is wrong.
pub fn privacy() -> Result<PrivacyRules, String> {
    if let Some(rules) = GIVEN.with(|g| match &*g.borrow() {
        Given::Typed { privacy, .. } => Some(privacy.clone()),
        _ => None,
    }) {
        return Ok(rules);
    }
    page_rules::read_object(&object().unwrap_or(JsValue::UNDEFINED))
}
