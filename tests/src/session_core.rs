//! The core of a running session on the react form (`/react-form.html`), as the transport and
//! engine tests drive it once the agent sees the page: the same DOM, a live change, scrolling,
//! the customer's pointer, write mode with consent and the agent typing, choosing and ticking
//! in a form whose state the page's framework keeps; and the exits from either side.

use thirtyfour::prelude::*;

use crate::console::write_mode_granted;
use crate::fidelity::{normalize, same_markup};
use crate::{
    agent_status, eventually, in_view, js, view_is, widget, widget_text, TestResult, START,
};

/// The React form's state as React has it (the page renders it into `#state`).
pub async fn react_state(customer: &WebDriver) -> serde_json::Value {
    let text = js(
        customer,
        "return document.getElementById('state').textContent;",
    )
    .await;
    serde_json::from_str(text.as_str().unwrap_or("null")).unwrap_or_default()
}

/// A change on the customer's page shows in the view (its heading set to `heading`), the
/// customer's pointer shows, and the agent's typing in write mode reaches the page.
pub async fn change_point_and_type(
    customer: &WebDriver,
    agent: &WebDriver,
    heading: &str,
) -> TestResult {
    change_point_and_write(customer, agent, heading, false).await
}

/// [`change_point_and_type`], and more of the core: the same markup in the view as on the
/// page, node by node; the customer's scrolling followed; and, in write mode, the agent also
/// choosing in a `<select>` and ticking a checkbox, all of it in React's state.
pub async fn whole_core(customer: &WebDriver, agent: &WebDriver, heading: &str) -> TestResult {
    change_point_and_write(customer, agent, heading, true).await
}

async fn change_point_and_write(
    customer: &WebDriver,
    agent: &WebDriver,
    heading: &str,
    whole: bool,
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
    if whole {
        // Until the view has caught up; then (or at the deadline, to show the difference)
        // compared once more with the difference shown.
        let _ = eventually("the same markup in the view", START, || async {
            let page = js(customer, "return document.body.innerHTML").await;
            let view = in_view(agent, "doc.body.innerHTML").await;
            (normalize(&page) == normalize(&view)).then_some(())
        })
        .await;
        same_markup(customer, agent, "/react-form.html").await;
        scrolled(customer, agent).await?;
    }

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
    if whole {
        // The agent's choice as the view's `<select>` reports it (a `change` event; a native
        // list cannot be clicked in a scaled view reliably by WebDriver).
        js(
            agent,
            "const doc = document.querySelector('[data-cobrowse-ui=view]').contentDocument;
             const s = doc.getElementById('contact');
             s.value = 'phone';
             s.dispatchEvent(new Event('change', { bubbles: true }));",
        )
        .await;
    }
    if whole {
        // The view is scaled to fit the console: the agent's mouse must land on the box.
        let scale = js(
            agent,
            "const w = document.querySelector('.frame-wrap');
             return w.getBoundingClientRect().width / parseFloat(w.style.width);",
        )
        .await;
        assert!(
            scale.as_f64().is_some_and(|s| s < 1.0),
            "the view is scaled down here ({scale})"
        );
        crate::console::click_in_view(agent, "#subscribe").await?;
    }
    let typed = eventually(
        "the agent's typing on the customer's page",
        START,
        || async {
            let s = react_state(customer).await;
            let done = s["fullName"] == "Ada Lovelace"
                && (!whole || (s["contact"] == "phone" && s["subscribe"] == true));
            done.then_some(())
        },
    )
    .await;
    match typed {
        Ok(()) => Ok(()),
        Err(e) => Err(format!(
            "{e}; React's state: {}; the agent was told: {:?}",
            react_state(customer).await,
            crate::console::agent_notice(agent).await
        )
        .into()),
    }
}

/// The customer scrolls the window (the page made taller first): the view follows.
async fn scrolled(customer: &WebDriver, agent: &WebDriver) -> TestResult {
    js(
        customer,
        "document.body.style.paddingBottom = '3000px'; window.scrollTo(0, 400);",
    )
    .await;
    view_is(
        agent,
        "the view scrolled as the page",
        "doc.scrollingElement.scrollTop",
        serde_json::json!(400),
    )
    .await?;
    js(
        customer,
        "window.scrollTo(0, 0); document.body.style.paddingBottom = '';",
    )
    .await;
    view_is(
        agent,
        "the view back at the top",
        "doc.scrollingElement.scrollTop",
        serde_json::json!(0),
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

/// The agent presses Exit: both sides say the agent ended the session.
pub async fn agent_exits(customer: &WebDriver, agent: &WebDriver) -> TestResult {
    agent
        .find(By::Css("[data-cobrowse-ui=exit]"))
        .await?
        .click()
        .await?;
    eventually("the agent's end notice", START, || async {
        agent_status(agent)
            .await
            .contains("Session ended: the agent ended the session")
            .then_some(())
    })
    .await?;
    eventually("the customer's end notice", START, || async {
        widget_text(customer, "status")
            .await
            .contains("the agent ended the session")
            .then_some(())
    })
    .await?;
    Ok(())
}
