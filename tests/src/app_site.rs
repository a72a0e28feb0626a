//! A team's own single-page app with co-browse built in (`tests/vite-app` through the npm
//! package, `examples/yew-spa` through the Rust crate), driven as its customer would: the app's
//! own share button and consent (`#share`, `#yes`), the code and the session's phase in its
//! markup (`#code`, `#phase`, `#agent`), its stop button (`#stop`). The built-in widget is off.

use thirtyfour::prelude::*;

use crate::{agent_joins, eventually, in_view, js, Harness, TestResult, START};

/// The text of the app's element `#id` ("" when absent).
pub async fn app_text(customer: &WebDriver, id: &str) -> String {
    js(
        customer,
        &format!("const e = document.getElementById('{id}'); return e ? e.textContent : '';"),
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_string()
}

/// Clicks the app's `#id` once it is there.
pub async fn app_click(customer: &WebDriver, id: &str) -> TestResult {
    eventually(&format!("#{id}"), START, || async {
        customer.find(By::Id(id)).await.ok()
    })
    .await?
    .click()
    .await?;
    Ok(())
}

/// The customer shares from the app's own button and consent; the code the app shows, with the
/// session waiting and the built-in widget hidden.
pub async fn share_from_the_app(customer: &WebDriver) -> TestResult<String> {
    app_click(customer, "share").await?;
    app_click(customer, "yes").await?;
    let code = eventually("the app to show the code", START, || async {
        let code = app_text(customer, "code").await;
        (code.len() == 9 && code.chars().all(|c| c.is_ascii_digit())).then_some(code)
    })
    .await?;
    assert_eq!(app_text(customer, "phase").await, "waiting");
    let cb_hidden = js(
        customer,
        "return document.querySelector('[data-cobrowse-widget]').shadowRoot.querySelector('.cb').hidden;",
    )
    .await;
    assert_eq!(cb_hidden, true, "ui: false hides the built-in widget");
    Ok(code)
}

/// The agent joins with `code`; the app hears it and the agent sees the app (its `#title`).
pub async fn agent_sees_the_app(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
    code: &str,
    title: &str,
) -> TestResult {
    agent_joins(h, agent, code).await?;
    eventually("the app to hear the agent joined", START, || async {
        (app_text(customer, "agent").await == "an agent sees this page").then_some(())
    })
    .await?;
    eventually("the agent to see the app", START, || async {
        let shown = in_view(
            agent,
            "doc.getElementById('title') && doc.getElementById('title').textContent",
        )
        .await;
        (shown == title).then_some(())
    })
    .await?;
    assert_eq!(app_text(customer, "phase").await, "active");
    Ok(())
}

/// The customer stops from the app; the app shows `ended` in `#agent` and no code.
pub async fn stop_from_the_app(customer: &WebDriver, ended: &str) -> TestResult {
    app_click(customer, "stop").await?;
    eventually("the app to hear the session ended", START, || async {
        (app_text(customer, "agent").await == ended).then_some(())
    })
    .await?;
    assert_eq!(app_text(customer, "code").await, "none");
    Ok(())
}
