//! The agent never takes the focus from a password field while the customer types in it: the
//! customer's next keys would land in clear in the field the agent focused. The agent's click
//! is refused and the agent told, until the customer pauses. Real keys from the customer's
//! keyboard (WebDriver's are trusted events, as a person's are).

use std::time::Duration;

use cobrowse_e2e::console::{agent_notice, refused_count, write_mode_granted};
use cobrowse_e2e::*;
use thirtyfour::prelude::*;

const APPLY: &str = "/apply.html";

async fn active_id(customer: &WebDriver) -> String {
    js(customer, "return document.activeElement.id;")
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The agent clicks the view's `#id`.
async fn agent_clicks(agent: &WebDriver, id: &str) -> TestResult {
    let view = agent.find(By::Css("[data-cobrowse-ui=view]")).await?;
    view.enter_frame().await?;
    let clicked = agent.find(By::Id(id)).await?.click().await;
    agent.enter_parent_frame().await?;
    Ok(clicked?)
}

async fn focus_stays_with_the_customer(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    in_session(h, customer, agent, APPLY).await?;
    write_mode_granted(customer, agent).await?;

    // The customer types their password, a key every 50 ms for about three seconds.
    let password = customer.find(By::Id("password")).await?;
    password.click().await?;
    let typist = {
        let password = password.clone();
        tokio::spawn(async move {
            for _ in 0..60 {
                password.send_keys("s").await?;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            TestResult::Ok(())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    agent_clicks(agent, "consent").await?;
    eventually(
        "the agent to be told the customer is typing",
        START,
        || async {
            agent_notice(agent)
                .await
                .contains("typing in a protected field")
                .then_some(())
        },
    )
    .await?;
    assert!(!typist.is_finished(), "the customer was still typing");
    assert_eq!(active_id(customer).await, "password", "the focus stayed");
    eventually("the relay to count the refusal", START, || async {
        (refused_count(h, "customer_typing").await.ok()? >= 1).then_some(())
    })
    .await?;
    typist.await??;
    let typed = js(
        customer,
        "return document.getElementById('password').value.length;",
    )
    .await;
    assert_eq!(typed, 60, "every key reached the password field");

    // The customer paused: the agent's click now moves the focus (so the refusal above was the
    // rule, not a click that could not land).
    eventually(
        "the agent's click to focus the credit check box",
        START,
        || async {
            agent_clicks(agent, "consent").await.ok()?;
            (active_id(customer).await == "consent").then_some(())
        },
    )
    .await
}
e2e!(
    the_agent_does_not_take_the_focus_from_a_password_being_typed,
    focus_stays_with_the_customer,
    customer: (1280, 900),
    agent: (1400, 1000)
);
