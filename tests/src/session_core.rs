//! The core of a running session on the react form (`/react-form.html`), as the transport and
//! engine tests drive it once the agent sees the page: a live change, the customer's pointer,
//! write mode with consent and the agent typing into a field the page's framework keeps.

use thirtyfour::prelude::*;

use crate::console::write_mode_granted;
use crate::{eventually, js, view_is, widget, TestResult, START};

/// A change on the customer's page shows in the view (its heading set to `heading`), the
/// customer's pointer shows, and the agent's typing in write mode reaches the page.
pub async fn change_point_and_type(
    customer: &WebDriver,
    agent: &WebDriver,
    heading: &str,
) -> TestResult {
    js(
        customer,
        &format!("document.querySelector('h1').textContent = {heading:?};"),
    )
    .await;
    view_is(
        agent,
        "the changed heading",
        "doc.querySelector('h1') && doc.querySelector('h1').textContent",
        serde_json::json!(heading),
    )
    .await?;

    let field = customer.find(By::Id("full-name")).await?;
    customer
        .action_chain()
        .move_to_element_center(&field)
        .perform()
        .await?;
    eventually("the customer's pointer in the view", START, || async {
        let shown = js(
            agent,
            "const c = document.querySelector('[data-cobrowse-ui=customer-pointer]');
             return !!c && !c.hidden;",
        )
        .await;
        (shown == true).then_some(())
    })
    .await?;

    write_mode_granted(customer, agent).await?;
    let view = agent.find(By::Css("[data-cobrowse-ui=view]")).await?;
    view.clone().enter_frame().await?;
    let name = agent.find(By::Id("full-name")).await?;
    name.click().await?;
    name.send_keys("Ada Lovelace").await?;
    agent.enter_parent_frame().await?;
    eventually(
        "the agent's typing on the customer's page",
        START,
        || async {
            let value = js(
                customer,
                "return document.getElementById('full-name').value;",
            )
            .await;
            (value == "Ada Lovelace").then_some(())
        },
    )
    .await
}

/// The customer presses Exit; the console is back at its join form.
pub async fn customer_exits(customer: &WebDriver, agent: &WebDriver) -> TestResult {
    widget(customer, "exit").await?.click().await?;
    eventually("the console to leave the session", START, || async {
        agent
            .find(By::Css("[data-cobrowse-ui=join-code]"))
            .await
            .ok()
    })
    .await?;
    Ok(())
}
