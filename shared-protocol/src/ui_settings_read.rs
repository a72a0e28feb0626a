//! The browsers' way into the typed settings: [`WidgetSettings::read`] and
//! [`ConsoleSettings::read`] take the document the browser already holds (the loader's object,
//! the console's fetched JSON) field by field through [`SettingsDoc`], into the same types the
//! relay serialises with serde. A serde deserialiser for JS values would cost each bundle
//! ~10 KB (its own code, serde's visitors for every text key, and error formatting). The field
//! names are serde's: a native test reads back what serde writes, field by field. Missing
//! fields (or `null`) take their defaults; a bad value is an error naming its key.

use crate::texts::{TextKey, Texts};
use crate::ui_settings::{
    ConsoleSettings, Corner, SettingsError, Theme, WidgetLook, WidgetSettings,
};

/// A settings document as a browser holds it (a JSON value): what the readers ask of it.
pub trait SettingsDoc: Sized {
    /// The value of `key` in an object; `None` when absent, `null` or not an object.
    fn get(&self, key: &str) -> Option<Self>;
    /// An object's keys; `None` when it is no object.
    fn keys(&self) -> Option<Vec<String>>;
    fn bool(&self) -> Option<bool>;
    fn number(&self) -> Option<f64>;
    fn string(&self) -> Option<String>;
    /// An array's items; `None` when it is no array.
    fn items(&self) -> Option<Vec<Self>>;
}

impl WidgetSettings {
    /// The customer module's settings in `doc` (camelCase keys), checked as
    /// [`WidgetSettings::from_json`] checks them.
    pub fn read(doc: &impl SettingsDoc) -> Result<Self, SettingsError> {
        object(doc, "the settings")?;
        let d = Self::default();
        let settings = Self {
            write_mode_allowed: bool_at(doc, "writeModeAllowed")?.unwrap_or(d.write_mode_allowed),
            agent_can_submit: bool_at(doc, "agentCanSubmit")?.unwrap_or(d.agent_can_submit),
            write_request_interval: seconds_at(doc, "writeRequestInterval")?
                .unwrap_or(d.write_request_interval),
            site_origins: strings_at(doc, "siteOrigins")?.unwrap_or(d.site_origins),
            widget: match doc.get("widget") {
                Some(look) => WidgetLook::read(&look)?,
                None => d.widget,
            },
            lang: string_at(doc, "lang", "lang")?.unwrap_or(d.lang),
            texts: texts_at(doc, "texts")?.unwrap_or(d.texts),
        };
        settings.checked()
    }
}

impl WidgetLook {
    /// Unknown keys are errors here, as serde's `deny_unknown_fields` makes them relay-side.
    fn read(doc: &impl SettingsDoc) -> Result<Self, SettingsError> {
        const KEYS: [&str; 4] = ["position", "accent", "background", "text"];
        for key in object(doc, "widget")? {
            if !KEYS.contains(&key.as_str()) {
                return Err(invalid(&format!("widget.{key}"), "no such setting"));
            }
        }
        let position = match doc.get("position") {
            None => Corner::default(),
            Some(v) => v
                .string()
                .and_then(|name| Corner::from_name(&name))
                .ok_or_else(|| invalid("widget.position", Corner::EXPECTED))?,
        };
        Ok(Self {
            position,
            accent: string_at(doc, "widget.accent", "accent")?,
            background: string_at(doc, "widget.background", "background")?,
            text: string_at(doc, "widget.text", "text")?,
        })
    }
}

impl ConsoleSettings {
    /// The console's settings in `doc` (camelCase keys).
    pub fn read(doc: &impl SettingsDoc) -> Result<Self, SettingsError> {
        object(doc, "the console settings")?;
        let theme = match doc.get("theme") {
            None => Theme::default(),
            Some(v) => v
                .string()
                .and_then(|name| Theme::from_name(&name))
                .ok_or_else(|| invalid("theme", Theme::EXPECTED))?,
        };
        let d = Self::default();
        Ok(Self {
            write_mode_allowed: bool_at(doc, "writeModeAllowed")?.unwrap_or(false),
            theme,
            lang: string_at(doc, "lang", "lang")?.unwrap_or(d.lang),
            languages: strings_at(doc, "languages")?.unwrap_or(d.languages),
            texts: texts_at(doc, "texts")?.unwrap_or_default(),
            allowed_third_party_domains: strings_at(doc, "allowedThirdPartyDomains")?
                .unwrap_or_default(),
            host_origins: strings_at(doc, "hostOrigins")?.unwrap_or_default(),
        })
    }
}

fn invalid(key: &str, expected: &str) -> SettingsError {
    SettingsError::Invalid(format!("{key}: expected {expected}"))
}

/// The keys of `doc`, which must be an object.
fn object(doc: &impl SettingsDoc, what: &str) -> Result<Vec<String>, SettingsError> {
    doc.keys()
        .ok_or_else(|| SettingsError::Invalid(format!("{what} are not an object")))
}

fn bool_at(doc: &impl SettingsDoc, key: &str) -> Result<Option<bool>, SettingsError> {
    doc.get(key)
        .map(|v| v.bool().ok_or_else(|| invalid(key, "true or false")))
        .transpose()
}

/// A whole number of seconds.
fn seconds_at(doc: &impl SettingsDoc, key: &str) -> Result<Option<u64>, SettingsError> {
    doc.get(key)
        .map(|v| {
            v.number()
                .filter(|n| n.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(n))
                .map(|n| n as u64)
                .ok_or_else(|| invalid(key, "a whole number of seconds"))
        })
        .transpose()
}

/// `name` is the key where the error names it (`widget.accent`), `key` the one in `doc`.
fn string_at(
    doc: &impl SettingsDoc,
    name: &str,
    key: &str,
) -> Result<Option<String>, SettingsError> {
    doc.get(key)
        .map(|v| v.string().ok_or_else(|| invalid(name, "a string")))
        .transpose()
}

fn strings_at(doc: &impl SettingsDoc, key: &str) -> Result<Option<Vec<String>>, SettingsError> {
    doc.get(key)
        .map(|v| {
            v.items()
                .and_then(|items| items.iter().map(SettingsDoc::string).collect())
                .ok_or_else(|| invalid(key, "a list of strings"))
        })
        .transpose()
}

/// Texts by their keys' names; a name the side does not have is an error naming it.
fn texts_at<K: TextKey>(
    doc: &impl SettingsDoc,
    key: &str,
) -> Result<Option<Texts<K>>, SettingsError> {
    let Some(texts) = doc.get(key) else {
        return Ok(None);
    };
    let mut replaced = Texts::default();
    for name in object(&texts, key)? {
        let Some(text_key) = K::from_name(&name) else {
            return Err(SettingsError::Invalid(format!(
                "{key}: there is no text named \"{name}\""
            )));
        };
        let text = texts.get(&name).and_then(|v| v.string());
        let text = text.ok_or_else(|| invalid(&format!("{key}.{name}"), "a string"))?;
        replaced.replace(text_key, text);
    }
    Ok(Some(replaced))
}

#[cfg(test)]
#[path = "ui_settings_read_tests.rs"]
mod tests;
