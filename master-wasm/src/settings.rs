//! What the relay's configuration says about the widget and the agent's control, handed to
//! [`crate::start`] by the loader the relay serves (`cobrowse.json` carries them as a JSON
//! object): write mode allowed, submit buttons for agents, the site's origins, the widget's
//! place, colours and texts. Anything missing or malformed keeps its default; without settings
//! at all, write mode is off (the safe side).

use js_sys::{Array, Object, Reflect};
use shared_protocol::texts::{Texts, WIDGET};
use wasm_bindgen::{JsCast, JsValue};

use crate::agent_control::{Allowances, ControlSettings, DEFAULT_REQUEST_INTERVAL_MS};

/// Where the widget sits in the window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Corner {
    #[default]
    BottomRight,
    BottomLeft,
    TopRight,
    TopLeft,
}

impl Corner {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "bottom-right" => Corner::BottomRight,
            "bottom-left" => Corner::BottomLeft,
            "top-right" => Corner::TopRight,
            "top-left" => Corner::TopLeft,
            _ => return None,
        })
    }

    /// The CSS placing the widget's box.
    pub fn css(&self) -> &'static str {
        match self {
            Corner::BottomRight => "right: 16px; bottom: 16px;",
            Corner::BottomLeft => "left: 16px; bottom: 16px;",
            Corner::TopRight => "right: 16px; top: 16px;",
            Corner::TopLeft => "left: 16px; top: 16px;",
        }
    }
}

/// The widget's look: its corner and colours (CSS colour values, checked by the relay).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Look {
    pub corner: Corner,
    pub accent: Option<String>,
    pub background: Option<String>,
    pub text: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    pub control: ControlSettings,
    pub look: Look,
    pub texts: Texts,
}

fn field(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn string(obj: &JsValue, key: &str) -> Option<String> {
    field(obj, key).as_string().filter(|s| !s.is_empty())
}

impl Settings {
    /// Reads the loader's settings object (camelCase keys, as the relay writes them).
    pub fn read(value: &JsValue) -> Self {
        if !value.is_object() {
            return Self {
                texts: Texts::new(WIDGET, Vec::new()),
                ..Self::default()
            };
        }
        let origins = field(value, "siteOrigins")
            .dyn_into::<Array>()
            .map(|a| a.iter().filter_map(|o| o.as_string()).collect())
            .unwrap_or_default();
        let control = ControlSettings {
            write_mode_allowed: field(value, "writeModeAllowed").as_bool().unwrap_or(false),
            request_interval_ms: field(value, "writeRequestInterval")
                .as_f64()
                .map_or(DEFAULT_REQUEST_INTERVAL_MS, |secs| secs * 1000.0),
            allow: Allowances {
                submit: field(value, "agentCanSubmit").as_bool().unwrap_or(false),
            },
            site_origins: origins,
        };
        let widget = field(value, "widget");
        let look = Look {
            corner: string(&widget, "position")
                .and_then(|p| Corner::parse(&p))
                .unwrap_or_default(),
            accent: string(&widget, "accent"),
            background: string(&widget, "background"),
            text: string(&widget, "text"),
        };
        let texts = field(value, "texts");
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
            control,
            look,
            texts: Texts::new(WIDGET, replaced),
        }
    }
}
