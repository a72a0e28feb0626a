//! The fidelity fixtures of `www/fixtures/`, one page per hard case, each mirrored end to end
//! and compared on what the agent's view computes: the same markup and visible text, and the
//! same pixels.

use std::time::Duration;

use cobrowse_e2e::pixels;
use cobrowse_e2e::*;
use thirtyfour::prelude::*;

const SHOW: Duration = Duration::from_secs(5);

async fn css_in_js(h: &Harness, customer: &WebDriver, agent: &WebDriver) -> TestResult {
    in_session(h, customer, agent, "/fixtures/css-in-js.html").await?;
    // Rules that exist only in the CSSOM (the <style> element's text is empty).
    for (selector, property, value) in [
        (".title", "color", "rgb(200, 30, 30)"),
        (".title", "fontSize", "28px"),
        ("#box", "backgroundColor", "rgb(10, 120, 90)"),
        ("#box", "width", "200px"),
    ] {
        let customer_value = js(
            customer,
            &format!("return getComputedStyle(document.querySelector('{selector}')).{property}"),
        )
        .await;
        assert_eq!(customer_value, value, "the fixture itself");
        eventually(
            &format!("{selector} {property} in the agent's view"),
            SHOW,
            || async {
                let v = in_view(
                    agent,
                    &format!("getComputedStyle(doc.querySelector('{selector}')).{property}"),
                )
                .await;
                (v == value).then_some(())
            },
        )
        .await?;
    }
    // A rule inserted later, by a click.
    customer.find(By::Id("add-rule")).await?.click().await?;
    eventually(
        "the rule inserted later, in the agent's view",
        SHOW,
        || async {
            let v = in_view(
                agent,
                "getComputedStyle(doc.getElementById('box')).borderTopColor",
            )
            .await;
            (v == "rgb(0, 0, 255)").then_some(())
        },
    )
    .await?;
    Ok(())
}

/// The fixtures compared by screenshot, with the share of differing pixels each may have.
/// Why these numbers: the two sides are the same Chromium with the same fonts, so text and
/// boxes should match exactly; what may differ is caret blink, native control focus rings and
/// sub-pixel text positioning, a fraction of a percent on these pages.
const SCREENSHOT_FIXTURES: [(&str, f64); 8] = [
    ("/fixtures/typography.html", 0.005),
    ("/fixtures/relative-urls.html", 0.005),
    ("/fixtures/layout.html", 0.005),
    ("/fixtures/forms.html", 0.01),
    ("/fixtures/css-in-js.html", 0.005),
    ("/fixtures/stylesheets.html", 0.005),
    ("/fixtures/fonts.html", 0.005),
    ("/account.html", 0.01),
];

/// The customer's viewport and the agent's view of it, pixel for pixel.
async fn compare(customer: &WebDriver, agent: &WebDriver) -> TestResult<f64> {
    // Neither side's co-browse overlays are part of the page.
    js(
        customer,
        "document.querySelector('[data-cobrowse-widget]').style.display = 'none'; return 1",
    )
    .await;
    js(agent, "document.querySelector('[data-cobrowse-ui=customer-pointer]').style.display = 'none'; return 1").await;
    let scale = js(
        agent,
        "const w = document.querySelector('.frame-wrap');
                           return w.getBoundingClientRect().width / parseFloat(w.style.width);",
    )
    .await;
    assert_eq!(
        scale.as_f64(),
        Some(1.0),
        "the agent's window shows the view unscaled"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let customer_png = customer.screenshot_as_png().await?;
    let frame = agent.find(By::Css("[data-cobrowse-ui=view]")).await?;
    let agent_png = frame.screenshot_as_png().await?;
    // Kept for a person to look at: target/screenshots/<page>-{customer,agent}.png
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    let name = js(
        customer,
        "return location.pathname.split('/').pop().replace('.html', '')",
    )
    .await;
    let name = name.as_str().unwrap_or("page").to_string();
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join(format!("{name}-customer.png")), &customer_png);
    let _ = std::fs::write(dir.join(format!("{name}-agent.png")), &agent_png);
    let theirs = pixels::decode(&customer_png)?;
    let ours = pixels::decode(&agent_png)?;
    assert!(
        ours.width.abs_diff(theirs.width) <= 1 && ours.height.abs_diff(theirs.height) <= 1,
        "same size: view {}x{}, customer {}x{}",
        ours.width,
        ours.height,
        theirs.width,
        theirs.height
    );
    Ok(pixels::difference(&theirs, &ours))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixtures_match_by_screenshot() {
    let h = Harness::start().await;
    let customer = h.browser_sized(1280, 800).await;
    // Wide and tall enough to show the customer's viewport at scale 1.
    let agent = h.browser_sized(1400, 1100).await;
    let result = async {
        let (first, _) = SCREENSHOT_FIXTURES[0];
        in_session(&h, &customer, &agent, first).await?;
        let mut report = Vec::new();
        for (path, threshold) in SCREENSHOT_FIXTURES {
            if path != first {
                // A page load: the session continues with a new snapshot.
                customer.goto(&format!("{}{path}", h.demo_url())).await?;
            }
            let title = js(&customer, "return document.title").await;
            eventually(&format!("{path} in the agent's view"), START, || async {
                let shown = in_view(&agent, "doc.title").await == title
                    && agent_status(&agent).await.contains("viewing")
                    && in_view(&agent, "[...doc.styleSheets].every(s => { try { return s.cssRules.length >= 0 } catch (e) { return true } })").await == true;
                shown.then_some(())
            })
            .await?;
            // Web fonts load after the page: wait for both sides' fonts.
            eventually(&format!("{path}: fonts loaded in the view"), START, || async {
                let ready = in_view(&agent, "doc.fonts.status").await == "loaded"
                    && js(&customer, "return document.fonts.status").await == "loaded";
                ready.then_some(())
            })
            .await?;
            tokio::time::sleep(Duration::from_millis(300)).await;
            let diff = compare(&customer, &agent).await?;
            // (a) The same markup and the same visible text.
            let customer_html = js(&customer, "return document.body.innerHTML").await;
            let view_html = in_view(&agent, "doc.body.innerHTML").await;
            assert_eq!(normalize(&view_html), normalize(&customer_html), "{path}: the DOM");
            let customer_text = js(&customer, "return document.body.innerText").await;
            let view_text = in_view(&agent, "doc.body.innerText").await;
            assert_eq!(view_text, customer_text, "{path}: the visible text");
            eprintln!("screenshot match {path}: {:.3}% of pixels differ (threshold {:.1}%)", diff * 100.0, threshold * 100.0);
            report.push((path, diff, threshold));
        }
        for (path, diff, threshold) in report {
            assert!(diff <= threshold, "{path}: {:.3}% of pixels differ", diff * 100.0);
        }
        Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    }
    .await;
    h.finish(vec![customer, agent]).await;
    if let Err(e) = result {
        panic!("{e}");
    }
}

async fn mutation_storm(h: &Harness, customer: &WebDriver, agent: &WebDriver) -> TestResult {
    in_session(h, customer, agent, "/fixtures/mutating.html").await?;
    customer.find(By::Id("start")).await?.click().await?;
    eventually(
        "the storm to settle on the customer's page",
        START,
        || async {
            (js(customer, "return document.body.dataset.done || null").await == "yes").then_some(())
        },
    )
    .await?;
    // After 100 rounds of text, attribute, insert, remove and move changes, the same page.
    let customer_html = js(customer, "return document.body.innerHTML").await;
    eventually("the same DOM in the agent's view", START, || async {
        let agent_html = in_view(agent, "doc.body.innerHTML").await;
        let (a, c) = (normalize(&agent_html), normalize(&customer_html));
        (a == c).then_some(())
    })
    .await?;
    assert_eq!(
        in_view(agent, "doc.getElementById('clock').textContent").await,
        "100"
    );
    Ok(())
}

/// The body's markup without what never crosses (scripts, the widget), the view's markers,
/// and whitespace.
fn normalize(html: &serde_json::Value) -> String {
    let s = html.as_str().unwrap_or("");
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("<script") {
        out.push_str(&rest[..i]);
        rest = rest[i..]
            .find("</script>")
            .map_or("", |j| &rest[i + j + 9..]);
    }
    out.push_str(rest);
    let out = match out.find("<div data-cobrowse-widget") {
        Some(i) => out[..i].to_string(),
        None => out,
    };
    // Inline event handlers never cross (the capture drops them).
    let mut out = without_handlers(&out);
    // The view's own state markers (the customer's hover and focus) are not page content.
    for marker in ["hover", "focus-within", "focus", "active"] {
        out = out.replace(&format!(" data-cobrowse-{marker}=\"\""), "");
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `html` without ` on...="..."` attributes.
fn without_handlers(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find(" on") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 3..];
        let name_len = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after.len());
        let value = &after[name_len..];
        match value
            .strip_prefix("=\"")
            .and_then(|v| v.find('"').map(|j| &v[j + 1..]))
        {
            Some(tail) if name_len > 0 => rest = tail,
            _ => {
                out.push_str(" on");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

e2e!(fixture_css_in_js_rules_are_mirrored, css_in_js);
e2e!(fixture_a_mutation_storm_ends_identical, mutation_storm);
