//! Stylesheets that change in the CSSOM rather than in the page's text: CSS-in-JS libraries add
//! rules with `insertRule` to an empty `<style>` or `replaceSync` a constructed sheet, which a
//! DOM copy alone would show unstyled. The sheet methods that change rules are wrapped to
//! report the change (put back on drop); [`super::sheets`] reads the rules.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Node;

#[wasm_bindgen(module = "/src/capture/cssom.js")]
extern "C" {
    fn hook_method(proto: &JsValue, name: &str, notify: &js_sys::Function) -> JsValue;
    fn restore_method(proto: &JsValue, name: &str, original: &JsValue);
}

const HOOKED: [&str; 4] = ["insertRule", "deleteRule", "replace", "replaceSync"];

#[must_use = "the sheet methods are put back when this is dropped"]
pub struct CssomHooks {
    hooked: Vec<(JsValue, &'static str, JsValue)>,
    _notify: Closure<dyn FnMut(JsValue)>,
}

impl CssomHooks {
    /// Calls `on_change` with the owner node (a `<style>` or `<link>`) of every sheet whose
    /// rules a script changed, or with `None` for a constructed (adoptable) sheet.
    pub fn install(mut on_change: impl FnMut(Option<Node>) + 'static) -> Self {
        let notify = Closure::<dyn FnMut(JsValue)>::new(move |sheet: JsValue| {
            let owner = js_sys::Reflect::get(&sheet, &"ownerNode".into()).ok();
            on_change(owner.and_then(|o| o.dyn_into::<Node>().ok()));
        });
        let proto = crate::browser::prototype_of("CSSStyleSheet");
        let mut hooked = Vec::new();
        if let Some(proto) = proto {
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
