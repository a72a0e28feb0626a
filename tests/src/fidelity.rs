//! Comparing the customer's page with the agent's view of it: pixel for pixel (the
//! customer's viewport against the view's iframe, overlays hidden), and by normalized markup and
//! visible text.

use std::time::Duration;

use thirtyfour::prelude::*;

use crate::{in_view, js, pixels, TestResult};

/// The customer's viewport and the agent's view of it, pixel for pixel.
pub async fn compare(customer: &WebDriver, agent: &WebDriver) -> TestResult<f64> {
    let (theirs, ours) = captures(customer, agent).await?;
    Ok(pixels::difference(&theirs, &ours))
}

/// The customer's viewport and the agent's view of it as images of the same size (overlays
/// hidden; also kept in target/screenshots/<page>-{customer,agent}.png).
pub async fn captures(
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult<(pixels::Image, pixels::Image)> {
    // Neither side's co-browse overlays are part of the page.
    // The customer's own marks of what the agent cannot see (dashed outlines around masked
    // fields, drawn by a stylesheet of ours that is never captured) are off for the capture.
    js(
        customer,
        "document.querySelector('[data-cobrowse-widget]').style.display = 'none';
         for (const s of document.querySelectorAll('style[data-cobrowse-own]')) {
           if (s.textContent.includes('data-cobrowse-hidden')) s.sheet.disabled = true;
         }
         return 1",
    )
    .await;
    js(agent, "document.querySelector('[data-cobrowse-ui=customer-pointer]').style.display = 'none'; return 1").await;
    // The view is sized once its document arrived (until then its scale is no number).
    let scale = crate::eventually("the view sized", crate::START, || async {
        js(
            agent,
            "const w = document.querySelector('.frame-wrap');
             return w.getBoundingClientRect().width / parseFloat(w.style.width);",
        )
        .await
        .as_f64()
    })
    .await?;
    assert_eq!(scale, 1.0, "the agent's window shows the view unscaled");
    tokio::time::sleep(Duration::from_millis(400)).await;
    let customer_png = customer.screenshot_as_png().await?;
    // The view cut out of the console's window (WebKit's element screenshots of an iframe are
    // offset; the window's are right in every engine). It must be in the window whole.
    let at = js(
        agent,
        "const r = document.querySelector('[data-cobrowse-ui=view]').getBoundingClientRect();
         const d = devicePixelRatio;
         const whole = r.left >= 0 && r.top >= 0
           && r.right <= document.documentElement.clientWidth
           && r.bottom <= document.documentElement.clientHeight;
         return whole ? [r.left * d, r.top * d, r.width * d, r.height * d].map(Math.round) : null;",
    )
    .await;
    let Some(at) = at
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_u64()).collect::<Vec<_>>())
    else {
        return Err("the view is not wholly in the agent's window: make the window larger".into());
    };
    let window_png = agent.screenshot_as_png().await?;
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
    let theirs = pixels::decode(&customer_png)?;
    let mut ours = match at[..] {
        [left, top, width, height] => {
            pixels::decode(&window_png)?.crop(left as u32, top as u32, width as u32, height as u32)
        }
        _ => return Err(format!("the view's box: {at:?}").into()),
    };
    let _ = std::fs::write(
        dir.join(format!("{name}-agent.png")),
        pixels::encode(&ours)?,
    );
    for [left, top, width, height] in unshown_regions(agent).await? {
        ours.take_region(&theirs, left, top, width, height);
    }
    assert!(
        ours.width.abs_diff(theirs.width) <= 1 && ours.height.abs_diff(theirs.height) <= 1,
        "same size: view {}x{}, customer {}x{}",
        ours.width,
        ours.height,
        theirs.width,
        theirs.height
    );
    Ok((theirs, ours))
}

/// (a) of the comparison: the same markup and the same visible text (call after [`compare`],
/// which hides the overlays).
pub async fn same_markup_and_text(customer: &WebDriver, agent: &WebDriver, path: &str) {
    same_markup(customer, agent, path).await;
    let customer_text = js(customer, "return document.body.innerText").await;
    let view_text = in_view(agent, "doc.body.innerText").await;
    assert_eq!(view_text, customer_text, "{path}: the visible text");
}

/// The same markup in the view as on the page, node by node (what the page's engine
/// serializes against what the view's does: both follow the HTML standard, so this holds
/// across engines, where rendered text need not).
pub async fn same_markup(customer: &WebDriver, agent: &WebDriver, path: &str) {
    let customer_html = js(customer, "return document.body.innerHTML").await;
    let view_html = in_view(agent, "doc.body.innerHTML").await;
    assert_eq!(
        normalize(&view_html),
        normalize(&customer_html),
        "{path}: the DOM"
    );
}

/// The body's markup without what never crosses (scripts, the widget), the view's markers,
/// and whitespace.
pub fn normalize(html: &serde_json::Value) -> String {
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
    // Inline event handlers never cross (the capture drops them), nor do comments' texts.
    let mut out = without_comment_texts(&without_handlers(&out));
    // The view's own state markers (the customer's hover and focus) are not page content.
    for marker in ["hover", "focus-within", "focus", "active"] {
        out = out.replace(&format!(" data-cobrowse-{marker}=\"\""), "");
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `html` with every comment emptied (`<!---->`).
fn without_comment_texts(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find("<!--") {
        out.push_str(&rest[..i]);
        out.push_str("<!---->");
        rest = rest[i + 4..]
            .find("-->")
            .map_or("", |j| &rest[i + 4 + j + 3..]);
    }
    out.push_str(rest);
    out
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

/// The customer's viewport and the view by screenshot, `what` printed with the share of
/// differing pixels (the closing notes report it per fixture), at most `threshold`.
pub async fn screenshot_matches(
    customer: &WebDriver,
    agent: &WebDriver,
    what: &str,
    threshold: f64,
) -> TestResult {
    tokio::time::sleep(Duration::from_millis(300)).await;
    let diff = compare(customer, agent).await?;
    eprintln!(
        "screenshot match {what}: {:.3}% of pixels differ (threshold {:.1}%)",
        diff * 100.0,
        threshold * 100.0
    );
    assert!(
        diff <= threshold,
        "{what}: {:.3}% of pixels differ",
        diff * 100.0
    );
    Ok(())
}

/// The regions of the view (device pixels from its top left) that stand in for what it cannot
/// show: a labelled frame from another origin, a tainted or private canvas. The product names
/// each in the console's fidelity report, and a comparison accepts exactly these regions
/// (checked here: a region the report does not name is an error).
async fn unshown_regions(agent: &WebDriver) -> TestResult<Vec<[u32; 4]>> {
    let regions = crate::in_view(
        agent,
        "(() => {
           const out = [];
           const walk = (d, ox, oy) => {
             for (const f of d.querySelectorAll('iframe')) {
               const r = f.getBoundingClientRect();
               const inner = f.contentDocument;
               if (inner && inner.body && inner.body.hasAttribute('data-cobrowse-own')) {
                 out.push([ox + r.left, oy + r.top, ox + r.right, oy + r.bottom]);
               } else if (inner) {
                 walk(inner, ox + r.left + f.clientLeft, oy + r.top + f.clientTop);
               }
             }
             for (const c of d.querySelectorAll('canvas[data-cobrowse-unshown]')) {
               const r = c.getBoundingClientRect();
               out.push([ox + r.left, oy + r.top, ox + r.right, oy + r.bottom]);
             }
           };
           walk(doc, 0, 0);
           const d = devicePixelRatio;
           // Outwards to whole pixels: the edges' anti-aliasing belongs to the region.
           return out.map(([l, t, r, b]) => {
             const [x, y] = [Math.max(0, Math.floor(l * d)), Math.max(0, Math.floor(t * d))];
             return [x, y, Math.max(0, Math.ceil(r * d) - x), Math.max(0, Math.ceil(b * d) - y)];
           }).filter(([, , w, h]) => w > 0 && h > 0);
         })()",
    )
    .await;
    let regions: Vec<[u32; 4]> =
        serde_json::from_value(regions).map_err(|e| format!("the view's unshown regions: {e}"))?;
    if !regions.is_empty() {
        let named = crate::js(
            agent,
            "return document.querySelectorAll('[data-cobrowse-ui=unshown]').length",
        )
        .await;
        if named.as_u64().unwrap_or(0) == 0 {
            return Err(format!(
                "the view stands in for {} region(s) the fidelity report does not name",
                regions.len()
            )
            .into());
        }
    }
    Ok(regions)
}
