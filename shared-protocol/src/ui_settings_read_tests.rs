//! The browsers' reader over JSON values: what serde writes for every field reads back the
//! same (so the reader's names are serde's), missing fields take their defaults, and a bad
//! value is an error naming its key, as serde's parse of the same document is.

use serde_json::Value;

use super::*;
use crate::texts::{ConsoleText, WidgetText};

impl SettingsDoc for Value {
    fn get(&self, key: &str) -> Option<Self> {
        self.as_object()?.get(key).filter(|v| !v.is_null()).cloned()
    }
    fn keys(&self) -> Option<Vec<String>> {
        Some(self.as_object()?.keys().cloned().collect())
    }
    fn bool(&self) -> Option<bool> {
        self.as_bool()
    }
    fn number(&self) -> Option<f64> {
        self.as_f64()
    }
    fn string(&self) -> Option<String> {
        self.as_str().map(str::to_string)
    }
    fn items(&self) -> Option<Vec<Self>> {
        self.as_array().cloned()
    }
}

fn doc(json: &str) -> Value {
    serde_json::from_str(json).unwrap()
}

/// Widget settings with every field away from its default.
fn widget_settings(position: Corner) -> WidgetSettings {
    let mut texts = Texts::default();
    texts.replace(WidgetText::Start, "Co-navigation");
    texts.replace(WidgetText::AgentTyping, "Le conseiller écrit");
    WidgetSettings {
        write_mode_allowed: true,
        agent_can_submit: true,
        write_request_interval: 7,
        site_origins: vec!["https://shop.example".into(), "https://pay.example".into()],
        widget: WidgetLook {
            position,
            accent: Some("#b45309".into()),
            background: Some("rgb(1, 2, 3)".into()),
            text: Some("navy".into()),
        },
        lang: "fr-CA".into(),
        texts,
    }
}

#[test]
fn what_serde_writes_the_reader_reads_back() {
    for corner in Corner::ALL {
        let settings = widget_settings(corner);
        let json = serde_json::to_value(&settings).unwrap();
        assert_eq!(WidgetSettings::read(&json).unwrap(), settings);
        assert_eq!(corner.name(), json["widget"]["position"], "{corner:?}");
    }
    for theme in Theme::ALL {
        let mut texts = Texts::default();
        texts.replace(ConsoleText::Join, "Rejoindre");
        let settings = ConsoleSettings {
            write_mode_allowed: true,
            theme,
            lang: "fr".into(),
            languages: vec!["en".into(), "fr".into()],
            texts,
            allowed_third_party_domains: vec!["*".into()],
            host_origins: vec!["https://desk.example".into()],
        };
        let json = serde_json::to_value(&settings).unwrap();
        assert_eq!(ConsoleSettings::read(&json).unwrap(), settings);
    }
}

#[test]
fn missing_and_null_fields_take_their_defaults() {
    assert_eq!(
        WidgetSettings::read(&doc("{}")).unwrap(),
        WidgetSettings::default()
    );
    let s = WidgetSettings::read(&doc(r#"{"widget": {"position": null}, "texts": null}"#));
    assert_eq!(s.unwrap(), WidgetSettings::default());
    assert_eq!(
        ConsoleSettings::read(&doc("{}")).unwrap(),
        ConsoleSettings::default()
    );
    // Keys the widget does not read are the relay's business, as with serde.
    assert!(WidgetSettings::read(&doc(r#"{"later": 1}"#)).is_ok());
}

#[test]
fn bad_values_are_errors_naming_their_key_as_serde_does() {
    for (json, named) in [
        (r#"{"widget": {"position": "middle"}}"#, "widget.position"),
        (r#"{"widget": {"accent": "red;x:url(y)"}}"#, "accent"),
        (r#"{"widget": {"colour": "red"}}"#, "widget.colour"),
        (r#"{"widget": {"text": 3}}"#, "widget.text"),
        (r#"{"texts": {"strat": "x"}}"#, "strat"),
        (r#"{"texts": {"start": 3}}"#, "texts.start"),
        (r#"{"texts": {"start": null}}"#, "texts.start"),
        (r#"{"texts": ["start"]}"#, "texts"),
        (r#"{"writeModeAllowed": "yes"}"#, "writeModeAllowed"),
        (r#"{"agentCanSubmit": 1}"#, "agentCanSubmit"),
        (r#"{"writeRequestInterval": 2.5}"#, "writeRequestInterval"),
        (r#"{"writeRequestInterval": -1}"#, "writeRequestInterval"),
        (
            r#"{"siteOrigins": ["https://a.example", 3]}"#,
            "siteOrigins",
        ),
        (r#"{"siteOrigins": "https://a.example"}"#, "siteOrigins"),
        ("true", "not an object"),
    ] {
        let e = WidgetSettings::read(&doc(json)).unwrap_err().to_string();
        assert!(e.contains(named), "{json}: {e}");
        assert!(
            WidgetSettings::from_json(json).is_err(),
            "serde refuses {json} too"
        );
    }
    for (json, named) in [
        (r#"{"theme": "neon"}"#, "theme"),
        (r#"{"texts": {"start": "x"}}"#, "start"),
        (r#"{"hostOrigins": [1]}"#, "hostOrigins"),
        (
            r#"{"allowedThirdPartyDomains": {}}"#,
            "allowedThirdPartyDomains",
        ),
    ] {
        let e = ConsoleSettings::read(&doc(json)).unwrap_err().to_string();
        assert!(e.contains(named), "{json}: {e}");
        assert!(ConsoleSettings::from_json(json).is_err(), "{json}");
    }
}
