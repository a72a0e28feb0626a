//! The fidelity fixtures of `www/fixtures/`, one page per hard case, each mirrored end to end
//! and compared on what the agent's view computes.

use std::time::Duration;

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

macro_rules! e2e {
    ($name:ident, $flow:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let h = Harness::start().await;
            let customer = h.browser().await;
            let agent = h.browser().await;
            let result = $flow(&h, &customer, &agent).await;
            h.finish(vec![customer, agent]).await;
            if let Err(e) = result {
                panic!("{e}");
            }
        }
    };
}

e2e!(fixture_css_in_js_rules_are_mirrored, css_in_js);
