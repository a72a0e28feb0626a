//! Co-browsing across engines: the customer in Firefox (Debian's `firefox-esr`, headless,
//! through geckodriver) with the agent in Chromium, and the agent in Firefox with the customer
//! in Chromium. The core of a session in each: start, code, join, the page in the view, live
//! changes, the customer's pointer, write mode with consent (typing into a field a framework
//! keeps), and the customer's exit.

use cobrowse_e2e::*;
use thirtyfour::prelude::*;

async fn core_flow(h: &Harness, customer: &WebDriver, agent: &WebDriver) -> TestResult {
    let code = customer_starts(h, customer, "/react-form.html").await?;
    agent_joins(h, agent, &code).await?;
    eventually("the agent to see the page", START, || async {
        let shown = in_view(agent, "!!doc.getElementById('full-name')").await;
        (shown == true).then_some(())
    })
    .await?;

    cobrowse_e2e::session_core::change_point_and_type(customer, agent, "Changed live").await?;

    cobrowse_e2e::session_core::customer_exits(customer, agent).await?;
    Ok(())
}

e2e_firefox!(
    a_customer_in_firefox_with_an_agent_in_chromium,
    core_flow,
    customer_in_firefox
);

e2e_firefox!(
    an_agent_in_firefox_with_a_customer_in_chromium,
    core_flow,
    agent_in_firefox
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_in_webkit_with_an_agent_in_chromium() {
    let h = Harness::start().await;
    let customer = cobrowse_e2e::webkit::WebKit::open(1280, 900).await;
    let agent = h.browser().await;
    let result = core_flow(&h, &customer.driver, &agent).await;
    customer.quit().await;
    h.finish(vec![agent]).await;
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The customer on a phone: the agent sees the page at the phone's layout width (scaled to
/// fit the console, never laid out again at the agent's width), and the customer's taps as
/// pointer positions.
async fn phone_flow(h: &Harness, customer: &WebDriver, agent: &WebDriver) -> TestResult {
    customer
        .goto(&format!("{}/react-form.html", h.demo_url()))
        .await?;
    // The widget is made for a thumb: each of its buttons at least 44 × 44 CSS pixels.
    let start = eventually("the co-browse button", START, || async {
        widget(customer, "start").await.ok()
    })
    .await?;
    let small_buttons = |shown: &'static str| async move {
        js(
            customer,
            &format!(
                "const root = document.querySelector('[data-cobrowse-widget]').shadowRoot;
                 return [...root.querySelectorAll('button')]
                   .filter((b) => b.getClientRects().length > 0)
                   .map((b) => [b.dataset.cobrowseUi, b.getBoundingClientRect()])
                   .filter(([, r]) => r.width < 44 || r.height < 44)
                   .map(([ui, r]) => ui + ' ' + r.width + 'x' + r.height + ' ({shown})');"
            ),
        )
        .await
    };
    assert_eq!(small_buttons("start").await, serde_json::json!([]));
    start.click().await?;
    let confirm = widget(customer, "confirm").await?;
    assert_eq!(small_buttons("consent").await, serde_json::json!([]));
    confirm.click().await?;
    let code = eventually("a 9-digit code", START, || async {
        let text = widget_text(customer, "code").await;
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        (digits.len() == 9).then_some(text)
    })
    .await?;
    assert_eq!(small_buttons("code").await, serde_json::json!([]));
    agent_joins(h, agent, &code).await?;
    eventually("the agent to see the page", START, || async {
        let shown = in_view(agent, "!!doc.getElementById('full-name')").await;
        (shown == true).then_some(())
    })
    .await?;
    let phone_width = js(customer, "return document.documentElement.clientWidth;").await;
    assert_eq!(phone_width, 390, "the phone lays the page out at its width");
    view_is(
        agent,
        "the view laid out at the phone's width",
        "doc.documentElement.clientWidth",
        phone_width,
    )
    .await?;
    // The customer taps the name field (a finger: touch events, as a phone sends them): the
    // view shows the customer's tap there, and keeps showing it after the finger lifts.
    let field = customer.find(By::Id("full-name")).await?;
    let rect = field.rect().await?;
    let (x, y) = (rect.x + rect.width / 2.0, rect.y + rect.height / 2.0);
    let devtools = customer.cdp();
    for (kind, points) in [
        ("touchStart", serde_json::json!([{ "x": x, "y": y }])),
        ("touchEnd", serde_json::json!([])),
    ] {
        devtools
            .send_raw(
                "Input.dispatchTouchEvent",
                serde_json::json!({ "type": kind, "touchPoints": points }),
            )
            .await?;
    }
    eventually("the customer's tap in the view", START, || async {
        let at = js(
            agent,
            "const c = document.querySelector('[data-cobrowse-ui=customer-pointer]');
             return c && !c.hidden && c.classList.contains('clicked')
                 ? [parseFloat(c.style.left), parseFloat(c.style.top)] : null;",
        )
        .await;
        let near = |v: &serde_json::Value, want: f64| {
            v.as_f64().is_some_and(|got| (got - want).abs() <= 2.0)
        };
        (near(&at[0], x) && near(&at[1], y)).then_some(())
    })
    .await?;
    // A change made after the finger lifted reaches the view: whatever the lift sent came
    // before it, and the tap still shows.
    js(
        customer,
        "document.querySelector('h1').textContent = 'After the tap';",
    )
    .await;
    view_is(
        agent,
        "a change after the tap",
        "doc.querySelector('h1') && doc.querySelector('h1').textContent",
        serde_json::json!("After the tap"),
    )
    .await?;
    let shown = js(
        agent,
        "const c = document.querySelector('[data-cobrowse-ui=customer-pointer]');
         return !!c && !c.hidden;",
    )
    .await;
    assert_eq!(shown, true, "the tap still shows after the finger lifted");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_on_a_phone() {
    let h = Harness::start().await;
    let customer = h.phone().await;
    let agent = h.browser().await;
    let result = phone_flow(&h, &customer, &agent).await;
    h.finish(vec![customer, agent]).await;
    if let Err(e) = result {
        panic!("{e}");
    }
}
