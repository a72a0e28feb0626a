//! The agent console as a test reads and drives it: its `[data-cobrowse-ui]` parts, the mode it
//! shows, its notices, asking the customer for write mode, and the relay's count of refusals.

use thirtyfour::prelude::*;

use crate::{eventually, js, shown_widget, Harness, TestResult, START};

/// `property` of the console's `[data-cobrowse-ui=ui]` element, "" when absent.
pub async fn console_ui(agent: &WebDriver, ui: &str, property: &str) -> String {
    let script = format!(
        "const e = document.querySelector('[data-cobrowse-ui={ui}]'); return e ? e.{property} : '';"
    );
    js(agent, &script)
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The mode the console shows (`POINTER` or `WRITE`).
pub async fn agent_mode(agent: &WebDriver) -> String {
    console_ui(agent, "mode", "dataset.mode").await
}

pub async fn agent_notice(agent: &WebDriver) -> String {
    console_ui(agent, "notice", "textContent").await
}

/// Waits until the console's notice says `what`.
pub async fn notice_says(agent: &WebDriver, what: &str) -> TestResult {
    eventually(&format!("the agent to be told {what:?}"), START, || async {
        agent_notice(agent).await.contains(what).then_some(())
    })
    .await
}

pub async fn wait_mode(agent: &WebDriver, mode: &str) -> TestResult {
    eventually(&format!("the console in {mode} mode"), START, || async {
        (agent_mode(agent).await == mode).then_some(())
    })
    .await
}

/// The agent presses "Request write mode".
pub async fn request_write(agent: &WebDriver) -> TestResult {
    agent
        .find(By::Css("[data-cobrowse-ui=request-write]"))
        .await?
        .click()
        .await?;
    Ok(())
}

/// The agent asks for write mode, the customer allows it, and the console shows it.
pub async fn write_mode_granted(customer: &WebDriver, agent: &WebDriver) -> TestResult {
    request_write(agent).await?;
    shown_widget(customer, "write-allow").await?.click().await?;
    wait_mode(agent, "WRITE").await
}

/// The relay's count of refused agent messages for `reason` (its `/metrics`).
pub async fn refused_count(h: &Harness, reason: &str) -> TestResult<u64> {
    metric(
        h,
        &format!("cobrowse_agent_actions_refused_total{{reason=\"{reason}\"}}"),
    )
    .await
}

/// The value of the relay's metric `series` (name and labels, as `/metrics` writes them), 0
/// when it has none yet.
pub async fn metric(h: &Harness, series: &str) -> TestResult<u64> {
    let token = h.started.dev_token.clone().expect("dev token");
    let body = reqwest::Client::new()
        .get(format!("{}/metrics", h.started.relay_url))
        .bearer_auth(token)
        .send()
        .await?
        .text()
        .await?;
    let line = format!("{series} ");
    Ok(body
        .lines()
        .find_map(|l| l.strip_prefix(&line))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0))
}

/// A real click (the browser's own hit testing, through the view's scaling) at the centre of
/// `selector` in the view, as an agent's mouse makes it: the point is computed in the console's
/// window from where the element is in the scaled view. (WebDriver's element click computes
/// it without the view's transform, so on a scaled view it can miss a small element.)
pub async fn click_in_view(agent: &WebDriver, selector: &str) -> TestResult {
    let at = js(
        agent,
        &format!(
            "const frame = document.querySelector('[data-cobrowse-ui=view]');
             const wrap = document.querySelector('.frame-wrap');
             const scale = wrap.getBoundingClientRect().width / parseFloat(wrap.style.width);
             const f = frame.getBoundingClientRect();
             const r = frame.contentDocument.querySelector({selector:?}).getBoundingClientRect();
             return [Math.round(f.left + (r.left + r.width / 2) * scale),
                     Math.round(f.top + (r.top + r.height / 2) * scale)];"
        ),
    )
    .await;
    let (Some(x), Some(y)) = (at[0].as_i64(), at[1].as_i64()) else {
        return Err(format!("{selector} is not in the view: {at}").into());
    };
    agent.action_chain().move_to(x, y).click().perform().await?;
    Ok(())
}
