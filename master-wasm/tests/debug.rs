//! Console logging is off unless the page sets `window._cobrowse = { debug: true }`.
#![cfg(target_arch = "wasm32")]

use master_wasm::debug;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn debug_logging_is_off_unless_the_page_asks() {
    let window = web_sys::window().unwrap();
    debug::init();
    assert!(!debug::enabled(), "off by default");
    let config = js_sys::Object::new();
    js_sys::Reflect::set(&config, &"debug".into(), &JsValue::TRUE).unwrap();
    js_sys::Reflect::set(&window, &"_cobrowse".into(), &config).unwrap();
    debug::init();
    assert!(debug::enabled());
    js_sys::Reflect::set(&config, &"debug".into(), &JsValue::FALSE).unwrap();
    debug::init();
    assert!(!debug::enabled());
}
