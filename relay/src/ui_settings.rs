//! What the relay tells the two user interfaces about themselves: the customer widget's
//! settings (handed to the customer module by the loader, from `cobrowse.json`) and the agent
//! console's (`/console/settings.json`): whether write mode may be requested, what agents may
//! click, the site's origins, the widget's corner and colours, the console's theme, and the
//! texts of the `localization` file over the built-in English.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use shared_protocol::texts::{unknown_keys, CONSOLE, WIDGET};

use crate::config::ConfigError;

/// The `[widget]` section: where the customer widget sits and its colours.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WidgetLook {
    /// `bottom-right` (default), `bottom-left`, `top-right` or `top-left`.
    pub position: Option<String>,
    /// CSS colours: buttons and frames, the card's background, its text.
    pub accent: Option<String>,
    pub background: Option<String>,
    pub text: Option<String>,
}

impl WidgetLook {
    pub fn check(&self) -> Result<(), ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            key: "widget",
            message,
        };
        if let Some(p) = &self.position {
            if !["bottom-right", "bottom-left", "top-right", "top-left"].contains(&p.as_str()) {
                return Err(invalid(format!(
                    "position {p:?} is not one of bottom-right, bottom-left, top-right, top-left"
                )));
            }
        }
        for (name, value) in [
            ("accent", &self.accent),
            ("background", &self.background),
            ("text", &self.text),
        ] {
            if let Some(v) = value {
                if !is_css_colour(v) {
                    return Err(invalid(format!(
                        "{name} {v:?} is not a CSS colour (#rgb, #rrggbb, rgb(...), hsl(...) or a name)"
                    )));
                }
            }
        }
        Ok(())
    }
}

/// A colour the widget can take as it is: hex, `rgb()`/`rgba()`/`hsl()`/`hsla()` of numbers, or
/// a name. Nothing else (no `url()`, no `;`) gets into the widget's style.
fn is_css_colour(v: &str) -> bool {
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

/// The console's theme.
pub const THEMES: [&str; 4] = ["auto", "light", "dark", "high-contrast"];

/// The `localization` file: texts by key for each side, replacing the English ones.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Localization {
    #[serde(default)]
    pub widget: BTreeMap<String, String>,
    #[serde(default)]
    pub console: BTreeMap<String, String>,
}

impl Localization {
    /// Reads and checks the file: JSON, only known keys, string values.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            key: "localization",
            message: format!("{}: {message}", path.display()),
        };
        let text = std::fs::read_to_string(path).map_err(|e| invalid(e.to_string()))?;
        let loc: Localization = serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        for (side, english, replaced) in [
            ("widget", WIDGET, &loc.widget),
            ("console", CONSOLE, &loc.console),
        ] {
            let unknown = unknown_keys(english, replaced.keys().map(String::as_str));
            if !unknown.is_empty() {
                return Err(invalid(format!(
                    "unknown {side} keys: {}",
                    unknown.join(", ")
                )));
            }
        }
        Ok(loc)
    }
}

/// The customer module's settings, as the loader hands them over (camelCase JSON).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetSettings<'a> {
    pub write_mode_allowed: bool,
    pub agent_can_submit: bool,
    /// Seconds after a denial before the customer is asked again.
    pub write_request_interval: u64,
    pub site_origins: &'a [String],
    pub widget: &'a WidgetLook,
    pub texts: &'a BTreeMap<String, String>,
}

/// The console's settings (`/console/settings.json`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsoleSettings<'a> {
    pub write_mode_allowed: bool,
    pub theme: &'a str,
    pub texts: &'a BTreeMap<String, String>,
    /// Origins of frames the view loads (`*`: any).
    pub allowed_third_party_domains: &'a [String],
    /// Agent desktops that may frame the console and drive it by `postMessage`
    /// (`console_frame_ancestors`): the console takes messages from these origins only.
    pub host_origins: &'a [String],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_colours_and_nothing_else() {
        for ok in [
            "#fff",
            "#1d4ed8",
            "rgb(10, 20, 30)",
            "hsla(120deg 50% 40% / .5)",
            "navy",
        ] {
            assert!(is_css_colour(ok), "{ok}");
        }
        for bad in [
            "red;background:url(x)",
            "url(x)",
            "#12",
            "expression(1)",
            "",
            "rgb(1,2,3);x",
        ] {
            assert!(!is_css_colour(bad), "{bad}");
        }
    }

    #[test]
    fn positions_are_checked() {
        let look = WidgetLook {
            position: Some("middle".into()),
            ..WidgetLook::default()
        };
        assert!(look.check().unwrap_err().to_string().contains("middle"));
    }

    #[test]
    fn localization_files_are_checked_key_by_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fr.json");
        std::fs::write(
            &path,
            r#"{"widget": {"start": "Co-navigation"}, "console": {"join": "Rejoindre"}}"#,
        )
        .unwrap();
        let loc = Localization::load(&path).unwrap();
        assert_eq!(loc.widget["start"], "Co-navigation");
        std::fs::write(&path, r#"{"widget": {"strat": "x"}}"#).unwrap();
        let e = Localization::load(&path).unwrap_err().to_string();
        assert!(e.contains("unknown widget keys: strat"), "{e}");
        std::fs::write(&path, r#"{"widget": {"start": 3}}"#).unwrap();
        assert!(Localization::load(&path).is_err());
        std::fs::write(&path, "{").unwrap();
        assert!(Localization::load(&path).is_err());
    }
}
