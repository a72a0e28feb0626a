//! What the relay says about the console (`/console/settings.json`, [`ConsoleSettings`] in
//! shared-protocol), loaded before the console mounts: whether write mode can be requested,
//! the theme, the origins whose frames the view loads, and the texts of its localization file
//! over the built-in English. Without it (an old relay, a network error) or when it does not
//! parse (reported on the browser's console) the console starts in English, with the
//! system's theme and no write-mode button.

pub use shared_protocol::ui_settings::ConsoleSettings;
use shared_web::settings_doc::JsDoc;
use wasm_bindgen_futures::JsFuture;

/// Fetches the settings from the relay that served the console, in language `locale` (or the
/// best the relay has).
pub async fn load(locale: &str) -> ConsoleSettings {
    // Relative: beside the console's page, under the relay's base_path.
    let url = format!(
        "console/settings.json?locale={}",
        js_sys::encode_uri_component(locale)
    );
    let parsed = match fetch_json(&url).await {
        Ok(json) => ConsoleSettings::read(&JsDoc(json)).map_err(|e| e.to_string()),
        Err(e) => Err(format!("the console settings could not be loaded: {e}")),
    };
    parsed.unwrap_or_else(|e| {
        web_sys::console::error_1(&format!("co-browse console: {e}; using the defaults").into());
        ConsoleSettings::default()
    })
}

async fn fetch_json(url: &str) -> Result<wasm_bindgen::JsValue, String> {
    let response = crate::view_config::fetch_ok(url).await?;
    let json = response.json().map_err(|e| format!("{e:?}"))?;
    JsFuture::from(json).await.map_err(|e| format!("{e:?}"))
}
