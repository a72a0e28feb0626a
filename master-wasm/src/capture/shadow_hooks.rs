//! Sees shadow roots attached while the page is captured: no MutationObserver record says that
//! a custom element upgraded late and attached a root. `Element.prototype.attachShadow` is
//! wrapped to call the original and then report the host; put back as it was on drop.
//!
//! Closed roots are the component's own: they are never captured, only remembered (in a
//! `WeakSet`, so hosts can still be collected) to tell the agent why that part looks empty.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;

use super::prototype_hooks::{hook_attach_shadow, restore_attach_shadow, shadow_of};

/// What hangs under `el`: `Ok(Some(root))` its open shadow root, `Err(())` a closed one it
/// was seen attaching, `Ok(None)` none.
pub fn shadow(el: &Element) -> Result<Option<web_sys::Node>, ()> {
    let v = shadow_of(el);
    if v.is_null() || v.is_undefined() {
        Ok(None)
    } else if v.as_bool() == Some(false) {
        Err(())
    } else {
        Ok(Some(v.unchecked_into()))
    }
}

#[must_use = "attachShadow is put back when this is dropped"]
pub struct ShadowHooks {
    hooked: Option<(JsValue, JsValue)>,
    _notify: Closure<dyn FnMut(web_sys::Node)>,
}

impl ShadowHooks {
    /// Calls `on_attach` with every element that attached a shadow root.
    pub fn install(on_attach: impl FnMut(web_sys::Node) + 'static) -> Self {
        let notify = Closure::<dyn FnMut(web_sys::Node)>::new(on_attach);
        let hooked = crate::browser::prototype_of("Element").and_then(|proto| {
            let original = hook_attach_shadow(&proto, notify.as_ref().unchecked_ref());
            (!original.is_null()).then_some((proto, original))
        });
        Self {
            hooked,
            _notify: notify,
        }
    }
}

impl Drop for ShadowHooks {
    fn drop(&mut self) {
        if let Some((proto, original)) = &self.hooked {
            restore_attach_shadow(proto, original);
        }
    }
}
