//! Pointers both ways and scrolling, end to end: the customer's pointer shows in the agent's
//! view at the same page position, the agent's pointer (and a click) shows on the customer's
//! page, and the window and a nested scroller scroll in the agent's view as they do for the
//! customer.

use std::time::Duration;

use cobrowse_e2e::*;
use thirtyfour::prelude::*;

const MOVE: Duration = Duration::from_secs(5);

fn near(v: &serde_json::Value, x: i64, y: i64) -> bool {
    let px = |s: &serde_json::Value| {
        s.as_str()
            .and_then(|s| s.trim_end_matches("px").parse::<f64>().ok())
    };
    match (px(&v[0]), px(&v[1])) {
        (Some(a), Some(b)) => (a - x as f64).abs() <= 3.0 && (b - y as f64).abs() <= 3.0,
        _ => false,
    }
}

async fn pointers_both_ways(h: &Harness, customer: &WebDriver, agent: &WebDriver) -> TestResult {
    in_session(h, customer, agent, "/").await?;
    // The customer points at the sign-in button.
    let button = customer.find(By::Id("signin")).await?;
    customer
        .action_chain()
        .move_to_element_center(&button)
        .perform()
        .await?;
    let (x, y) = center(customer, "#signin").await;
    eventually(
        "the customer's pointer in the agent's view",
        MOVE,
        || async {
            let v = js(
                agent,
                "const c = document.querySelector('[data-cobrowse-ui=customer-pointer]');
                           return c.hidden ? null : [c.style.left, c.style.top];",
            )
            .await;
            near(&v, x, y).then_some(())
        },
    )
    .await?;

    // The agent points into the (scaled) view, and clicks.
    let glass = agent.find(By::Css("[data-cobrowse-ui=glass]")).await?;
    js(agent, "window.__last = null; document.querySelector('[data-cobrowse-ui=glass]')
               .addEventListener('mousemove', (e) => { window.__last = [e.clientX, e.clientY]; }); return 1")
        .await;
    agent
        .action_chain()
        .move_to_element_with_offset(&glass, -200, -100)
        .perform()
        .await?;
    // Where that is on the customer's page: the wrapper is scaled to fit the agent's panel.
    let expected = eventually("the agent's mouse event", MOVE, || async {
        let v = js(agent, "if (!window.__last) return null;
                           const w = document.querySelector('.frame-wrap');
                           const r = w.getBoundingClientRect();
                           const s = r.width / parseFloat(w.style.width);
                           return [Math.round((__last[0] - r.left) / s), Math.round((__last[1] - r.top) / s)];").await;
        Some((v.get(0)?.as_i64()?, v.get(1)?.as_i64()?))
    })
    .await?;
    eventually(
        "the agent's pointer on the customer's page",
        MOVE,
        || async {
            let v = js(
                customer,
                "const h = document.querySelector('[data-cobrowse-widget]').shadowRoot;
                              const p = h.querySelector('[data-cobrowse-ui=agent-pointer]');
                              return p.hidden ? null : [p.style.left, p.style.top];",
            )
            .await;
            near(&v, expected.0, expected.1).then_some(())
        },
    )
    .await?;
    agent.action_chain().click().perform().await?;
    eventually(
        "the agent's click drawn on the customer's page",
        MOVE,
        || async {
            let n = js(
                customer,
                "return document.querySelector('[data-cobrowse-widget]').shadowRoot
                              .querySelectorAll('[data-cobrowse-ui=agent-click]').length;",
            )
            .await;
            (n.as_i64() >= Some(1)).then_some(())
        },
    )
    .await?;
    // The agent's click acts on nothing in pointer mode.
    assert_eq!(js(customer, "return document.activeElement.id").await, "");
    Ok(())
}

async fn scrolling_is_mirrored(h: &Harness, customer: &WebDriver, agent: &WebDriver) -> TestResult {
    in_session(h, customer, agent, "/account.html").await?;
    eventually("the nested scroller styled in the view", START, || async {
        (in_view(
            agent,
            "getComputedStyle(doc.getElementById('activity')).overflowY",
        )
        .await
            == "auto")
            .then_some(())
    })
    .await?;
    js(
        customer,
        "document.body.style.minHeight = '3000px'; return 1",
    )
    .await;
    js(customer, "window.scrollTo(0, 640); return 1").await;
    eventually("the window scroll in the agent's view", MOVE, || async {
        (in_view(agent, "doc.defaultView.scrollY").await == 640).then_some(())
    })
    .await?;
    js(
        customer,
        "document.getElementById('activity').scrollTop = 120; return 1",
    )
    .await;
    eventually("the nested scroller in the agent's view", MOVE, || async {
        (in_view(agent, "doc.getElementById('activity').scrollTop").await == 120).then_some(())
    })
    .await?;
    js(customer, "window.scrollTo(0, 0); return 1").await;
    eventually("scrolling back to the top", MOVE, || async {
        (in_view(agent, "doc.defaultView.scrollY").await == 0).then_some(())
    })
    .await?;
    Ok(())
}

async fn viewport_follows_the_customer(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    in_session(h, customer, agent, "/").await?;
    let before = js(customer, "return window.innerWidth").await;
    customer.set_window_rect(0, 0, 900, 700).await?;
    let width = eventually("the customer's window to shrink", MOVE, || async {
        let w = js(customer, "return window.innerWidth").await;
        (w != before).then_some(w)
    })
    .await?;
    eventually(
        "the view to take the customer's new viewport",
        MOVE,
        || async {
            let v = in_view(agent, "doc.defaultView.innerWidth").await;
            (v == width).then_some(())
        },
    )
    .await?;
    Ok(())
}

e2e!(pointers_show_both_ways, pointers_both_ways);
e2e!(
    window_and_nested_scrolling_is_mirrored,
    scrolling_is_mirrored
);
e2e!(
    the_view_follows_the_customer_viewport,
    viewport_follows_the_customer
);
