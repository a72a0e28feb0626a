//! Co-browsing across engines: the customer in Firefox (Debian's `firefox-esr`, headless,
//! through geckodriver) or in WebKit (WebKitGTK) with the agent in Chromium, and the agent in
//! Firefox with the customer in Chromium. The core of a session in each: start, code, join, the
//! same DOM in the view, live changes, scrolling, the customer's pointer, write mode with
//! consent (typing, a `<select>` and a checkbox in a form a framework keeps), and the exit
//! from each side. Then a customer on a phone: the layout width, taps, the widget off the
//! focused field, a pinch zoom outlined in the view, the phone turned sideways.

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

    cobrowse_e2e::session_core::whole_core(customer, agent, "Changed live").await?;
    cobrowse_e2e::session_core::customer_exits(customer, agent).await?;

    // A second session on the same page, which the agent ends.
    let code = customer_starts_here(customer).await?;
    agent_joins(h, agent, &code).await?;
    eventually("the agent to see the page again", START, || async {
        agent_status(agent).await.contains("viewing").then_some(())
    })
    .await?;
    cobrowse_e2e::session_core::agent_exits(customer, agent).await
}

e2e_engine!(
    a_customer_in_firefox_with_an_agent_in_chromium,
    core_flow,
    customer_in_firefox
);

e2e_engine!(
    an_agent_in_firefox_with_a_customer_in_chromium,
    core_flow,
    agent_in_firefox
);

e2e_engine!(
    a_customer_in_webkit_with_an_agent_in_chromium,
    core_flow,
    customer_in_webkit
);

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
    let confirm = consent_asked(customer).await?;
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
    pinch_zoomed(customer, agent).await?;
    widget_moves_off_the_focused_field(customer).await?;
    turned_sideways(customer, agent).await
}

/// The customer pinch-zooms: the view outlines the part of the page the customer sees, and
/// drops the outline once the customer sees all of it again.
async fn pinch_zoomed(customer: &WebDriver, agent: &WebDriver) -> TestResult {
    let outline = "const v = document.querySelector('[data-cobrowse-ui=customer-visual]');
                   return v ? [v.dataset.zoom, Math.round(parseFloat(v.style.width))] : null;";
    let visual = "const v = visualViewport;
                  return [v.pageLeft - scrollX, v.pageTop - scrollY, v.width, v.height, v.scale];";
    assert_eq!(
        js(agent, outline).await,
        serde_json::Value::Null,
        "no outline unzoomed: {}",
        js(customer, visual).await
    );
    let zoom = |scale: f64| async move {
        customer
            .cdp()
            .send_raw(
                "Emulation.setPageScaleFactor",
                serde_json::json!({ "pageScaleFactor": scale }),
            )
            .await
    };
    zoom(2.5).await?;
    eventually(
        "the customer's zoomed part outlined in the view",
        START,
        || async {
            let at = js(agent, outline).await;
            (at == serde_json::json!(["250", 156])).then_some(())
        },
    )
    .await?;
    zoom(1.0).await?;
    eventually(
        "the outline gone at the customer's full view",
        START,
        || async { js(agent, outline).await.is_null().then_some(()) },
    )
    .await
}

/// Where the widget is against the field `#low-field`: `covers`, `clear` (with its top), or
/// `hidden`.
const WIDGET_OVER_FIELD: &str = "
    const f = document.getElementById('low-field').getBoundingClientRect();
    const cb = document.querySelector('[data-cobrowse-widget]').shadowRoot.querySelector('.cb');
    if (cb.hidden) return 'hidden';
    const w = cb.getBoundingClientRect();
    const covers = w.left < f.right && f.left < w.right && w.top < f.bottom && f.top < w.bottom;
    return covers ? 'covers' : 'clear at ' + Math.round(w.top);";

/// The widget never covers the field the customer types in: a field at the bottom of the
/// phone's screen, where the widget sits, is under it until it takes the focus; then the
/// widget moves to the top, and back once the field loses the focus.
async fn widget_moves_off_the_focused_field(customer: &WebDriver) -> TestResult {
    js(
        customer,
        "const f = document.createElement('input');
         f.id = 'low-field';
         f.style.cssText = 'position: fixed; right: 8px; bottom: 24px; width: 300px; height: 40px;';
         document.body.append(f);",
    )
    .await;
    assert_eq!(
        js(customer, WIDGET_OVER_FIELD).await,
        "covers",
        "the field starts under the widget (the check sees an overlap)"
    );
    js(customer, "document.getElementById('low-field').focus();").await;
    eventually(
        "the widget off the focused field, at the top",
        START,
        || async {
            let at = js(customer, WIDGET_OVER_FIELD).await;
            (at == "clear at 16").then_some(())
        },
    )
    .await?;
    js(customer, "document.activeElement.blur();").await;
    eventually("the widget back in its corner", START, || async {
        (js(customer, WIDGET_OVER_FIELD).await == "covers").then_some(())
    })
    .await?;
    js(customer, "document.getElementById('low-field').remove();").await;
    Ok(())
}

/// The phone turned sideways: the view follows the new layout width, still never laid out at
/// the agent's.
async fn turned_sideways(customer: &WebDriver, agent: &WebDriver) -> TestResult {
    customer
        .cdp()
        .send_raw(
            "Emulation.setDeviceMetricsOverride",
            serde_json::json!({
                "width": 844, "height": 390, "deviceScaleFactor": 3, "mobile": true,
                "screenOrientation": { "type": "landscapePrimary", "angle": 90 },
            }),
        )
        .await?;
    eventually("the page laid out sideways", START, || async {
        let width = js(customer, "return document.documentElement.clientWidth;").await;
        (width == 844).then_some(())
    })
    .await?;
    view_is(
        agent,
        "the view laid out at the turned phone's width",
        "doc.documentElement.clientWidth",
        serde_json::json!(844),
    )
    .await?;
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

/// Canvases keep their size in the view whatever the agent's engine: a canvas in a document
/// without scripts is sized by the view's rules, one per attribute value (Firefox has no typed
/// `attr()`, with which its canvases collapsed to nothing).
async fn canvas_sizes(h: &Harness, customer: &WebDriver, agent: &WebDriver) -> TestResult {
    in_session(h, customer, agent, "/fixtures/canvas.html").await?;
    for id in ["flat", "see-through", "below"] {
        let rect = format!(
            "const r = doc.getElementById('{id}').getBoundingClientRect(); return [r.width, r.height];"
        );
        let page = js(customer, &rect.replace("doc.", "document.")).await;
        eventually(&format!("#{id} at its size in the view"), START, || async {
            let view = in_view(agent, &format!("(() => {{ {rect} }})()")).await;
            (view == page).then_some(())
        })
        .await?;
    }
    Ok(())
}

e2e_engine!(
    canvases_keep_their_size_with_the_agent_in_firefox,
    canvas_sizes,
    agent_in_firefox
);
