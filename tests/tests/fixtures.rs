//! The fidelity fixtures of `www/fixtures/`, one page per hard case, each mirrored end to end
//! and compared on what the agent's view computes: the same markup and visible text, and the
//! same pixels.

use std::time::Duration;

use cobrowse_e2e::engine::Engine;
use cobrowse_e2e::fidelity::{compare, normalize, same_markup_and_text};
use cobrowse_e2e::firefox::Firefox;
use cobrowse_e2e::webkit::WebKit;
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
const SCREENSHOT_FIXTURES: [(&str, f64); 13] = [
    ("/fixtures/typography.html", 0.005),
    ("/fixtures/relative-urls.html", 0.005),
    ("/fixtures/layout.html", 0.005),
    ("/fixtures/nested-scroll.html", 0.005),
    ("/fixtures/forms.html", 0.01),
    ("/fixtures/css-in-js.html", 0.005),
    ("/fixtures/stylesheets.html", 0.005),
    ("/fixtures/fonts.html", 0.005),
    ("/fixtures/background-layers.html", 0.005),
    ("/fixtures/sliced-standards.html", 0.005),
    ("/fixtures/scroll-behavior.html", 0.005),
    ("/fixtures/fractional-scroll.html", 0.005),
    ("/account.html", 0.01),
];

/// Fixtures whose fix needs CSS Typed OM, which Firefox does not have: its `cssText` rounds
/// `58.33333333%` to `58.3333%` and nothing else reads the number back whole there.
const NOT_IN_FIREFOX: [&str; 1] = ["/fixtures/fractional-scroll.html"];

/// Each screenshot fixture in turn, one session across page loads, compared by screenshot:
/// `customer` at 1280 × 800, `agent` wide and tall enough to show it at scale 1, both in one
/// engine (`engine`, printed with each figure so the notes can give them per engine).
async fn fixtures_by_screenshot(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
    engine: &str,
) -> TestResult {
    let (first, _) = SCREENSHOT_FIXTURES[0];
    in_session(h, customer, agent, first).await?;
    let mut report = Vec::new();
    for (path, threshold) in SCREENSHOT_FIXTURES {
        if engine == Firefox::NAME && NOT_IN_FIREFOX.contains(&path) {
            continue;
        }
        if path != first {
            // A page load: the session continues with a new snapshot.
            customer.goto(&format!("{}{path}", h.demo_url())).await?;
        }
        let title = js(customer, "return document.title").await;
        eventually(&format!("{path} in the agent's view"), START, || async {
            let shown = in_view(agent, "doc.title").await == title
                && agent_status(agent).await.contains("viewing")
                && in_view(agent, "[...doc.styleSheets].every(s => { try { return s.cssRules.length >= 0 } catch (e) { return true } })").await == true;
            shown.then_some(())
        })
        .await?;
        // Web fonts load after the page: wait for both sides' fonts.
        eventually(
            &format!("{path}: fonts loaded in the view"),
            START,
            || async {
                let ready = in_view(agent, "doc.fonts.status").await == "loaded"
                    && js(customer, "return document.fonts.status").await == "loaded";
                ready.then_some(())
            },
        )
        .await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let diff = compare(customer, agent).await?;
        same_markup_and_text(customer, agent, path).await;
        eprintln!(
            "screenshot match ({engine}) {path}: {:.3}% of pixels differ (threshold {:.1}%)",
            diff * 100.0,
            threshold * 100.0
        );
        report.push((path, diff, threshold));
    }
    for (path, diff, threshold) in report {
        assert!(
            diff <= threshold,
            "{engine}, {path}: {:.3}% of pixels differ",
            diff * 100.0
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixtures_match_by_screenshot() {
    let h = Harness::start().await;
    let customer = h.browser_sized(1280, 800).await;
    let agent = h.browser_sized(1400, 1100).await;
    let result = fixtures_by_screenshot(&h, &customer, &agent, "Chromium").await;
    h.finish(vec![customer, agent]).await;
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Both sides in `E`: the view renders as the page does in the same engine.
async fn fixtures_match_by_screenshot_in<E: Engine>() {
    let h = Harness::start().await;
    let customer = E::open(1280, 800).await;
    let agent = E::open(1400, 1100).await;
    let result = fixtures_by_screenshot(&h, customer.driver(), agent.driver(), E::NAME).await;
    customer.quit().await;
    agent.quit().await;
    h.finish(vec![]).await;
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixtures_match_by_screenshot_in_firefox() {
    fixtures_match_by_screenshot_in::<Firefox>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixtures_match_by_screenshot_in_webkit() {
    fixtures_match_by_screenshot_in::<WebKit>().await;
}

/// A CSS-only menu opened by the customer's pointer, in the agent's view as on the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixture_hover_menu_matches_by_screenshot() {
    let h = Harness::start().await;
    let customer = h.browser_sized(1280, 800).await;
    let agent = h.browser_sized(1400, 1100).await;
    let result = async {
        in_session(&h, &customer, &agent, "/fixtures/hover-menu.html").await?;
        let products = customer.find(By::Id("products")).await?;
        let loans = customer.find(By::Id("loans")).await?;
        customer
            .action_chain()
            .move_to_element_center(&products)
            .move_to_element_center(&loans)
            .perform()
            .await?;
        let opened = "getComputedStyle(doc.querySelector('#loans')).backgroundColor";
        eventually("the submenu open and its item hovered in the view", START, || async {
            (in_view(&agent, opened).await == "rgb(255, 229, 138)").then_some(())
        })
        .await?;
        let diff = compare(&customer, &agent).await?;
        eprintln!("screenshot match /fixtures/hover-menu.html (menu open): {:.3}% of pixels differ (threshold 0.5%)", diff * 100.0);
        assert!(diff <= 0.005, "{:.3}% of pixels differ", diff * 100.0);
        same_markup_and_text(&customer, &agent, "/fixtures/hover-menu.html").await;
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
    let diff = compare(customer, agent).await?;
    eprintln!("screenshot match /fixtures/mutating.html (after the storm): {:.3}% of pixels differ (threshold 0.5%)", diff * 100.0);
    assert!(diff <= 0.005, "{:.3}% of pixels differ", diff * 100.0);
    same_markup_and_text(customer, agent, "/fixtures/mutating.html").await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixture_a_mutation_storm_ends_identical() {
    let h = Harness::start().await;
    // Sized so the view shows unscaled, for the screenshot at the end.
    let customer = h.browser_sized(1280, 800).await;
    let agent = h.browser_sized(1400, 1100).await;
    let result = mutation_storm(&h, &customer, &agent).await;
    h.finish(vec![customer, agent]).await;
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// A large page changing all the time: its snapshot is walked in slices while rows move,
/// change, go and come between them; the view must end up the same page, values included.
async fn large_live_page(h: &Harness, customer: &WebDriver, agent: &WebDriver) -> TestResult {
    in_session(h, customer, agent, "/fixtures/large.html").await?;
    eventually("the large page in the agent's view", START, || async {
        let rows = in_view(agent, "doc.querySelectorAll('.row').length").await;
        (rows.as_u64().unwrap_or(0) > 2900).then_some(())
    })
    .await?;
    let ticks = js(
        customer,
        "stopChurn(); return Number(document.body.dataset.ticks)",
    )
    .await;
    assert!(
        ticks.as_u64().unwrap_or(0) > 50,
        "the page changed all along: {ticks} changes"
    );
    let values = "[...DOC.querySelectorAll('input')].map(i => i.value).join('|')";
    let customer_html = js(customer, "return document.body.innerHTML").await;
    let customer_values = js(
        customer,
        &format!("return {}", values.replace("DOC", "document")),
    )
    .await;
    eventually(
        "the same DOM and values in the agent's view",
        START,
        || async {
            let agent_html = in_view(agent, "doc.body.innerHTML").await;
            let same = normalize(&agent_html) == normalize(&customer_html)
                && in_view(agent, &values.replace("DOC", "doc")).await == customer_values;
            same.then_some(())
        },
    )
    .await?;
    same_markup_and_text(customer, agent, "/fixtures/large.html").await;
    Ok(())
}

e2e!(fixture_css_in_js_rules_are_mirrored, css_in_js);
e2e!(
    fixture_a_large_page_changing_during_its_snapshot_ends_identical,
    large_live_page
);
