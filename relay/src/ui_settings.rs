//! What the relay tells the two user interfaces about themselves. The types live in
//! [`shared_protocol::ui_settings`] (the browsers parse the same ones); here the relay reads
//! the `localization` file and turns configuration errors into [`ConfigError`]s naming the key.

use std::path::Path;

pub use shared_protocol::ui_settings::{
    ConsoleSettings, Corner, Localization, Theme, WidgetLook, WidgetSettings,
};

use crate::config::ConfigError;

/// Reads and checks the `localization` file: JSON, only known keys, string values.
pub fn load_localization(path: &Path) -> Result<Localization, ConfigError> {
    let invalid = |message: String| ConfigError::Invalid {
        key: "localization",
        message: format!("{}: {message}", path.display()),
    };
    let text = std::fs::read_to_string(path).map_err(|e| invalid(e.to_string()))?;
    Localization::from_json(&text).map_err(|e| invalid(e.to_string()))
}

/// The `theme` option: one of [`Theme::ALL`] by name.
pub fn parse_theme(name: &str) -> Result<Theme, ConfigError> {
    Theme::from_name(name).ok_or_else(|| ConfigError::Invalid {
        key: "theme",
        message: format!(
            "{name:?} is not one of {}",
            Theme::ALL.map(Theme::name).join(", ")
        ),
    })
}

/// The `[widget]` section's colours (its corner is checked as it is parsed).
pub fn check_widget(look: &WidgetLook) -> Result<(), ConfigError> {
    look.check().map_err(|message| ConfigError::Invalid {
        key: "widget",
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localization_files_are_checked_key_by_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fr.json");
        std::fs::write(&path, r#"{"widget": {"strat": "x"}}"#).unwrap();
        let e = load_localization(&path).unwrap_err().to_string();
        assert!(e.contains("localization") && e.contains("strat"), "{e}");
        assert!(load_localization(&dir.path().join("none.json")).is_err());
    }

    #[test]
    fn themes_are_checked() {
        assert_eq!(parse_theme("dark").unwrap(), Theme::Dark);
        let e = parse_theme("neon").unwrap_err().to_string();
        assert!(e.contains("theme") && e.contains("neon"), "{e}");
    }
}
