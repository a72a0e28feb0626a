//! The languages the relay serves the widget's and the console's texts in: English and French
//! shipped (`relay/locales/*.json`, embedded in the binary), each language replaced or added to
//! key by key by the operator's `localization_dir` (one `<tag>.json` per language: `fr.json`,
//! `pt-BR.json`), and English by the older `localization` file too. A page or a console asks
//! for a language (a BCP 47 tag); the best match answers: the tag itself, its primary language,
//! else English. Every file is checked at start: an unknown key, a bad value or a file name
//! that is no language tag is a configuration error naming the file.

use std::collections::BTreeMap;
use std::path::Path;

use shared_protocol::ui_settings::{Localization, DEFAULT_LANG};

use crate::config::ConfigError;

/// The shipped languages: complete files, every key of both sides.
pub const SHIPPED: [(&str, &str); 2] = [
    ("en", include_str!("../locales/en.json")),
    ("fr", include_str!("../locales/fr.json")),
];

/// Texts by language (tags in lower case).
#[derive(Debug, Clone)]
pub struct Locales {
    by_tag: BTreeMap<String, Localization>,
}

impl Default for Locales {
    /// The shipped languages alone.
    fn default() -> Self {
        let by_tag = SHIPPED
            .iter()
            .map(|(tag, json)| {
                let texts = Localization::from_json(json).expect("a shipped locale parses");
                (tag.to_string(), texts)
            })
            .collect();
        Self { by_tag }
    }
}

impl Locales {
    /// The shipped languages, `dir`'s files over them, and `english` (the `localization` file)
    /// over English.
    pub fn load(dir: Option<&Path>, english: Option<Localization>) -> Result<Self, ConfigError> {
        let mut locales = Self::default();
        if let Some(english) = english {
            locales.add(DEFAULT_LANG, &english);
        }
        let Some(dir) = dir else {
            return Ok(locales);
        };
        let invalid = |message: String| ConfigError::Invalid {
            key: "localization_dir",
            message,
        };
        let entries =
            std::fs::read_dir(dir).map_err(|e| invalid(format!("{}: {e}", dir.display())))?;
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
        {
            let tag = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            if !is_language_tag(tag) {
                return Err(invalid(format!(
                    "{}: the file name is not a language tag (fr.json, pt-BR.json)",
                    path.display()
                )));
            }
            let text = std::fs::read_to_string(path)
                .map_err(|e| invalid(format!("{}: {e}", path.display())))?;
            let texts = Localization::from_json(&text)
                .map_err(|e| invalid(format!("{}: {e}", path.display())))?;
            locales.add(tag, &texts);
        }
        Ok(locales)
    }

    fn add(&mut self, tag: &str, texts: &Localization) {
        let entry = self.by_tag.entry(tag.to_ascii_lowercase()).or_default();
        entry.widget.extend_from(&texts.widget);
        entry.console.extend_from(&texts.console);
    }

    /// The language that answers a page or console asking for `asked` (`fr-CA` → `fr-ca` if
    /// the relay has it, else `fr`, else English).
    pub fn best(&self, asked: &str) -> &str {
        let asked = asked.trim().to_ascii_lowercase().replace('_', "-");
        let primary = asked.split('-').next().unwrap_or_default().to_string();
        for tag in [asked, primary] {
            if let Some((known, _)) = self.by_tag.get_key_value(&tag) {
                return known;
            }
        }
        DEFAULT_LANG
    }

    /// The texts of `tag` (one [`Locales::best`] gave); English's when it has none.
    pub fn texts(&self, tag: &str) -> &Localization {
        self.by_tag
            .get(tag)
            .or_else(|| self.by_tag.get(DEFAULT_LANG))
            .expect("English is always there")
    }

    /// English's texts, to change in place (what the `localization` file does).
    pub fn english_mut(&mut self) -> &mut Localization {
        self.by_tag.entry(DEFAULT_LANG.into()).or_default()
    }

    /// Every language the relay has.
    pub fn tags(&self) -> Vec<String> {
        self.by_tag.keys().cloned().collect()
    }
}

/// `en`, `fr-CA`, `pt-BR`, `zh-Hant`: letters, then subtags of letters and digits.
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or_default();
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared_protocol::texts::{ConsoleText, TextKey, WidgetText};

    #[test]
    fn every_shipped_file_has_every_key_and_english_is_the_built_in_one() {
        for (tag, json) in SHIPPED {
            let texts = Localization::from_json(json).unwrap();
            for key in WidgetText::ALL {
                assert!(
                    texts.widget.entries().any(|(k, _)| k == *key),
                    "{tag}.json has no widget text {}",
                    key.name()
                );
            }
            for key in ConsoleText::ALL {
                assert!(
                    texts.console.entries().any(|(k, _)| k == *key),
                    "{tag}.json has no console text {}",
                    key.name()
                );
            }
        }
        let english = Locales::default();
        let english = english.texts("en");
        for key in WidgetText::ALL {
            assert_eq!(english.widget.get(*key), key.english(), "{}", key.name());
        }
        for key in ConsoleText::ALL {
            assert_eq!(english.console.get(*key), key.english(), "{}", key.name());
        }
    }

    #[test]
    fn the_best_language_answers() {
        let l = Locales::default();
        assert_eq!(l.best("fr-CA"), "fr");
        assert_eq!(l.best("FR"), "fr");
        assert_eq!(l.best("de-DE"), "en");
        assert_eq!(l.best(""), "en");
        assert_eq!(
            l.texts(l.best("fr")).widget.get(WidgetText::Start),
            "Co-navigation"
        );
    }

    #[test]
    fn a_folder_adds_and_overrides_languages_and_bad_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("pt-BR.json"),
            r#"{"widget": {"start": "Navegar juntos"}}"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("fr.json"),
            r#"{"widget": {"cancel": "Non merci"}}"#,
        )
        .unwrap();
        let l = Locales::load(Some(dir.path()), None).unwrap();
        assert_eq!(l.best("pt-br"), "pt-br");
        let pt = l.texts("pt-br");
        assert_eq!(pt.widget.get(WidgetText::Start), "Navegar juntos");
        assert_eq!(
            pt.widget.get(WidgetText::Cancel),
            "Cancel",
            "English fills the rest"
        );
        let fr = l.texts("fr");
        assert_eq!(fr.widget.get(WidgetText::Cancel), "Non merci");
        assert_eq!(
            fr.widget.get(WidgetText::Start),
            "Co-navigation",
            "shipped French stays"
        );
        assert_eq!(l.tags(), ["en", "fr", "pt-br"]);

        std::fs::write(dir.path().join("de.json"), r#"{"widget": {"strat": "x"}}"#).unwrap();
        let e = Locales::load(Some(dir.path()), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("localization_dir") && e.contains("de.json") && e.contains("strat"),
            "{e}"
        );
        std::fs::remove_file(dir.path().join("de.json")).unwrap();
        std::fs::write(dir.path().join("french.json"), "{}").unwrap();
        let e = Locales::load(Some(dir.path()), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("french.json") && e.contains("language tag"),
            "{e}"
        );
        let e = Locales::load(Some(&dir.path().join("none")), None).unwrap_err();
        assert!(e.to_string().contains("localization_dir"), "{e}");
    }
}
