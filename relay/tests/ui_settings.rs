//! What the relay tells the widget (through the loader) and the console about themselves, and
//! what it records of the mode: segments in the history, refusals in the metrics.

mod common;

use std::time::Duration;

use common::*;
use serde_json::Value;
use shared_protocol::agent_control::{Mode, Refusal, RefusedCounts};
use shared_protocol::texts::{ConsoleText, WidgetText};
use shared_protocol::ui_settings::{Corner, Theme};
use shared_protocol::*;

async fn text(r: &Relay, path: &str) -> String {
    let res = reqwest::Client::new()
        .get(r.url(path))
        .bearer_auth(SUPERVISOR)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

/// The settings object the loader hands to the customer module (from `/cobrowse.json`).
fn loader_settings(boot: &str) -> Value {
    let boot: Value = serde_json::from_str(boot).expect("the loader's settings are JSON");
    boot["settings"].clone()
}

#[tokio::test]
async fn the_loader_carries_the_widget_settings() {
    let r = relay_configured(|c| {
        c.write_mode_allowed = false;
        c.agent_can_submit = true;
        c.widget.position = Corner::TopLeft;
        c.widget.accent = Some("#b45309".into());
        c.locales
            .english_mut()
            .widget
            .replace(WidgetText::Start, "Co-navigation</script>");
    })
    .await;
    let s = loader_settings(&text(&r, "/cobrowse.json").await);
    assert_eq!(s["writeModeAllowed"], false);
    assert_eq!(s["agentCanSubmit"], true);
    assert_eq!(s["siteOrigins"], serde_json::json!([ORIGIN]));
    assert_eq!(s["widget"]["position"], "top-left");
    assert_eq!(s["widget"]["accent"], "#b45309");
    assert_eq!(s["texts"]["start"], "Co-navigation</script>");
}

#[tokio::test]
async fn the_loader_is_the_same_file_whatever_the_configuration() {
    let r = relay_configured(|c| {
        c.locales
            .english_mut()
            .widget
            .replace(WidgetText::Start, "Co-navigation");
    })
    .await;
    let client = reqwest::Client::new();
    let first = client.get(r.url("/cobrowse.js")).send().await.unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["cache-control"], "no-cache");
    let etag = first.headers()["etag"].clone();
    let script = first.text().await.unwrap();
    assert_eq!(script, cobrowse_relay::http::loader_js());
    // It would show in the settings: the loader names the configuration nowhere.
    assert!(text(&r, "/cobrowse.json").await.contains("Co-navigation"));
    assert!(!script.contains("Co-navigation"));
    let again = client
        .get(r.url("/cobrowse.js"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304, "a cached loader costs no body");
}

#[tokio::test]
async fn the_console_gets_its_settings() {
    let r = relay_configured(|c| {
        c.theme = Theme::HighContrast;
        c.locales
            .english_mut()
            .console
            .replace(ConsoleText::Join, "Rejoindre");
    })
    .await;
    let s: Value = serde_json::from_str(&text(&r, "/console/settings.json").await).unwrap();
    assert_eq!(
        s["writeModeAllowed"], true,
        "write mode is allowed by default"
    );
    assert_eq!(s["theme"], "high-contrast");
    assert_eq!(s["texts"]["join"], "Rejoindre");
}

#[tokio::test]
async fn mode_switches_are_segments_and_refusals_are_counted() {
    let r = relay().await;
    let (mut c, mut a, _) = joined(&r).await;
    send(&mut c, 0, CustomerMsg::Mode(Mode::Write)).await;
    let mut refused = RefusedCounts::default();
    refused.add(Refusal::PointerMode);
    refused.add(Refusal::PointerMode);
    refused.add(Refusal::ReadOnly);
    send(&mut c, 0, CustomerMsg::Refused(refused)).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    send(&mut c, 0, CustomerMsg::Mode(Mode::Pointer)).await;
    send(&mut c, 0, CustomerMsg::Exit).await;
    assert!(matches!(msg(&mut a).await, RelayMsg::Ended { .. }));

    let mut history = Value::Null;
    for _ in 0..100 {
        history = serde_json::from_str(&text(&r, "/api/v1/history").await).unwrap();
        if history[0]["endTime"].is_number() && history[0]["segments"][2].is_object() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let modes: Vec<&str> = history[0]["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .filter_map(|s| s["mode"].as_str())
        .collect();
    assert_eq!(modes, ["POINTER", "WRITE", "POINTER"], "{history}");
    assert_eq!(history[0]["writeModeUsed"], true);

    let metrics = text(&r, "/metrics").await;
    assert!(metrics.contains("cobrowse_agent_actions_refused_total{reason=\"pointer_mode\"} 2"));
    assert!(metrics.contains("cobrowse_agent_actions_refused_total{reason=\"read_only\"} 1"));
    assert!(metrics.contains("cobrowse_agent_actions_refused_total{reason=\"outside_site\"} 0"));
}

#[tokio::test]
async fn each_side_gets_the_language_it_asks_for() {
    let r = relay_configured(|_| {}).await;
    // A page in Canadian French gets French, with every text the widget needs.
    let fr = loader_settings(&text(&r, "/cobrowse.json?locale=fr-CA").await);
    assert_eq!(fr["lang"], "fr");
    assert_eq!(fr["texts"]["start"], "Co-navigation");
    assert_eq!(
        fr["texts"]["reason_agent_exit"],
        "le conseiller a mis fin à la session"
    );
    // A language the relay does not have: English, whose texts the module has built in.
    let de = loader_settings(&text(&r, "/cobrowse.json?locale=de").await);
    assert_eq!(de["lang"], "en");
    assert_eq!(de["texts"], serde_json::json!({}));
    // The console: the languages to choose from, and the texts of the one asked for.
    let c: Value =
        serde_json::from_str(&text(&r, "/console/settings.json?locale=fr").await).unwrap();
    assert_eq!(c["lang"], "fr");
    assert_eq!(c["languages"], serde_json::json!(["en", "fr"]));
    assert_eq!(c["texts"]["join"], "Rejoindre");
    let en: Value = serde_json::from_str(&text(&r, "/console/settings.json").await).unwrap();
    assert_eq!(en["lang"], "en");
}
