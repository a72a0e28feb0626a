//! The page API (`window.cobrowse`) as a website team uses it: the demo's chat page turns the
//! built-in widget off (`_cobrowse = { ui: false }`), asks the customer itself, starts the
//! session from its own button, shows the code in its own markup, answers the agent's request
//! for write mode with its own buttons and ends the session; what protects the customer (the
//! frame of the field the agent fills) still shows. With the widget on, `start()` opens the
//! widget's consent question and resolves once the customer agreed; events follow the session
//! onto the next page.

use cobrowse_e2e::console::*;
use cobrowse_e2e::*;
use thirtyfour::prelude::*;

/// The `type`s the page has logged (its listeners push every event to `window.apiLog`).
async fn logged(customer: &WebDriver) -> Vec<String> {
    let log = js(
        customer,
        "return (window.apiLog || []).map((e) => e.type + (e.reason ? ':' + e.reason : '') + (e.mode ? ':' + e.mode : ''));",
    )
    .await;
    serde_json::from_value(log).unwrap_or_default()
}

async fn wait_logged(customer: &WebDriver, what: &str) -> TestResult {
    eventually(&format!("the page to hear {what}"), START, || async {
        logged(customer)
            .await
            .iter()
            .any(|e| e == what)
            .then_some(())
    })
    .await
}

/// `window.cobrowse.state().state` (`idle`, `waiting`, `active`).
async fn api_state(customer: &WebDriver) -> String {
    let s = js(
        customer,
        "return window.cobrowse ? window.cobrowse.state().state : 'absent';",
    )
    .await;
    s.as_str().unwrap_or_default().to_string()
}

async fn click(driver: &WebDriver, id: &str) -> TestResult {
    driver.find(By::Id(id)).await?.click().await?;
    Ok(())
}

/// Whether the widget's part `selector` is shown.
async fn widget_part_shown(customer: &WebDriver, selector: &str) -> bool {
    js(
        customer,
        &format!(
            "const h = document.querySelector('[data-cobrowse-widget]');
             const e = h && h.shadowRoot.querySelector({selector:?});
             return !!e && !e.hidden;"
        ),
    )
    .await
    .as_bool()
    .unwrap_or(false)
}

async fn a_page_with_its_own_ui_runs_the_session(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    customer
        .goto(&format!("{}/chat.html", h.demo_url()))
        .await?;
    eventually("the page API to be ready", START, || async {
        (js(customer, "return window.apiReady === true;").await == true).then_some(())
    })
    .await?;
    assert_eq!(
        js(
            customer,
            "return document.getElementById('state').textContent;"
        )
        .await,
        "idle"
    );
    // Nothing of co-browse is loaded before it starts: no widget, no module.
    assert!(
        js(
            customer,
            "return document.querySelector('[data-cobrowse-widget]') === null"
        )
        .await
            == true,
        "no button drawn with ui: false"
    );

    // The consent question is the customer's: without the widget, the page must say it asked.
    let refused = js(
        customer,
        "window.cobrowse.start().then(() => { window.unconfirmed = 'started'; },
                                      (e) => { window.unconfirmed = e.message; });
         return true;",
    )
    .await;
    assert_eq!(refused, true);
    let why = eventually("start() without consent to settle", START, || async {
        js(customer, "return window.unconfirmed || null;")
            .await
            .as_str()
            .map(String::from)
    })
    .await?;
    assert!(why.contains("confirmed: true"), "{why}");
    assert_eq!(api_state(customer).await, "idle", "nothing started");
    let unknown = js(
        customer,
        "try { window.cobrowse.on('agentJoind', () => {}); return 'accepted'; } catch (e) { return e.name + ': ' + e.message; }",
    )
    .await;
    assert!(
        unknown
            .as_str()
            .unwrap_or_default()
            .starts_with("TypeError")
            && unknown.as_str().unwrap_or_default().contains("agentJoined"),
        "a misspelt event is an error naming the known ones: {unknown}"
    );

    // The page's own button and question; the code goes into the chat.
    click(customer, "share").await?;
    click(customer, "agree").await?;
    let code = eventually("start() to resolve with the code", START, || async {
        js(customer, "return window.startedWith || null;")
            .await
            .as_str()
            .map(String::from)
    })
    .await?;
    assert_eq!(code.len(), 9, "{code}");
    // The widget is there now (it frames the field the agent fills) but shows nothing.
    assert!(
        !widget_part_shown(customer, ".cb").await,
        "ui: false hides the widget"
    );
    let chat = js(
        customer,
        "return document.getElementById('log').textContent;",
    )
    .await;
    assert!(chat.as_str().unwrap_or_default().contains(&code), "{chat}");
    assert_eq!(api_state(customer).await, "waiting");
    assert_eq!(logged(customer).await, ["code"]);

    agent_joins(h, agent, &code).await?;
    wait_logged(customer, "agentJoined").await?;
    eventually("the agent to see the page", START, || async {
        agent_status(agent).await.contains("viewing").then_some(())
    })
    .await?;
    assert_eq!(api_state(customer).await, "active");

    // Write mode: the page asks with its own buttons.
    request_write(agent).await?;
    eventually("the page to ask", START, || async {
        (js(
            customer,
            "return !document.getElementById('write-question').hidden;",
        )
        .await
            == true)
            .then_some(())
    })
    .await?;
    assert!(
        !widget_part_shown(customer, "[data-cobrowse-ui=write-request]").await
            || !widget_part_shown(customer, ".cb").await,
        "the widget's own question stays hidden"
    );
    click(customer, "write-yes").await?;
    wait_mode(agent, "WRITE").await?;
    wait_logged(customer, "modeChanged:write").await?;
    assert_eq!(
        js(customer, "return window.cobrowse.state().mode;").await,
        "write"
    );

    // The frame around the field the agent fills protects the customer: it shows without UI.
    let view = agent.find(By::Css("[data-cobrowse-ui=view]")).await?;
    view.clone().enter_frame().await?;
    let question = agent.find(By::Id("question")).await?;
    question.click().await?;
    question.send_keys("Where is my card?").await?;
    agent.enter_parent_frame().await?;
    eventually(
        "the customer to see the field the agent fills",
        START,
        || async {
            widget_part_shown(customer, "[data-cobrowse-ui=agent-typing]")
                .await
                .then_some(())
        },
    )
    .await?;

    // The page's own stop button.
    click(customer, "stop").await?;
    wait_logged(customer, "ended:customer_exit").await?;
    assert_eq!(api_state(customer).await, "idle");
    eventually("the console to leave the session", START, || async {
        agent
            .find(By::Css("[data-cobrowse-ui=join-code]"))
            .await
            .ok()
    })
    .await?;
    assert_eq!(
        logged(customer).await,
        [
            "code",
            "agentJoined",
            "writeModeRequested",
            "modeChanged:write",
            "ended:customer_exit"
        ],
        "each event once, in the session's order"
    );
    Ok(())
}

e2e!(
    a_page_with_its_own_ui_runs_the_session_through_the_api,
    a_page_with_its_own_ui_runs_the_session
);

/// Listens to every event on the page it is on, logging into `window.apiLog` and, for the
/// page load, into sessionStorage (`navigating`).
async fn log_events(customer: &WebDriver) -> TestResult {
    eventually("window.cobrowse", START, || async {
        (js(customer, "return !!window.cobrowse;").await == true).then_some(())
    })
    .await?;
    js(
        customer,
        "window.apiLog = [];
         for (const type of ['code', 'agentJoined', 'modeChanged', 'writeModeRequested', 'navigating', 'ended']) {
           window.cobrowse.on(type, (e) => window.apiLog.push({ type, reason: e.reason, mode: e.mode }));
         }
         window.cobrowse.on('navigating', () => sessionStorage.setItem('heardNavigating', 'yes'));
         window.cobrowse.on('writeModeRequested', (e) => { window.answer = e; });
         return true;",
    )
    .await;
    Ok(())
}

async fn the_widget_asks_when_the_page_starts(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    customer.goto(&format!("{}/", h.demo_url())).await?;
    log_events(customer).await?;
    // Privacy options the module cannot read: an `error` event (the page is then captured as
    // if entirely private). A listener removed with `off` hears nothing, while one left on does.
    js(
        customer,
        "window._cobrowse = { privacy: { maks: ['.balance'] } };
         window.errors = [];
         window.cobrowse.on('error', (e) => window.errors.push(e.context));
         window.offCalled = false;
         const removed = () => { window.offCalled = true; };
         window.cobrowse.on('agentJoined', removed);
         window.cobrowse.off('agentJoined', removed);
         return true;",
    )
    .await;
    // start() before the module is even there waits for it; the widget asks the customer.
    js(
        customer,
        "window.cobrowse.start().then((s) => { window.startedWith = s.code; });
         return true;",
    )
    .await;
    let confirm = eventually("the widget's consent question", START, || async {
        widget(customer, "confirm").await.ok()
    })
    .await?;
    assert_eq!(
        js(customer, "return window.startedWith || null;").await,
        serde_json::Value::Null,
        "no code before the customer agreed"
    );
    confirm.click().await?;
    let code = eventually("start() to resolve", START, || async {
        js(customer, "return window.startedWith || null;")
            .await
            .as_str()
            .map(String::from)
    })
    .await?;
    let digits: String = widget_text(customer, "code")
        .await
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    assert_eq!(code, digits, "the widget's code, as digits");
    // A second start() is the same session.
    let again = js(
        customer,
        "return window.cobrowse.start().then((s) => s.code);",
    )
    .await;
    assert_eq!(again, code.as_str());

    agent_joins(h, agent, &code).await?;
    wait_logged(customer, "agentJoined").await?;
    assert_eq!(
        js(customer, "return window.offCalled;").await,
        false,
        "the listener taken off did not hear agentJoined"
    );
    eventually("the page to hear the options' error", START, || async {
        (js(customer, "return window.errors.includes('privacy');").await == true).then_some(())
    })
    .await?;
    // The API answers a request the widget shows, too: the widget's question goes away.
    request_write(agent).await?;
    wait_logged(customer, "writeModeRequested").await?;
    assert!(widget_part_shown(customer, "[data-cobrowse-ui=write-request]").await);
    js(customer, "window.answer.deny(); return true;").await;
    notice_says(agent, "declined").await?;
    eventually("the widget's question to go", START, || async {
        (!widget_part_shown(customer, "[data-cobrowse-ui=write-request]").await).then_some(())
    })
    .await?;
    let late = js(
        customer,
        "try { window.answer.allow(); return 'answered twice'; } catch (e) { return e.message; }",
    )
    .await;
    assert!(
        late.as_str().unwrap_or_default().contains("no request"),
        "a second answer is refused: {late}"
    );

    // The session goes on on the next page, and the API on it hears its code again.
    customer
        .find(By::Css("a[href='/help.html']"))
        .await?
        .click()
        .await?;
    eventually("the next page", START, || async {
        customer
            .current_url()
            .await
            .ok()
            .filter(|u| u.as_str().ends_with("/help.html"))
    })
    .await?;
    assert_eq!(
        js(
            customer,
            "return sessionStorage.getItem('heardNavigating');"
        )
        .await,
        "yes",
        "the page heard it was being left"
    );
    log_events(customer).await?;
    eventually("the session to continue here", START, || async {
        let s = js(customer, "return window.cobrowse.state();").await;
        (s["state"] == "active" && s["code"] == code.as_str()).then_some(())
    })
    .await?;

    // The agent ends it: the page hears why.
    agent
        .find(By::Css("[data-cobrowse-ui=exit]"))
        .await?
        .click()
        .await?;
    wait_logged(customer, "ended:agent_exit").await?;
    assert_eq!(api_state(customer).await, "idle");
    Ok(())
}

e2e!(
    start_with_the_widget_asks_the_customer_and_events_follow_the_session,
    the_widget_asks_when_the_page_starts
);
