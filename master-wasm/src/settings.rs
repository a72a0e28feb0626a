//! What the relay's configuration says about the widget and the agent's control, handed to
//! [`crate::start`] by the loader the relay serves (`cobrowse.json` carries them as a JSON
//! object, [`WidgetSettings`] in shared-protocol, read through [`JsDoc`]): write mode allowed, submit buttons for
//! agents, the site's origins, the widget's place, colours and texts. Missing fields keep
//! their defaults; settings that do not parse are reported on the browser's console and the
//! defaults used (write mode off: the safe side).

use shared_protocol::texts::{Texts, WidgetText};
use shared_protocol::ui_settings::{WidgetLook, WidgetSettings};
use shared_web::settings_doc::JsDoc;
use wasm_bindgen::JsValue;

use crate::agent_control::{Allowances, ControlSettings};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    pub control: ControlSettings,
    pub look: WidgetLook,
    /// The language of `texts` (the relay's best match for the page's).
    pub lang: String,
    pub texts: Texts<WidgetText>,
}

impl Settings {
    /// Reads the loader's settings object (camelCase keys, as the relay writes them).
    pub fn read(value: &JsValue) -> Self {
        let parsed = if value.is_undefined() || value.is_null() {
            Ok(WidgetSettings::default())
        } else {
            WidgetSettings::read(&JsDoc(value.clone()))
        };
        let settings = parsed.unwrap_or_else(|e| {
            web_sys::console::error_1(&format!("co-browse: {e}; using the defaults").into());
            WidgetSettings::default()
        });
        Self::from(settings)
    }
}

impl From<WidgetSettings> for Settings {
    fn from(s: WidgetSettings) -> Self {
        Self {
            control: ControlSettings {
                write_mode_allowed: s.write_mode_allowed,
                request_interval_ms: s.write_request_interval as f64 * 1000.0,
                allow: Allowances {
                    submit: s.agent_can_submit,
                },
                site_origins: s.site_origins,
            },
            look: s.widget,
            lang: s.lang,
            texts: s.texts,
        }
    }
}

/// The page's `ui` option (`window._cobrowse.ui`, the package's `ui`): whether the widget shows
/// its button and views; `true` unless it is `false`. Another value is reported and ignored.
pub fn shows_ui(options: &JsValue) -> bool {
    if !options.is_object() {
        return true;
    }
    let ui = js_sys::Reflect::get(options, &"ui".into()).unwrap_or(JsValue::UNDEFINED);
    match ui.as_bool() {
        Some(shown) => shown,
        None if ui.is_undefined() => true,
        None => {
            crate::errors::report("options", "_cobrowse.ui must be true or false");
            true
        }
    }
}
