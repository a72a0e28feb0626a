//! Mirroring beyond one document: same-origin frames (nested, `srcdoc`, written by script,
//! added, reloaded and removed at run time) rebuilt as documents of their own, cross-origin
//! frames as labelled placeholders unless allowed, and shadow DOM (open roots, slots, adopted
//! sheets per root, late upgrades, declarative roots; closed roots reported). Each fixture is
//! compared by screenshot too.

use cobrowse_e2e::fidelity::screenshot_matches;
use cobrowse_e2e::*;
use thirtyfour::prelude::*;

/// Share of differing pixels allowed: the same Chromium draws both sides; frames' borders
/// and text are exact, what may differ is sub-pixel text positioning.
const SCREENSHOT_THRESHOLD: f64 = 0.005;

/// A frame's document in the view, by the frame's id, as a JS expression.
fn frame_doc(id: &str) -> String {
    format!("doc.getElementById('{id}').contentDocument")
}

async fn same_origin_frames(h: &Harness, customer: &WebDriver, agent: &WebDriver) -> TestResult {
    in_session(h, customer, agent, "/fixtures/frames.html").await?;
    let child = frame_doc("same");
    for (what, expr, want) in [
        ("the same-origin frame", format!("{child}.getElementById('child-text').textContent"), "The child frame, same origin. A link"),
        ("the nested frame", format!("{child}.getElementById('grandchild').contentDocument.getElementById('grandchild-text').textContent"), "A frame inside the frame."),
        ("the srcdoc frame", format!("{}.getElementById('inline').textContent", frame_doc("srcdoc")), "Written inline with srcdoc"),
        ("the frame written by script", format!("{}.getElementById('written').textContent", frame_doc("scripted")), "Written by a script"),
        ("the frame's own stylesheet", format!("getComputedStyle({child}.body).backgroundColor"), "rgb(230, 244, 241)"),
    ] {
        view_is(agent, what, &expr, want.into()).await?;
    }
    // The child frame runs the snippet too, but co-browsing is the top page's: the frame's
    // loader never loads the customer module (the top page's captures the frame), draws no
    // button, and its page API says so when asked to start.
    let refused = js(
        customer,
        "return document.getElementById('same').contentWindow.cobrowse.start()
           .then(() => 'started', (e) => e.message);",
    )
    .await;
    assert!(
        refused.as_str().unwrap_or_default().contains("top page's"),
        "{refused}"
    );
    assert_eq!(
        js(customer, "return document.getElementById('same').contentDocument.querySelector('[data-cobrowse-widget]') === null").await,
        true
    );
    // The customer's pointer over a frame is where it is on the page, not in the frame.
    let frame = customer.find(By::Id("scripted")).await?;
    customer
        .action_chain()
        .move_to_element_center(&frame)
        .perform()
        .await?;
    let (x, y) = center(customer, "#scripted").await;
    eventually("the customer's pointer over the frame, in the view", START, || async {
        let v = js(agent, "const c = document.querySelector('[data-cobrowse-ui=customer-pointer]');
                           return c.hidden ? null : [parseFloat(c.style.left), parseFloat(c.style.top)];").await;
        let close = |i: usize, want: i64| v[i].as_f64().is_some_and(|got| (got - want as f64).abs() <= 3.0);
        (close(0, x) && close(1, y)).then_some(())
    })
    .await?;
    // Captured through their documents: neither the srcdoc nor the address is sent.
    assert_eq!(
        in_view(agent, "doc.getElementById('srcdoc').hasAttribute('srcdoc')").await,
        false
    );
    assert_eq!(
        in_view(agent, "doc.getElementById('same').hasAttribute('src')").await,
        false
    );
    // Typing inside a frame reaches the view (the frame's own events).
    let field = "document.getElementById('scripted').contentDocument.getElementById('field')";
    js(customer, &format!("const f = {field}; f.value = 'typed in the frame'; f.dispatchEvent(new Event('input', {{ bubbles: true }})); return 1")).await;
    view_is(
        agent,
        "the frame's field value",
        &format!("{}.getElementById('field').value", frame_doc("scripted")),
        "typed in the frame".into(),
    )
    .await?;
    screenshot_matches(
        customer,
        agent,
        "/fixtures/frames.html",
        SCREENSHOT_THRESHOLD,
    )
    .await?;

    // At run time: a frame added, another page loaded in a frame, the added frame removed.
    customer.find(By::Id("add")).await?.click().await?;
    view_is(
        agent,
        "the added frame",
        &format!(
            "{}?.getElementById('added-text')?.textContent ?? null",
            frame_doc("added")
        ),
        "A frame added at run time.".into(),
    )
    .await?;
    customer.find(By::Id("reload")).await?.click().await?;
    view_is(
        agent,
        "the frame's next page",
        &format!("{child}?.getElementById('second-text')?.textContent ?? null"),
        "Another page, loaded in the same frame.".into(),
    )
    .await?;
    customer.find(By::Id("remove")).await?.click().await?;
    view_is(
        agent,
        "the removed frame gone",
        "doc.getElementById('added') === null",
        true.into(),
    )
    .await?;
    screenshot_matches(
        customer,
        agent,
        "/fixtures/frames.html (after the changes)",
        SCREENSHOT_THRESHOLD,
    )
    .await?;
    // Nothing of this is unshown.
    assert_eq!(fidelity_report(agent).await, "");
    Ok(())
}

/// The fixture with a frame from another origin (`localhost` against `127.0.0.1`).
fn with_cross_frame(h: &Harness) -> String {
    let cross = format!(
        "{}/fixtures/frames/third-party.html",
        h.demo_url().replace("127.0.0.1", "localhost")
    );
    format!("/fixtures/frames.html?cross={cross}")
}

async fn cross_origin_frame_is_a_placeholder(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    in_session(h, customer, agent, &with_cross_frame(h)).await?;
    let origin = h.demo_url().replace("127.0.0.1", "localhost");
    let origin = origin.trim_end_matches('/');
    view_is(
        agent,
        "the labelled placeholder",
        &format!("{}?.body?.textContent ?? null", frame_doc("cross")),
        format!("Content from {origin} is not shown").into(),
    )
    .await?;
    assert_eq!(
        in_view(agent, "doc.getElementById('cross').hasAttribute('src')").await,
        false,
        "nothing loaded"
    );
    // Of the customer's size.
    let size = "(() => { const r = DOC.getElementById('cross').getBoundingClientRect(); return r.width + 'x' + r.height })()";
    assert_eq!(
        in_view(agent, &size.replace("DOC", "doc")).await,
        js(
            customer,
            &format!("return {}", size.replace("DOC", "document"))
        )
        .await
    );
    report_says(agent, &format!("A frame from {origin}")).await?;
    Ok(())
}

async fn allowed_cross_origin_frame_loads(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    in_session(h, customer, agent, &with_cross_frame(h)).await?;
    let src = format!(
        "{}/fixtures/frames/third-party.html",
        h.demo_url().replace("127.0.0.1", "localhost")
    );
    view_is(
        agent,
        "the frame's address, loaded by the view",
        "doc.getElementById('cross').getAttribute('src')",
        src.clone().into(),
    )
    .await?;
    // And loaded (the console's CSP lets allowed origins be framed).
    eventually("the allowed frame loaded in the view", START, || async {
        let loaded = in_view(agent, &format!("doc.defaultView.performance.getEntriesByType('resource').some(e => e.name === {src:?})")).await;
        (loaded == true).then_some(())
    })
    .await?;
    // The view is sandboxed without scripts, and so is every frame in it.
    let sandbox = js(
        agent,
        "return document.querySelector('[data-cobrowse-ui=view]').getAttribute('sandbox')",
    )
    .await;
    assert_eq!(sandbox, "allow-same-origin");
    Ok(())
}

async fn shadow_dom(h: &Harness, customer: &WebDriver, agent: &WebDriver) -> TestResult {
    in_session(h, customer, agent, "/fixtures/shadow-dom.html").await?;
    for (what, expr, want) in [
        ("the open root", "doc.getElementById('card').shadowRoot?.getElementById('inner')?.textContent ?? null", "Inside the root: "),
        ("the named slot's content", "doc.getElementById('card').shadowRoot?.querySelector('slot[name=title]').assignedNodes()[0]?.textContent ?? null", "Slotted title"),
        ("the root's own style", "getComputedStyle(doc.getElementById('card').shadowRoot.getElementById('inner')).color", "rgb(192, 57, 43)"),
        ("the root's adopted sheet", "(() => { const el = doc.getElementById('adopted').shadowRoot?.getElementById('adopted-inner'); return el ? getComputedStyle(el).backgroundColor : null })()", "rgb(11, 37, 69)"),
        ("the declarative root", "doc.getElementById('declared') === null && doc.getElementById('declarative').shadowRoot?.getElementById('declared')?.textContent", "Declared in the markup"),
    ] {
        view_is(agent, what, expr, want.into()).await?;
    }
    // A custom element upgraded after capture began attaches its root then.
    customer.find(By::Id("upgrade")).await?.click().await?;
    view_is(
        agent,
        "the late upgrade",
        "doc.getElementById('late').shadowRoot?.getElementById('badge')?.textContent ?? null",
        "Upgraded".into(),
    )
    .await?;
    // Defined in the view too, as on the page: `:not(:defined)` rules no longer apply.
    view_is(
        agent,
        "the upgraded element :defined",
        "doc.getElementById('late').matches(':defined')",
        true.into(),
    )
    .await?;
    screenshot_matches(
        customer,
        agent,
        "/fixtures/shadow-dom.html",
        SCREENSHOT_THRESHOLD,
    )
    .await?;
    // A closed root stays the component's: reported, not shown.
    customer.find(By::Id("closed")).await?.click().await?;
    report_says(agent, "A closed component").await?;
    Ok(())
}

e2e!(same_origin_frames_are_mirrored_as_documents, same_origin_frames, customer: (1280, 800), agent: (1400, 1100));
e2e!(
    cross_origin_frames_are_labelled_placeholders,
    cross_origin_frame_is_a_placeholder
);
e2e!(
    allowed_third_party_frames_load_in_the_view,
    allowed_cross_origin_frame_loads,
    |c: &mut cobrowse_relay::Config| c.allowed_third_party_domains = vec!["*".into()]
);
e2e!(shadow_dom_is_mirrored, shadow_dom, customer: (1280, 800), agent: (1400, 1100));
