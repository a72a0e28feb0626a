//! Parsing the settings and localization files: good documents, bad values (an error naming
//! them), missing values (their defaults).

use super::*;

#[test]
fn the_widget_settings_parse_with_their_enums_and_texts() {
    let s = WidgetSettings::from_json(
        r##"{"writeModeAllowed": true, "agentCanSubmit": true, "writeRequestInterval": 5,
            "siteOrigins": ["https://shop.example"],
            "widget": {"position": "top-left", "accent": "#b45309"},
            "texts": {"start": "Co-navigation"}}"##,
    )
    .unwrap();
    assert!(s.write_mode_allowed && s.agent_can_submit);
    assert_eq!(s.write_request_interval, 5);
    assert_eq!(s.widget.position, Corner::TopLeft);
    assert_eq!(s.widget.accent.as_deref(), Some("#b45309"));
    assert_eq!(s.texts.get(WidgetText::Start), "Co-navigation");
    assert_eq!(s.texts.get(WidgetText::Cancel), "Cancel");
}

#[test]
fn missing_values_take_their_defaults() {
    let s = WidgetSettings::from_json("{}").unwrap();
    assert_eq!(s, WidgetSettings::default());
    assert!(!s.write_mode_allowed, "write mode is off without settings");
    assert_eq!(
        s.write_request_interval,
        DEFAULT_WRITE_REQUEST_INTERVAL_SECS
    );
    assert_eq!(s.widget.position, Corner::BottomRight);
    let c = ConsoleSettings::from_json(r#"{"writeModeAllowed": true}"#).unwrap();
    assert!(c.write_mode_allowed);
    assert_eq!(c.theme, Theme::Auto);
    assert_eq!(c.text(ConsoleText::Join, &[]), "Join");
}

#[test]
fn bad_values_are_errors_naming_them() {
    for (json, named) in [
        (r#"{"widget": {"position": "middle"}}"#, "middle"),
        (r#"{"widget": {"accent": "red;x:url(y)"}}"#, "accent"),
        (r#"{"widget": {"colour": "red"}}"#, "colour"),
        (r#"{"texts": {"strat": "x"}}"#, "strat"),
        (r#"{"texts": {"start": 3}}"#, "invalid type"),
        (r#"{"writeModeAllowed": "yes"}"#, "invalid type"),
        ("{", "EOF"),
    ] {
        let e = WidgetSettings::from_json(json).unwrap_err().to_string();
        assert!(e.contains(named), "{json}: {e}");
    }
    let e = ConsoleSettings::from_json(r#"{"theme": "neon"}"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("neon"), "{e}");
}

#[test]
fn what_the_relay_writes_the_browsers_read() {
    let mut console = ConsoleSettings {
        theme: Theme::HighContrast,
        host_origins: vec!["https://desk.example".into()],
        ..ConsoleSettings::default()
    };
    console.texts.replace(ConsoleText::Join, "Rejoindre");
    let json = serde_json::to_string(&console).unwrap();
    assert!(json.contains(r#""theme":"high-contrast""#), "{json}");
    assert!(json.contains(r#""join":"Rejoindre""#), "{json}");
    assert_eq!(ConsoleSettings::from_json(&json).unwrap(), console);
    let widget = WidgetSettings::default();
    let json = serde_json::to_string(&widget).unwrap();
    assert!(json.contains(r#""position":"bottom-right""#), "{json}");
    assert_eq!(WidgetSettings::from_json(&json).unwrap(), widget);
}

#[test]
fn themes_and_corners_by_name() {
    for t in Theme::ALL {
        assert_eq!(Theme::from_name(t.name()), Some(t));
    }
    assert_eq!(Theme::from_name("neon"), None);
    assert_eq!(Corner::TopLeft.css(), "left: 16px; top: 16px;");
}

#[test]
fn localization_files_are_checked_key_by_key() {
    let loc = Localization::from_json(
        r#"{"widget": {"start": "Co-navigation"}, "console": {"join": "Rejoindre"}}"#,
    )
    .unwrap();
    assert_eq!(loc.widget.get(WidgetText::Start), "Co-navigation");
    assert_eq!(loc.console.get(ConsoleText::Join), "Rejoindre");
    let e = Localization::from_json(r#"{"widget": {"strat": "x"}}"#).unwrap_err();
    assert!(e.to_string().contains("unknown variant `strat`"), "{e}");
    let e = Localization::from_json(r#"{"console": {"start": "x"}}"#).unwrap_err();
    assert!(
        e.to_string().contains("`start`"),
        "a widget key is no console key: {e}"
    );
    assert!(Localization::from_json(r#"{"widget": {"start": 3}}"#).is_err());
    assert!(Localization::from_json(r#"{"agent": {}}"#).is_err());
    assert!(Localization::from_json("{").is_err());
}

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
