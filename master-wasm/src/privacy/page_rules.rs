//! The page's own privacy rules: `window._cobrowse.privacy`, set before the snippet.
//!
//! ```js
//! window._cobrowse = {
//!   privacy: {
//!     mask: ['.balance'], block: ['#statement'], unmask: ['.public'], readonly: ['.danger'],
//!     maskedAttributes: ['data-account-*'], privateByDefault: false, maskCardFields: true,
//!     maskUrlQueries: false, keepMaskedUrlPaths: false, indicatorText: 'Hidden from the agent',
//!   },
//! };
//! ```
//! A value of the wrong type is an error naming the key (reported to the integrator); the
//! page is then captured as if entirely private, since what it meant to hide is unknown.

use js_sys::{Array, Reflect};
use shared_protocol::privacy::PrivacyRules;
use wasm_bindgen::{JsCast, JsValue};

/// The page's rules: those of its options ([`crate::options`]); `Ok(default)` when it sets none.
pub fn read() -> Result<PrivacyRules, String> {
    crate::options::privacy()
}

/// Reads the rules of a page's options object (`window._cobrowse`, the package's options).
pub fn read_object(config: &JsValue) -> Result<PrivacyRules, String> {
    let config = config.clone();
    if config.is_undefined() || config.is_null() {
        return Ok(PrivacyRules::default());
    }
    if !config.is_object() {
        return Err("window._cobrowse must be an object".into());
    }
    let privacy = get(&config, "privacy");
    if privacy.is_undefined() || privacy.is_null() {
        return Ok(PrivacyRules::default());
    }
    if !privacy.is_object() {
        return Err("_cobrowse.privacy must be an object".into());
    }
    let known = [
        "mask",
        "block",
        "unmask",
        "readonly",
        "maskedAttributes",
        "privateByDefault",
        "maskCardFields",
        "maskUrlQueries",
        "keepMaskedUrlPaths",
        "indicatorText",
    ];
    for key in js_sys::Object::keys(privacy.unchecked_ref::<js_sys::Object>()).iter() {
        let key = key.as_string().unwrap_or_default();
        if !known.contains(&key.as_str()) {
            return Err(format!(
                "_cobrowse.privacy.{key} is not a known option (known: {})",
                known.join(", ")
            ));
        }
    }
    Ok(PrivacyRules {
        url: None,
        mask: strings(&privacy, "mask")?,
        block: strings(&privacy, "block")?,
        unmask: strings(&privacy, "unmask")?,
        readonly: strings(&privacy, "readonly")?,
        masked_attributes: strings(&privacy, "maskedAttributes")?,
        private_by_default: boolean(&privacy, "privateByDefault")?,
        mask_card_fields: boolean(&privacy, "maskCardFields")?,
        mask_url_queries: boolean(&privacy, "maskUrlQueries")?,
        keep_masked_url_paths: boolean(&privacy, "keepMaskedUrlPaths")?,
        indicator_text: string(&privacy, "indicatorText")?,
    })
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn strings(obj: &JsValue, key: &str) -> Result<Vec<String>, String> {
    let v = get(obj, key);
    if v.is_undefined() || v.is_null() {
        return Ok(Vec::new());
    }
    if let Some(s) = v.as_string() {
        return Ok(vec![s]);
    }
    if !Array::is_array(&v) {
        return Err(format!("_cobrowse.privacy.{key} must be a list of strings"));
    }
    Array::from(&v)
        .iter()
        .map(|item| {
            item.as_string()
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| format!("_cobrowse.privacy.{key} must hold non-empty strings only"))
        })
        .collect()
}

fn boolean(obj: &JsValue, key: &str) -> Result<Option<bool>, String> {
    let v = get(obj, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_bool()
        .map(Some)
        .ok_or_else(|| format!("_cobrowse.privacy.{key} must be true or false"))
}

fn string(obj: &JsValue, key: &str) -> Result<Option<String>, String> {
    let v = get(obj, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_string()
        .map(Some)
        .ok_or_else(|| format!("_cobrowse.privacy.{key} must be a string"))
}
