//! The page's prototypes as capture wraps them, in one JS module (`prototype_hooks.js`): form
//! property setters ([`super::setters`]), `attachShadow` ([`super::shadow_hooks`]) and a
//! canvas's `getContext` ([`super::live_state::WebGlHook`]). One module, not one per hook:
//! every snippet is another module the page must fetch before the wasm starts.

use wasm_bindgen::prelude::*;
use web_sys::Element;

#[wasm_bindgen(module = "/src/capture/prototype_hooks.js")]
extern "C" {
    pub(super) fn hook_setter(proto: &JsValue, prop: &str, notify: &js_sys::Function) -> JsValue;
    pub(super) fn restore_setter(proto: &JsValue, prop: &str, descriptor: &JsValue);
    pub(super) fn hook_attach_shadow(proto: &JsValue, notify: &js_sys::Function) -> JsValue;
    pub(super) fn restore_attach_shadow(proto: &JsValue, original: &JsValue);
    /// `el`'s open shadow root; `false` when it has a closed one we saw attached; else null.
    /// (One call out of wasm per element: this runs for every element captured.)
    pub(super) fn shadow_of(el: &Element) -> JsValue;
    pub(super) fn hook_get_context(proto: &JsValue) -> JsValue;
    pub(super) fn restore_get_context(proto: &JsValue, original: &JsValue);
}
