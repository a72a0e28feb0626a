//! The agent console inside an agent desktop: a page of another origin (served by the test,
//! named in `console_frame_ancestors`) frames `/agent` and drives a whole session through
//! `postMessage` only: the token and the code go in as messages (no token in any URL), the
//! desktop hears `ready`, `joined`, `modeChanged` and `ended`, asks for write mode and ends
//! the session when "the call ends".

use axum::response::Html;
use axum::routing::get;
use axum::Router;
use cobrowse_e2e::*;
use serde_json::{json, Value};
use thirtyfour::prelude::*;

/// The desktop's page: the console in a frame, the messages it posts kept in `deskEvents`,
/// and `desk(message)` to post to it.
fn desk_page(relay: &str) -> String {
    format!(
        r#"<!doctype html><html><head><title>Agent desktop</title></head><body>
<h1>Agent desktop</h1>
<iframe id="console" src="{relay}/agent" width="1200" height="800"></iframe>
<script>
  window.deskEvents = [];
  window.addEventListener('message', e => {{
    if (e.origin === new URL('{relay}').origin) deskEvents.push(e.data);
  }});
  window.desk = m => document.getElementById('console').contentWindow.postMessage(m, '{relay}');
</script></body></html>"#
    )
}

/// The desktop's events so far.
async fn desk_events(agent: &WebDriver) -> Vec<Value> {
    match js(agent, "return window.deskEvents;").await {
        Value::Array(list) => list,
        _ => Vec::new(),
    }
}

/// Waits until the desktop heard an event of `kind`; that event.
async fn heard(agent: &WebDriver, kind: &str) -> TestResult<Value> {
    eventually(&format!("the desktop to hear {kind}"), START, || async {
        desk_events(agent)
            .await
            .into_iter()
            .find(|e| e["type"] == kind)
    })
    .await
}

async fn desk(agent: &WebDriver, message: Value) {
    js(agent, &format!("window.desk({message}); return true;")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_desktop_drives_the_framed_console_by_messages() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let desk_origin = format!("http://{}", listener.local_addr().unwrap());
    let allowed = desk_origin.clone();
    let h = Harness::start_with(move |c| c.console_frame_ancestors = vec![allowed]).await;
    let page = desk_page(&h.started.relay_url);
    let app = Router::new().route("/", get(move || async move { Html(page) }));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let token = h
        .started
        .dev_token
        .clone()
        .expect("the harness's dev token");

    let customer = h.browser().await;
    let agent = h.browser().await;
    let result = async {
        let code = customer_starts(&h, &customer, "/").await?;
        agent.goto(&format!("{desk_origin}/")).await?;
        heard(&agent, "ready").await?;
        desk(&agent, json!({ "type": "token", "token": token })).await;
        desk(&agent, json!({ "type": "join", "code": code })).await;
        let joined = heard(&agent, "joined").await?;
        let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
        assert_eq!(digits(joined["code"].as_str().unwrap_or("")), digits(&code));

        // The framed console shows the customer's page.
        agent.enter_frame(0).await?;
        eventually("the view in the framed console", START, || async {
            (in_view(&agent, "!!doc.querySelector('h1')").await == true).then_some(())
        })
        .await?;
        agent.enter_default_frame().await?;

        // Write mode, asked by the desktop and allowed by the customer.
        desk(&agent, json!({ "type": "requestWrite" })).await;
        shown_widget(&customer, "write-allow")
            .await?
            .click()
            .await?;
        let mode = heard(&agent, "modeChanged").await?;
        assert_eq!(mode["mode"], "write");

        // The call ends: the desktop ends the session; both sides know.
        desk(&agent, json!({ "type": "end" })).await;
        let ended = heard(&agent, "ended").await?;
        assert_eq!(ended["reason"], "agent_exit", "{ended}");
        eventually("the customer's start button back", START, || async {
            let start = widget(&customer, "start").await.ok()?;
            start.is_displayed().await.ok()?.then_some(())
        })
        .await?;
        // The token never was in the console's address.
        agent.enter_frame(0).await?;
        let address = js(&agent, "return location.href;").await;
        assert!(!address.to_string().contains(&token), "{address}");
        TestResult::Ok(())
    }
    .await;
    h.finish(vec![customer, agent]).await;
    if let Err(e) = result {
        panic!("{e}");
    }
}
