//! Pointer mode and write mode end to end: the customer's consent (approved, denied), either
//! side going back to pointer mode, the agent filling a React-controlled form through the view,
//! the restrictions (submit buttons, crafted messages) enforced by the customer's browser, and
//! navigation within the site only. Mode segments land in the history.

use std::time::Duration;

use cobrowse_e2e::console::*;
use cobrowse_e2e::session_core::react_state;
use cobrowse_e2e::*;
use thirtyfour::prelude::*;

const REACT_FORM: &str = "/react-form.html";

/// Whether the widget element `ui` is shown (present and not hidden).
async fn widget_shown(customer: &WebDriver, ui: &str) -> bool {
    js(
        customer,
        &format!(
            "const h = document.querySelector('[data-cobrowse-widget]');
             const e = h && h.shadowRoot.querySelector('[data-cobrowse-ui={ui}]');
             return !!e && !e.hidden;"
        ),
    )
    .await
    .as_bool()
    .unwrap_or(false)
}

/// The agent asks for write mode and the customer sees the question.
async fn agent_requests_write(customer: &WebDriver, agent: &WebDriver) -> TestResult {
    agent
        .find(By::Css("[data-cobrowse-ui=request-write]"))
        .await?
        .click()
        .await?;
    eventually("the customer to be asked", START, || async {
        widget_shown(customer, "write-request").await.then_some(())
    })
    .await
}

async fn approved_write_mode_fills_a_react_form(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    in_session(h, customer, agent, REACT_FORM).await?;
    assert_eq!(
        agent_mode(agent).await,
        "POINTER",
        "sessions start in pointer mode"
    );
    agent_requests_write(customer, agent).await?;
    widget(customer, "write-allow").await?.click().await?;
    wait_mode(agent, "WRITE").await?;
    assert!(agent_notice(agent).await.contains("approved"));
    assert!(widget_shown(customer, "write-active").await);
    assert!(
        agent
            .find(By::Css("[data-cobrowse-ui=nav-bar]"))
            .await
            .is_ok(),
        "write mode has a navigation bar"
    );

    // The agent types into the view's fields, as into any page.
    let view = agent.find(By::Css("[data-cobrowse-ui=view]")).await?;
    view.clone().enter_frame().await?;
    let name = agent.find(By::Id("full-name")).await?;
    name.click().await?;
    name.send_keys("Ada Lovelace").await?;
    eventually(
        "the customer to see which field the agent fills",
        START,
        || async { widget_shown(customer, "agent-typing").await.then_some(()) },
    )
    .await?;
    agent
        .find(By::Id("message"))
        .await?
        .send_keys("Call me")
        .await?;
    agent
        .find(By::Css("#contact option[value=phone]"))
        .await?
        .click()
        .await?;
    agent.find(By::Id("subscribe")).await?.click().await?;
    agent.find(By::Id("plan-premium")).await?.click().await?;
    agent.enter_parent_frame().await?;

    let view_scale = js(
        agent,
        "const w = document.querySelector('.frame-wrap'); \
         return w.getBoundingClientRect().width / parseFloat(w.style.width);",
    )
    .await;
    assert_eq!(view_scale, 1.0, "the view is at full scale");
    let state = eventually("React's state to have the agent's input", START, || async {
        let s = react_state(customer).await;
        (s["fullName"] == "Ada Lovelace"
            && s["message"] == "Call me"
            && s["contact"] == "phone"
            && s["subscribe"] == true
            && s["plan"] == "premium")
            .then_some(s)
    })
    .await?;
    assert_eq!(state["email"], "", "nothing else changed: {state}");
    // The view shows what the customer's page did, not what the view did by itself.
    eventually("the view to show the ticked box", START, || async {
        (in_view(agent, "doc.getElementById('subscribe').checked").await == true).then_some(())
    })
    .await?;

    // Submit buttons are not the agent's by default: nothing happens, the agent is told.
    view.clone().enter_frame().await?;
    agent.find(By::Id("send")).await?.click().await?;
    agent.enter_parent_frame().await?;
    notice_says(agent, "not available to agents").await?;
    let submitted = js(
        customer,
        "return document.getElementById('submitted').textContent;",
    )
    .await;
    assert_eq!(submitted, "", "the agent's click did not submit");
    assert!(refused_count(h, "read_only").await? >= 1);
    // The customer can.
    customer.find(By::Id("send")).await?.click().await?;
    let submitted = js(
        customer,
        "return document.getElementById('submitted').textContent;",
    )
    .await;
    assert_eq!(submitted, "Sent: Ada Lovelace");

    // The agent goes back to pointer mode.
    agent
        .find(By::Css("[data-cobrowse-ui=back-to-pointer]"))
        .await?
        .click()
        .await?;
    wait_mode(agent, "POINTER").await?;
    eventually("the customer's write notice to go", START, || async {
        (!widget_shown(customer, "write-active").await).then_some(())
    })
    .await?;

    // Each switch is a segment of the session's history.
    widget(customer, "exit").await?.click().await?;
    let reports = ended_reports(h).await?;
    let report = reports.last().expect("one report");
    let modes: Vec<&str> = report["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .filter_map(|s| s["mode"].as_str())
        .collect();
    assert_eq!(modes, ["POINTER", "WRITE", "POINTER"], "{report}");
    assert_eq!(report["writeModeUsed"], true);
    Ok(())
}
// The agent's window is wide enough to show the customer's at full scale: chromedriver places
// its clicks in a scaled iframe as if it were not scaled (a person's clicks land right at any
// scale; the other tests click through the glass helpers).
e2e!(
    approved_write_mode_fills_a_react_form_and_submits_stay_the_customers,
    approved_write_mode_fills_a_react_form,
    customer: (1280, 900),
    agent: (1400, 1000)
);

async fn denied_then_customer_stops(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    in_session(h, customer, agent, REACT_FORM).await?;
    agent_requests_write(customer, agent).await?;
    widget(customer, "write-deny").await?.click().await?;
    notice_says(agent, "declined").await?;
    assert_eq!(agent_mode(agent).await, "POINTER");
    assert!(!widget_shown(customer, "write-request").await);

    // Asked again, approved, then the customer takes control back.
    agent_requests_write(customer, agent).await?;
    widget(customer, "write-allow").await?.click().await?;
    wait_mode(agent, "WRITE").await?;
    widget(customer, "write-stop").await?.click().await?;
    wait_mode(agent, "POINTER").await?;
    assert!(agent_notice(agent)
        .await
        .contains("went back to pointer mode"));
    assert!(
        agent
            .find(By::Css("[data-cobrowse-ui=nav-bar]"))
            .await
            .is_err(),
        "no navigation bar in pointer mode"
    );
    Ok(())
}
// Asked again at once after the denial: no wait between requests here (consent.rs tests it).
e2e!(
    a_denied_request_and_the_customer_stopping_keep_pointer_mode,
    denied_then_customer_stops,
    |c| c.write_request_interval = Duration::ZERO
);

async fn crafted_clicks_are_refused(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    let debug_url = format!("{}&debug=1", h.started.agent_url);
    in_session_at(h, customer, agent, REACT_FORM, &debug_url).await?;
    // A modified console clicks in pointer mode: the customer's page does not change.
    let sent = js(agent, "return window.cobrowseCraft('click', '#subscribe');").await;
    assert_eq!(sent, true, "the crafted click named the checkbox");
    eventually("the relay to count the refusal", START, || async {
        (refused_count(h, "pointer_mode").await.ok()? >= 1).then_some(())
    })
    .await?;
    assert_eq!(react_state(customer).await["subscribe"], false);
    let ripples = js(
        customer,
        "const h = document.querySelector('[data-cobrowse-widget]');
         return h.shadowRoot.querySelectorAll('[data-cobrowse-ui=agent-click]').length;",
    )
    .await;
    assert_eq!(
        ripples, 0,
        "a refused action is shown to nobody as an action"
    );
    assert!(agent_notice(agent).await.contains("refused"));
    Ok(())
}
e2e!(
    a_crafted_pointer_mode_click_is_refused_and_counted,
    crafted_clicks_are_refused
);

async fn navigation_stays_in_the_site(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    in_session(h, customer, agent, "/").await?;
    agent_requests_write(customer, agent).await?;
    widget(customer, "write-allow").await?.click().await?;
    wait_mode(agent, "WRITE").await?;

    let go = |to: &'static str| async move {
        let address = agent
            .find(By::Css("[data-cobrowse-ui=nav-address]"))
            .await?;
        address.clear().await?;
        address.send_keys(to).await?;
        agent
            .find(By::Css("[data-cobrowse-ui=nav-go]"))
            .await?
            .click()
            .await?;
        TestResult::Ok(())
    };
    go("/help.html").await?;
    eventually("the customer on the help page", START, || async {
        let url = customer.current_url().await.ok()?;
        url.as_str().ends_with("/help.html").then_some(())
    })
    .await?;
    // The session goes on there, still in write mode (no new question).
    eventually("the agent to see the help page", START, || async {
        (agent_status(agent).await.contains("viewing") && agent_mode(agent).await == "WRITE")
            .then_some(())
    })
    .await?;

    go("https://example.com/").await?;
    // The refusal is told once the customer's browser decided: nothing navigated before it.
    notice_says(agent, "outside the customer's website").await?;
    assert!(customer
        .current_url()
        .await?
        .as_str()
        .ends_with("/help.html"));
    assert!(refused_count(h, "outside_site").await? >= 1);

    agent
        .find(By::Css("[data-cobrowse-ui=nav-back]"))
        .await?
        .click()
        .await?;
    eventually("the customer back on the home page", START, || async {
        let url = customer.current_url().await.ok()?;
        url.as_str().ends_with('/').then_some(())
    })
    .await?;
    Ok(())
}
e2e!(
    agent_navigation_stays_within_the_site,
    navigation_stays_in_the_site
);

async fn no_write_mode_when_disallowed(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    let debug_url = format!("{}&debug=1", h.started.agent_url);
    in_session_at(h, customer, agent, REACT_FORM, &debug_url).await?;
    assert_eq!(agent_mode(agent).await, "POINTER");
    assert!(
        agent
            .find(By::Css("[data-cobrowse-ui=request-write]"))
            .await
            .is_err(),
        "no request button"
    );
    // A crafted request is answered without asking the customer.
    js(agent, "return window.cobrowseCraft('request', '');").await;
    notice_says(agent, "turned off").await?;
    assert!(!widget_shown(customer, "write-request").await);
    Ok(())
}
e2e!(
    write_mode_can_be_turned_off,
    no_write_mode_when_disallowed,
    |c| c.write_mode_allowed = false
);

/// A keydown of `key` on the view's element `#id`, as the agent's keyboard makes it.
async fn press_in_view(agent: &WebDriver, id: &str, key: &str) {
    in_view(
        agent,
        &format!(
            "doc.getElementById('{id}').dispatchEvent(new KeyboardEvent('keydown', \
               {{ key: '{key}', bubbles: true, cancelable: true }}))"
        ),
    )
    .await;
}

async fn scrolling_and_keys(h: &Harness, customer: &WebDriver, agent: &WebDriver) -> TestResult {
    in_session(h, customer, agent, REACT_FORM).await?;
    agent_requests_write(customer, agent).await?;
    widget(customer, "write-allow").await?.click().await?;
    wait_mode(agent, "WRITE").await?;
    // The wheel over the view scrolls the customer's window (the view follows).
    in_view(
        agent,
        "doc.body.dispatchEvent(new WheelEvent('wheel', \
           { deltaY: 200, bubbles: true, cancelable: true }))",
    )
    .await;
    eventually("the customer's window to scroll", START, || async {
        let y = js(customer, "return window.scrollY;").await.as_f64()?;
        (y >= 150.0).then_some(())
    })
    .await?;
    // Tab in the view moves the customer's focus to the next field.
    press_in_view(agent, "full-name", "Tab").await;
    eventually("the customer's focus on the next field", START, || async {
        (js(customer, "return document.activeElement.id;").await == "email").then_some(())
    })
    .await?;
    // Escape reaches the page's own handlers.
    js(
        customer,
        "window.__escapes = 0; \
         document.addEventListener('keydown', e => { if (e.key === 'Escape') window.__escapes++; }); \
         return 1;",
    )
    .await;
    press_in_view(agent, "email", "Escape").await;
    eventually("the page to hear Escape", START, || async {
        (js(customer, "return window.__escapes;").await == 1).then_some(())
    })
    .await
}

// A short customer window, so that the page scrolls.
e2e!(
    the_agent_scrolls_and_presses_keys_for_the_customer,
    scrolling_and_keys,
    customer: (1000, 450),
    agent: (1280, 900)
);
