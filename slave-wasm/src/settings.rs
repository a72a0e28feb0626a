//! What the relay says about the console (`/console/settings.json`), loaded before the console
//! mounts: whether write mode can be requested, the theme, the origins whose frames the view
//! loads, and the texts of its localization file over the built-in English. Without it (an old relay, a network error) the console
//! starts in English, with the OS's theme and no write-mode button.

use js_sys::{Array, Object, Reflect};
use shared_protocol::texts::{Texts, CONSOLE};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

#[derive(Debug, Clone, PartialEq)]
pub struct ConsoleSettings {
    pub write_mode_allowed: bool,
    /// `auto`, `light`, `dark` or `high-contrast`.
    pub theme: String,
    pub texts: Texts,
    /// Origins whose frames the view loads (`*`: any).
    pub allowed_frames: Vec<String>,
    /// Agent desktops that may frame the console and drive it (`crate::host_bridge`).
    pub host_origins: Vec<String>,
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        Self {
            write_mode_allowed: false,
            theme: "auto".into(),
            texts: Texts::new(CONSOLE, Vec::new()),
            allowed_frames: Vec::new(),
            host_origins: Vec::new(),
        }
    }
}

impl ConsoleSettings {
    /// The text for `key` with its `{name}`s filled in.
    pub fn text(&self, key: &str, values: &[(&str, &str)]) -> String {
        self.texts.fill(key, values)
    }

    /// Reads the settings object (camelCase keys, as the relay writes them).
    pub fn read(value: &JsValue) -> Self {
        let field = |key: &str| Reflect::get(value, &key.into()).unwrap_or(JsValue::UNDEFINED);
        let texts = field("texts");
        let replaced = match texts.dyn_ref::<Object>() {
            Some(obj) => Object::entries(obj)
                .iter()
                .filter_map(|pair| {
                    let pair: Array = pair.dyn_into().ok()?;
                    Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
                })
                .collect(),
            None => Vec::new(),
        };
        Self {
            write_mode_allowed: field("writeModeAllowed").as_bool().unwrap_or(false),
            theme: field("theme").as_string().unwrap_or_else(|| "auto".into()),
            texts: Texts::new(CONSOLE, replaced),
            allowed_frames: strings(field("allowedThirdPartyDomains")),
            host_origins: strings(field("hostOrigins")),
        }
    }

    /// Fetches the settings from the relay that served the console.
    pub async fn load() -> Self {
        // Relative: beside the console's page, under the relay's base_path.
        match fetch_json("console/settings.json").await {
            Ok(v) => Self::read(&v),
            Err(e) => {
                crate::debug::log(&format!("the console settings could not be loaded: {e}"));
                Self::default()
            }
        }
    }
}

/// A list of strings (its other items, or anything else, ignored).
fn strings(value: JsValue) -> Vec<String> {
    value
        .dyn_into::<Array>()
        .map(|list| list.iter().filter_map(|v| v.as_string()).collect())
        .unwrap_or_default()
}

async fn fetch_json(url: &str) -> Result<JsValue, String> {
    let response = crate::view_config::fetch_ok(url).await?;
    let json = response.json().map_err(|e| format!("{e:?}"))?;
    JsFuture::from(json).await.map_err(|e| format!("{e:?}"))
}
