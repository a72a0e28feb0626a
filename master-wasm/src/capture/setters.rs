//! Sees form values that page scripts set through properties (`input.value = ...`,
//! `checked`, `selectedIndex`), which fire no event: the setters on the element prototypes are
//! wrapped to call the original and then report the element. Put back as they were on drop.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::prototype_hooks::{hook_setter, restore_setter};

/// The properties whose setters change form state without an event.
const HOOKED: [(&str, &str); 6] = [
    ("HTMLInputElement", "value"),
    ("HTMLInputElement", "checked"),
    ("HTMLTextAreaElement", "value"),
    ("HTMLSelectElement", "value"),
    ("HTMLSelectElement", "selectedIndex"),
    ("HTMLOptionElement", "selected"),
];

#[must_use = "the setters are put back when this is dropped"]
pub struct SetterHooks {
    hooked: Vec<(JsValue, &'static str, JsValue)>,
    _notify: Closure<dyn FnMut(web_sys::Node)>,
}

impl SetterHooks {
    /// Calls `on_set` with every element whose form property a script set.
    pub fn install(on_set: impl FnMut(web_sys::Node) + 'static) -> Self {
        let notify = Closure::<dyn FnMut(web_sys::Node)>::new(on_set);
        let mut hooked = Vec::new();
        for (class, prop) in HOOKED {
            let Some(proto) = crate::browser::prototype_of(class) else {
                continue;
            };
            let descriptor = hook_setter(&proto, prop, notify.as_ref().unchecked_ref());
            if !descriptor.is_null() {
                hooked.push((proto, prop, descriptor));
            }
        }
        Self {
            hooked,
            _notify: notify,
        }
    }
}

impl Drop for SetterHooks {
    fn drop(&mut self) {
        for (proto, prop, descriptor) in &self.hooked {
            restore_setter(proto, prop, descriptor);
        }
    }
}
