//! What both sides said, and whether they still co-browse: for tests that interrupt a
//! session (a node killed, a relay restarted) and check it goes on and that each side told its
//! user what happened.

use thirtyfour::WebDriver;

use crate::{js, view_is, TestResult};

/// Records every status line each side shows, so a test can ask what was said in between.
pub const CUSTOMER_RECORDER: &str = "
    const host = document.querySelector('[data-cobrowse-widget]');
    window.__said = [];
    const note = () => {
        const s = host.shadowRoot.querySelector('[data-cobrowse-ui=status]');
        if (s && window.__said[window.__said.length - 1] !== s.textContent) window.__said.push(s.textContent);
    };
    new MutationObserver(note).observe(host.shadowRoot, {subtree: true, childList: true, characterData: true});";
pub const AGENT_RECORDER: &str = "
    window.__said = [];
    const note = () => {
        const s = document.querySelector('[data-cobrowse-ui=status]');
        if (s && window.__said[window.__said.length - 1] !== s.textContent) window.__said.push(s.textContent);
    };
    new MutationObserver(note).observe(document.body, {subtree: true, childList: true, characterData: true});";

pub async fn said(driver: &WebDriver) -> Vec<String> {
    serde_json::from_value(js(driver, "return window.__said || [];").await).unwrap_or_default()
}

/// The customer changes the page's heading to `marker`; the agent's view shows it.
pub async fn still_co_browsing(
    customer: &WebDriver,
    agent: &WebDriver,
    marker: &str,
) -> TestResult {
    js(
        customer,
        &format!("document.querySelector('h1').textContent = {marker:?};"),
    )
    .await;
    let shown = view_is(
        agent,
        &format!("the agent to see {marker:?}"),
        "doc.querySelector('h1') && doc.querySelector('h1').textContent",
        serde_json::json!(marker),
    )
    .await;
    if shown.is_err() {
        eprintln!("the customer said {:?}", said(customer).await);
        eprintln!("the agent said {:?}", said(agent).await);
    }
    shown
}
