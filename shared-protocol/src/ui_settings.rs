//! What the relay tells the two user interfaces about themselves, as one set of types: the
//! relay serialises them, the browsers read them field by field ([`crate::ui_settings_read`]),
//! native code parses their JSON ([`WidgetSettings::from_json`]). The customer widget's come
//! inside the loader's `cobrowse.json`, the console's from `/console/settings.json`: whether
//! write mode may be requested, what agents may click, the site's origins, the widget's corner
//! and colours, the console's theme, and the texts of the `localization` file over the
//! built-in English. A missing field takes its default; a malformed document is an error
//! naming what is wrong.

use serde::{Deserialize, Serialize};

use crate::texts::{ConsoleText, Texts, WidgetText};

/// Where the widget sits in the window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Corner {
    #[default]
    BottomRight,
    BottomLeft,
    TopRight,
    TopLeft,
}

impl Corner {
    pub const ALL: [Corner; 4] = [
        Corner::BottomRight,
        Corner::BottomLeft,
        Corner::TopRight,
        Corner::TopLeft,
    ];
    /// What a bad value is told it should be.
    pub const EXPECTED: &'static str = "bottom-right, bottom-left, top-right or top-left";

    /// Its name in the configuration and the JSON.
    pub fn name(self) -> &'static str {
        match self {
            Corner::BottomRight => "bottom-right",
            Corner::BottomLeft => "bottom-left",
            Corner::TopRight => "top-right",
            Corner::TopLeft => "top-left",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The CSS placing the widget's box.
    pub fn css(self) -> &'static str {
        match self {
            Corner::BottomRight => "right: 16px; bottom: 16px;",
            Corner::BottomLeft => "left: 16px; bottom: 16px;",
            Corner::TopRight => "right: 16px; top: 16px;",
            Corner::TopLeft => "left: 16px; top: 16px;",
        }
    }
}

/// The console's theme. `auto` follows the system (dark, and high contrast or forced colours).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Theme {
    #[default]
    Auto,
    Light,
    Dark,
    HighContrast,
}

impl Theme {
    pub const ALL: [Theme; 4] = [Theme::Auto, Theme::Light, Theme::Dark, Theme::HighContrast];
    /// What a bad value is told it should be.
    pub const EXPECTED: &'static str = "auto, light, dark or high-contrast";

    /// Its name in the configuration, the JSON and the console's `data-theme` attribute.
    pub fn name(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::HighContrast => "high-contrast",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The text naming it in the console's picker.
    pub fn label(self) -> ConsoleText {
        match self {
            Theme::Auto => ConsoleText::ThemeAuto,
            Theme::Light => ConsoleText::ThemeLight,
            Theme::Dark => ConsoleText::ThemeDark,
            Theme::HighContrast => ConsoleText::ThemeContrast,
        }
    }
}

/// The widget's look: its corner and colours (CSS colour values, see [`is_css_colour`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WidgetLook {
    /// `bottom-right` (default), `bottom-left`, `top-right` or `top-left`.
    #[serde(default)]
    pub position: Corner,
    /// CSS colours: buttons and frames, the card's background, its text.
    pub accent: Option<String>,
    pub background: Option<String>,
    pub text: Option<String>,
}

impl WidgetLook {
    /// The first colour that is not one [`is_css_colour`] lets through, as an error.
    pub fn check(&self) -> Result<(), String> {
        for (name, value) in [
            ("accent", &self.accent),
            ("background", &self.background),
            ("text", &self.text),
        ] {
            if let Some(v) = value.as_deref().filter(|v| !is_css_colour(v)) {
                return Err(format!(
                    "{name} {v:?} is not a CSS colour (#rgb, #rrggbb, rgb(...), hsl(...) or a name)"
                ));
            }
        }
        Ok(())
    }
}

/// A colour the widget can take as it is: hex, `rgb()`/`rgba()`/`hsl()`/`hsla()` of numbers, or
/// a name. Nothing else (no `url()`, no `;`) gets into the widget's style.
pub fn is_css_colour(v: &str) -> bool {
    let v = v.trim();
    if let Some(hex) = v.strip_prefix('#') {
        return [3, 4, 6, 8].contains(&hex.len()) && hex.chars().all(|c| c.is_ascii_hexdigit());
    }
    for f in ["rgb(", "rgba(", "hsl(", "hsla("] {
        if let Some(args) = v.strip_prefix(f).and_then(|r| r.strip_suffix(')')) {
            return args
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || " ,.%/-+".contains(c));
        }
    }
    !v.is_empty() && v.len() <= 30 && v.chars().all(|c| c.is_ascii_alphabetic())
}

/// Seconds after a denial before the customer is asked again, when the relay says nothing.
pub const DEFAULT_WRITE_REQUEST_INTERVAL_SECS: u64 = 30;

fn default_write_request_interval() -> u64 {
    DEFAULT_WRITE_REQUEST_INTERVAL_SECS
}

/// The customer module's settings, as the loader hands them over (camelCase JSON). Without
/// them write mode is off (the safe side).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WidgetSettings {
    pub write_mode_allowed: bool,
    pub agent_can_submit: bool,
    /// Seconds after a denial before the customer is asked again.
    pub write_request_interval: u64,
    pub site_origins: Vec<String>,
    pub widget: WidgetLook,
    /// The language of `texts` (a BCP 47 tag): its plural rule picks counted texts' forms.
    pub lang: String,
    pub texts: Texts<WidgetText>,
}

impl Default for WidgetSettings {
    fn default() -> Self {
        Self {
            write_mode_allowed: false,
            agent_can_submit: false,
            write_request_interval: default_write_request_interval(),
            site_origins: Vec::new(),
            widget: WidgetLook::default(),
            lang: DEFAULT_LANG.into(),
            texts: Texts::default(),
        }
    }
}

/// The language of the built-in texts, and of a page or console that asks for none the relay has.
pub const DEFAULT_LANG: &str = "en";

/// The console's settings (`/console/settings.json`). Without them the console starts in
/// English, with the system's theme and no write-mode button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsoleSettings {
    pub write_mode_allowed: bool,
    pub theme: Theme,
    /// The language of `texts` (a BCP 47 tag), and the languages the relay has (their tags).
    pub lang: String,
    pub languages: Vec<String>,
    pub texts: Texts<ConsoleText>,
    /// Origins of frames the view loads (`*`: any).
    pub allowed_third_party_domains: Vec<String>,
    /// Agent desktops that may frame the console and drive it by `postMessage`
    /// (`console_frame_ancestors`): the console takes messages from these origins only.
    pub host_origins: Vec<String>,
}

/// The relay's `localization` file: texts by key for each side, replacing the English ones.
/// A key the side does not have is an error naming it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Localization {
    pub widget: Texts<WidgetText>,
    pub console: Texts<ConsoleText>,
}

impl Localization {
    pub fn from_json(json: &str) -> Result<Self, SettingsError> {
        serde_json::from_str(json).map_err(|e| SettingsError::Invalid(e.to_string()))
    }
}

/// Settings that could not be read: what the parser said (the field, the bad value).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("the settings are not valid: {0}")]
    Invalid(String),
}

impl WidgetSettings {
    pub fn from_json(json: &str) -> Result<Self, SettingsError> {
        let settings: Self =
            serde_json::from_str(json).map_err(|e| SettingsError::Invalid(e.to_string()))?;
        settings.checked()
    }

    /// Itself, when what serde cannot check holds (the colours); also for the browsers'
    /// reader ([`WidgetSettings::read`]).
    pub fn checked(self) -> Result<Self, SettingsError> {
        self.widget
            .check()
            .map_err(|e| SettingsError::Invalid(format!("widget: {e}")))?;
        Ok(self)
    }
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        Self {
            write_mode_allowed: false,
            theme: Theme::default(),
            lang: DEFAULT_LANG.into(),
            languages: vec![DEFAULT_LANG.into()],
            texts: Texts::default(),
            allowed_third_party_domains: Vec::new(),
            host_origins: Vec::new(),
        }
    }
}

impl ConsoleSettings {
    pub fn from_json(json: &str) -> Result<Self, SettingsError> {
        serde_json::from_str(json).map_err(|e| SettingsError::Invalid(e.to_string()))
    }

    /// The text for `key` with its `{name}`s filled in.
    pub fn text(&self, key: ConsoleText, values: &[(&str, &str)]) -> String {
        self.texts.fill(key, values)
    }

    /// A counted text in the console's language (`one`, `other`: its two keys).
    pub fn counted(&self, keys: (ConsoleText, ConsoleText), name: &str, count: u64) -> String {
        self.texts.fill_count(keys, &self.lang, name, count)
    }
}

#[cfg(test)]
#[path = "ui_settings_tests.rs"]
mod tests;
