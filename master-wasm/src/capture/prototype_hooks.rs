//! The page's prototypes as capture wraps them, in one JS module: form property setters
//! ([`super::setters`]), `attachShadow` ([`super::shadow_hooks`]) and a canvas's `getContext`
//! ([`super::live_state::WebGlHook`]). One module, not one per
//! hook: every inline snippet is another module the page must fetch before the wasm starts.

use wasm_bindgen::prelude::*;
use web_sys::Element;

#[wasm_bindgen(inline_js = r#"
export function hook_setter(proto, prop, notify) {
  const d = Object.getOwnPropertyDescriptor(proto, prop);
  if (!d || !d.set || !d.configurable) return null;
  Object.defineProperty(proto, prop, {
    configurable: true,
    enumerable: d.enumerable,
    get: d.get,
    set(v) {
      d.set.call(this, v);
      try { notify(this); } catch (e) { /* never break the page */ }
    },
  });
  return d;
}
export function restore_setter(proto, prop, d) {
  Object.defineProperty(proto, prop, d);
}
const closedHosts = new WeakSet();
export function hook_attach_shadow(proto, notify) {
  const original = proto.attachShadow;
  if (typeof original !== 'function') return null;
  proto.attachShadow = function (init) {
    const root = original.call(this, init);
    try {
      if (init && init.mode === 'closed') closedHosts.add(this);
      notify(this);
    } catch (e) { /* never break the page */ }
    return root;
  };
  return original;
}
export function restore_attach_shadow(proto, original) {
  proto.attachShadow = original;
}
export function hook_get_context(proto) {
  const original = proto.getContext;
  if (typeof original !== 'function') return null;
  proto.getContext = function (kind, attrs) {
    if (typeof kind === 'string' && kind.indexOf('webgl') >= 0) {
      attrs = Object.assign({}, attrs, { preserveDrawingBuffer: true });
    }
    return original.call(this, kind, attrs);
  };
  return original;
}
export function restore_get_context(proto, original) {
  proto.getContext = original;
}
export function shadow_of(el) {
  return el.shadowRoot || (closedHosts.has(el) ? false : null);
}
"#)]
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
