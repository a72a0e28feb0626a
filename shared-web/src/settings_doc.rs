//! The settings as the browser holds them (the loader's object, the console's fetched JSON),
//! for shared-protocol's readers ([`shared_protocol::ui_settings_read`]): each browser reads
//! its typed settings through [`JsDoc`] instead of a serde deserialiser for JS values.

use js_sys::{Array, Object, Reflect};
use shared_protocol::ui_settings_read::SettingsDoc;
use wasm_bindgen::{JsCast, JsValue};

/// A JS value read as a settings document.
pub struct JsDoc(pub JsValue);

impl JsDoc {
    fn is_plain_object(&self) -> bool {
        self.0.is_object() && !Array::is_array(&self.0)
    }
}

impl SettingsDoc for JsDoc {
    fn get(&self, key: &str) -> Option<Self> {
        if !self.is_plain_object() {
            return None;
        }
        let value = Reflect::get(&self.0, &JsValue::from_str(key)).ok()?;
        (!value.is_undefined() && !value.is_null()).then_some(JsDoc(value))
    }

    fn keys(&self) -> Option<Vec<String>> {
        let object = self
            .is_plain_object()
            .then(|| self.0.unchecked_ref::<Object>())?;
        Some(
            Object::keys(object)
                .iter()
                .filter_map(|k| k.as_string())
                .collect(),
        )
    }

    fn bool(&self) -> Option<bool> {
        self.0.as_bool()
    }

    fn number(&self) -> Option<f64> {
        self.0.as_f64()
    }

    fn string(&self) -> Option<String> {
        self.0.as_string()
    }

    fn items(&self) -> Option<Vec<Self>> {
        let array = self.0.dyn_ref::<Array>()?;
        Some(array.iter().map(JsDoc).collect())
    }
}
