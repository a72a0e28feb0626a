//! Stylesheets that live in the CSSOM rather than in the page's text: CSS-in-JS libraries add
//! rules with `insertRule` to an empty `<style>`, which a DOM copy alone would show unstyled.
//! The rules of such a `<style>` are read through its sheet, and the sheet methods that change
//! rules are wrapped to report the change (put back on drop).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CssStyleSheet, Element, Node};

#[wasm_bindgen(inline_js = r#"
export function hook_method(proto, name, notify) {
  const original = proto[name];
  if (typeof original !== 'function') return null;
  proto[name] = function (...args) {
    const result = original.apply(this, args);
    try { notify(this); } catch (e) { /* never break the page */ }
    return result;
  };
  return original;
}
export function restore_method(proto, name, original) {
  proto[name] = original;
}
"#)]
extern "C" {
    fn hook_method(proto: &JsValue, name: &str, notify: &js_sys::Function) -> JsValue;
    fn restore_method(proto: &JsValue, name: &str, original: &JsValue);
}

const HOOKED: [&str; 4] = ["insertRule", "deleteRule", "replace", "replaceSync"];

/// The rules of a `<style>` element's sheet, as CSS text, or `None` for anything else.
pub fn style_rules(node: &Node) -> Option<Vec<String>> {
    let el = node.dyn_ref::<Element>()?;
    if el.local_name() != "style" {
        return None;
    }
    let sheet = js_sys::Reflect::get(el, &"sheet".into()).ok()?;
    let sheet: CssStyleSheet = sheet.dyn_into().ok()?;
    let rules = sheet.css_rules().ok()?;
    Some(
        (0..rules.length())
            .filter_map(|i| rules.item(i).map(|r| r.css_text()))
            .collect(),
    )
}

/// Rules a `<style>` has that its text does not give: CSS-in-JS filled an empty element.
pub fn rules_beyond_text(node: &Node) -> Option<Vec<String>> {
    let text_is_empty = node.text_content().is_none_or(|t| t.trim().is_empty());
    style_rules(node).filter(|rules| text_is_empty && !rules.is_empty())
}

#[must_use = "the sheet methods are put back when this is dropped"]
pub struct CssomHooks {
    hooked: Vec<(JsValue, &'static str, JsValue)>,
    _notify: Closure<dyn FnMut(JsValue)>,
}

impl CssomHooks {
    /// Calls `on_change` with the owner node (a `<style>` or `<link>`) of every sheet whose
    /// rules a script changed.
    pub fn install(mut on_change: impl FnMut(Node) + 'static) -> Self {
        let notify = Closure::<dyn FnMut(JsValue)>::new(move |sheet: JsValue| {
            let owner = js_sys::Reflect::get(&sheet, &"ownerNode".into()).ok();
            if let Some(node) = owner.and_then(|o| o.dyn_into::<Node>().ok()) {
                on_change(node);
            }
        });
        let window: JsValue = crate::browser::window().into();
        let proto = js_sys::Reflect::get(&window, &"CSSStyleSheet".into())
            .and_then(|c| js_sys::Reflect::get(&c, &"prototype".into()));
        let mut hooked = Vec::new();
        if let Ok(proto) = proto {
            for name in HOOKED {
                let original = hook_method(&proto, name, notify.as_ref().unchecked_ref());
                if !original.is_null() {
                    hooked.push((proto.clone(), name, original));
                }
            }
        }
        Self {
            hooked,
            _notify: notify,
        }
    }
}

impl Drop for CssomHooks {
    fn drop(&mut self) {
        for (proto, name, original) in &self.hooked {
            restore_method(proto, name, original);
        }
    }
}
