//! E1: from a change on the customer's page to the agent's next frame showing it, through the
//! real relay with end-to-end encryption, in two headless Chromium browsers.
//!
//! The customer's page writes its clock (`performance.timeOrigin + now()`, the same system
//! clock in both browsers) into an element every 50 ms; the agent's console watches the
//! view for that text and takes its own clock in the next animation frame, which is when the
//! change gets painted.

use std::time::Duration;

use cobrowse_e2e::{in_session, in_view, js, Harness};

use crate::machine::LoadWatch;
use crate::report::{Better, Measure};
use crate::stats::percentile;
use crate::{BenchResult, Ctx};

const STAMP_EVERY_MS: u64 = 50;

pub async fn run(ctx: &Ctx) -> BenchResult<Vec<Measure>> {
    let h = Harness::start_shipped().await;
    let customer = h.browser().await;
    let agent = h.browser().await;
    let result = measure(ctx, &customer, &agent, &h).await;
    h.finish(vec![customer, agent]).await;
    result
}

async fn measure(
    ctx: &Ctx,
    customer: &thirtyfour::WebDriver,
    agent: &thirtyfour::WebDriver,
    h: &Harness,
) -> BenchResult<Vec<Measure>> {
    in_session(h, customer, agent, "/fixtures/typography.html")
        .await
        .map_err(|e| format!("could not start a session: {e}"))?;
    js(customer, "const e = document.createElement('div'); e.id = 'e1'; e.textContent = '0'; document.body.prepend(e);").await;
    cobrowse_e2e::eventually("the stamp in the view", Duration::from_secs(20), || async {
        in_view(agent, "!!doc.getElementById('e1')")
            .await
            .as_bool()
            .filter(|b| *b)
    })
    .await
    .map_err(|e| e.to_string())?;
    js(
        agent,
        "window.__lat = [];
         const frame = document.querySelector('[data-cobrowse-ui=view]');
         new MutationObserver(() => {
           const el = frame.contentDocument && frame.contentDocument.getElementById('e1');
           const stamp = el ? parseFloat(el.textContent) : 0;
           if (stamp > 1) requestAnimationFrame(() => window.__lat.push(performance.timeOrigin + performance.now() - stamp));
         }).observe(frame.contentDocument, { subtree: true, childList: true, characterData: true });",
    )
    .await;

    let stamps = if ctx.quick { 40 } else { 300 };
    let (mut p50s, mut p99s, mut all, mut busy) = (Vec::new(), Vec::new(), Vec::new(), false);
    for _ in 0..ctx.reps.min(5) {
        js(agent, "window.__lat.length = 0;").await;
        let watch = LoadWatch::start();
        js(
            customer,
            &format!(
                "let i = 0; const el = document.getElementById('e1');
                 const t = setInterval(() => {{
                   el.textContent = String(performance.timeOrigin + performance.now());
                   if (++i >= {stamps}) clearInterval(t);
                 }}, {STAMP_EVERY_MS});"
            ),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(stamps * STAMP_EVERY_MS + 1000)).await;
        busy |= watch.was_busy();
        let got: Vec<f64> = js(agent, "return window.__lat.slice();")
            .await
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_f64()).collect())
            .unwrap_or_default();
        if got.len() < stamps as usize / 2 {
            return Err(format!("the agent saw {} of {stamps} changes", got.len()).into());
        }
        p50s.push(percentile(&got, 50.0));
        p99s.push(percentile(&got, 99.0));
        all.extend(got);
    }
    let note = format!(
        "{} changes per repetition, one every {STAMP_EVERY_MS} ms; customer → relay → agent with \
         sealing, then the view's next animation frame. Over all: p50 {:.1} ms, p99 {:.1} ms. \
         A change waits for the customer's next frame (≤ 16.7 ms) before it is captured.",
        stamps,
        percentile(&all, 50.0),
        percentile(&all, 99.0)
    );
    Ok(vec![
        Measure::new(
            "E1",
            "customer mutation → agent paint, p50",
            "two Chromium pages via the relay",
            "ms",
            "p50 ≤ 8 ms",
        )
        .product(&p50s)
        .judge(Better::Lower, Some(8.0), None)
        .invalid_if(busy)
        .note(note),
        Measure::new(
            "E1",
            "customer mutation → agent paint, p99",
            "two Chromium pages via the relay",
            "ms",
            "p99 ≤ 16.7 ms",
        )
        .product(&p99s)
        .judge(Better::Lower, Some(16.7), None)
        .invalid_if(busy),
    ])
}
