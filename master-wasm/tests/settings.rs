//! The settings as the browsers hold them (the loader's object, the console's fetched JSON),
//! read in a real browser through shared-web's `JsDoc`: every field, texts by their names, and
//! a bad value leaving the defaults (write mode off), as the native reader's tests say.
#![cfg(target_arch = "wasm32")]

use master_wasm::settings::Settings;
use shared_protocol::texts::{ConsoleText, WidgetText};
use shared_protocol::ui_settings::{ConsoleSettings, Corner, Theme, WidgetSettings};
use shared_web::settings_doc::JsDoc;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn js(json: &str) -> JsValue {
    js_sys::JSON::parse(json).expect("test JSON")
}

#[wasm_bindgen_test]
fn the_loaders_settings_are_read_field_by_field() {
    let s = Settings::read(&js(r##"{"writeModeAllowed": true, "agentCanSubmit": true,
        "writeRequestInterval": 5, "siteOrigins": ["https://shop.example"],
        "widget": {"position": "top-left", "accent": "#b45309", "text": null},
        "texts": {"start": "Co-navigation"}, "later": {"a": 1}}"##));
    assert!(s.control.write_mode_allowed);
    assert!(s.control.allow.submit);
    assert_eq!(s.control.request_interval_ms, 5000.0);
    assert_eq!(s.control.site_origins, ["https://shop.example"]);
    assert_eq!(s.look.position, Corner::TopLeft);
    assert_eq!(s.look.accent.as_deref(), Some("#b45309"));
    assert_eq!(s.look.text, None);
    assert_eq!(s.texts.get(WidgetText::Start), "Co-navigation");
    assert_eq!(s.texts.get(WidgetText::Cancel), "Cancel");
}

#[wasm_bindgen_test]
fn bad_or_missing_settings_leave_the_defaults_with_write_mode_off() {
    let defaults = Settings::from(WidgetSettings::default());
    assert!(!defaults.control.write_mode_allowed);
    for bad in [
        r#"{"writeModeAllowed": "yes"}"#,
        r#"{"writeModeAllowed": true, "widget": {"position": "middle"}}"#,
        r#"{"writeModeAllowed": true, "widget": {"accent": "red;x:url(y)"}}"#,
        r#"{"writeModeAllowed": true, "texts": {"strat": "x"}}"#,
        r#"{"writeModeAllowed": true, "siteOrigins": [1]}"#,
        "[true]",
        "7",
    ] {
        assert_eq!(Settings::read(&js(bad)), defaults, "{bad}");
    }
    assert_eq!(Settings::read(&JsValue::UNDEFINED), defaults);
    assert_eq!(Settings::read(&JsValue::NULL), defaults);
}

#[wasm_bindgen_test]
fn the_consoles_settings_are_read_the_same_way() {
    let c = ConsoleSettings::read(&JsDoc(js(r#"{"writeModeAllowed": true,
        "theme": "high-contrast", "texts": {"join": "Rejoindre"},
        "allowedThirdPartyDomains": ["*"], "hostOrigins": ["https://desk.example"]}"#)))
    .unwrap();
    assert!(c.write_mode_allowed);
    assert_eq!(c.theme, Theme::HighContrast);
    assert_eq!(c.text(ConsoleText::Join, &[]), "Rejoindre");
    assert_eq!(c.allowed_third_party_domains, ["*"]);
    assert_eq!(c.host_origins, ["https://desk.example"]);
    let e = ConsoleSettings::read(&JsDoc(js(r#"{"theme": "neon"}"#))).unwrap_err();
    assert!(e.to_string().contains("theme"), "{e}");
}
