//! P0: what co-browse costs a page view that never co-browses, and how soon it starts when the
//! customer presses the button. Through the real relay (shipped bundles), in headless Chromium.
//!
//! - P0a: the bytes the page loads before co-browse starts (the loader and `cobrowse.json`, as
//!   the relay serves them, brotli 11) against `@rrweb/record`, which a page loads on every view.
//! - P0b: main-thread time the snippet adds to a page load: Chromium's `TaskDuration` (DevTools
//!   `Performance.getMetrics`) of the same page loaded with the snippet and with the snippet's
//!   URL blocked, interleaved; the difference of each pair.
//! - P0c: from the press to the code shown, the HTTP cache off (a first-time customer): the
//!   module loaded and its consent question shown, plus from the customer's yes to the code
//!   (the customer's own time to answer left out).

use std::time::Duration;

use cobrowse_e2e::{eventually, js, widget, Harness};
use serde_json::{json, Value};
use thirtyfour::cdp::Cdp;
use thirtyfour::WebDriver;

use super::bundle::brotli_len;
use crate::report::{Better, Measure};
use crate::{BenchResult, Ctx};

const PAGE: &str = "/fixtures/typography.html";
/// How long P0b lets a page run after its load event: the snippet's request for its settings
/// and the button's drawing fit well within it on a loopback relay.
const SETTLE: Duration = Duration::from_millis(500);

pub async fn run(ctx: &Ctx) -> BenchResult<Vec<Measure>> {
    let h = Harness::start_shipped().await;
    let customer = h.browser().await;
    let result = measure(ctx, &h, &customer).await;
    h.finish(vec![customer]).await;
    result
}

async fn measure(ctx: &Ctx, h: &Harness, customer: &WebDriver) -> BenchResult<Vec<Measure>> {
    let mut rows = vec![bytes_before_start(ctx, h).await?];
    let devtools = customer.cdp();
    devtools.send_raw("Performance.enable", json!({})).await?;
    devtools.send_raw("Network.enable", json!({})).await?;
    let reps = if ctx.quick { 1 } else { ctx.reps.max(5) };
    let page = format!("{}{PAGE}", h.demo_url());

    let mut added = Vec::new();
    for _ in 0..reps {
        let with = task_ms(customer, &devtools, &page, true).await?;
        let without = task_ms(customer, &devtools, &page, false).await?;
        added.push(with - without);
    }
    rows.push(
        Measure::new(
            "P0b",
            "main-thread time the snippet adds to a page load",
            "typography fixture, snippet vs blocked",
            "ms",
            "≤ 2 ms",
        )
        .product(&added)
        .judge(Better::Lower, Some(2.0), None)
        .note(
            "Chromium's TaskDuration after the page settled (the button drawn), the same page \
             with the snippet's URL blocked subtracted; pairs interleaved.",
        ),
    );

    devtools
        .send_raw("Network.setBlockedURLs", json!({ "urls": [] }))
        .await?;
    devtools
        .send_raw("Network.setCacheDisabled", json!({ "cacheDisabled": true }))
        .await?;
    let mut starts = Vec::new();
    for _ in 0..reps {
        starts.push(press_to_code(customer, &page).await?);
    }
    rows.push(
        Measure::new(
            "P0c",
            "press → code shown (module loaded, session created)",
            "HTTP cache off, relay on loopback",
            "ms",
            "≤ 300 ms",
        )
        .product(&starts)
        .judge(Better::Lower, Some(300.0), None)
        .note(
            "The press to the consent question (the module fetched, compiled and started) plus \
             the customer's yes to the code (connection, session created).",
        ),
    );
    Ok(rows)
}

async fn bytes_before_start(ctx: &Ctx, h: &Harness) -> BenchResult<Measure> {
    let client = reqwest::Client::new();
    let mut ours = 0;
    for path in ["/cobrowse.js", "/cobrowse.json"] {
        let body = client
            .get(format!("{}{path}", h.started.relay_url))
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        ours += brotli_len(&body);
    }
    let rrweb = ctx
        .node_modules()
        .join("@rrweb/record/dist/record.umd.min.cjs");
    let peer = brotli_len(&std::fs::read(&rrweb).map_err(|e| format!("{}: {e}", rrweb.display()))?);
    Ok(Measure::new(
        "P0a",
        "bytes a page loads before co-browse starts, brotli",
        "cobrowse.js + cobrowse.json",
        "bytes",
        "≤ 3 KB",
    )
    .versus("@rrweb/record (umd.min)", &[ours as f64], &[peer as f64])
    .judge(Better::Lower, Some(3000.0), None))
}

/// `TaskDuration` in ms of loading `page` until it settled, with or without the snippet.
async fn task_ms(
    customer: &WebDriver,
    devtools: &Cdp,
    page: &str,
    snippet: bool,
) -> BenchResult<f64> {
    let blocked: Vec<&str> = if snippet {
        vec![]
    } else {
        vec!["*/cobrowse.js"]
    };
    devtools
        .send_raw("Network.setBlockedURLs", json!({ "urls": blocked }))
        .await?;
    customer.goto("about:blank").await?;
    let before = task_duration(devtools).await?;
    customer.goto(page).await?;
    // Nothing runs in the page until the figure is read: a WebDriver call is a task of the
    // page's main thread (polling for the button cost more than the snippet itself). The page
    // settles for the same time either way, then the button must be there, else the figure
    // would have left its drawing out.
    tokio::time::sleep(SETTLE).await;
    let after = task_duration(devtools).await?;
    if snippet && widget(customer, "start").await.is_err() {
        return Err(format!(
            "the co-browse button was not drawn {} ms after the page loaded, so P0b would leave \
             its drawing out",
            SETTLE.as_millis()
        )
        .into());
    }
    Ok((after - before) * 1000.0)
}

async fn task_duration(devtools: &Cdp) -> BenchResult<f64> {
    let metrics = devtools
        .send_raw("Performance.getMetrics", json!({}))
        .await?;
    metrics["metrics"]
        .as_array()
        .and_then(|all| all.iter().find(|m| m["name"] == "TaskDuration"))
        .and_then(|m| m["value"].as_f64())
        .ok_or_else(|| format!("no TaskDuration in {metrics}").into())
}

/// The press to the consent question plus the yes to the code, in the page's own clock.
async fn press_to_code(customer: &WebDriver, page: &str) -> BenchResult<f64> {
    customer.goto(page).await?;
    eventually("the co-browse button", Duration::from_secs(20), || async {
        widget(customer, "start").await.ok()
    })
    .await
    .map_err(|e| e.to_string())?;
    let took: Value = js(
        customer,
        "const part = (ui) => {
           const hosts = document.querySelectorAll('[data-cobrowse-widget]');
           const h = hosts[hosts.length - 1];
           const e = h && h.shadowRoot.querySelector('[data-cobrowse-ui=' + ui + ']');
           return e && !e.hidden && e.getClientRects().length ? e : null;
         };
         const until = (test) => new Promise((done, fail) => {
           const t0 = performance.now();
           const poll = () => test() ? done(performance.now())
             : performance.now() - t0 > 20000 ? fail(new Error('timed out'))
             : requestAnimationFrame(poll);
           poll();
         });
         const pressed = performance.now();
         part('start').click();
         return until(() => part('confirm')).then((asked) => {
           const yes = performance.now();
           part('confirm').click();
           return until(() => /^[0-9 ]{11}$/.test((part('code') || {}).textContent || ''))
             .then((shown) => { window.cobrowse.exit(); return (asked - pressed) + (shown - yes); });
         });",
    )
    .await;
    took.as_f64()
        .ok_or_else(|| format!("no timing from the page: {took}").into())
}
