//! The agent's navigation bar, carried out in the customer's tab: back, forward, reload, and
//! URLs of the instrumented site only (http or https, at one of its origins).

use shared_protocol::agent_control::{Navigate, Refusal};
use shared_protocol::privacy::url_matches;
use wasm_bindgen::JsValue;

use crate::browser::window;

/// Where the agent may send the customer: `origins` (the site's, from the relay's
/// `allowed_origins`, `*` wildcards allowed), and always the origin of the page the customer is on.
pub fn resolve(to: &str, page_url: &str, origins: &[String]) -> Result<String, Refusal> {
    let url = web_sys::Url::new_with_base(to.trim(), page_url).map_err(|_| Refusal::Mismatch)?;
    if !matches!(url.protocol().as_str(), "http:" | "https:") {
        return Err(Refusal::OutsideSite);
    }
    let origin = url.origin();
    let page_origin = web_sys::Url::new(page_url).map(|u| u.origin()).ok();
    let inside = page_origin.as_deref() == Some(origin.as_str())
        || origins.iter().any(|pattern| {
            let pattern = pattern.trim_end_matches('/').to_ascii_lowercase();
            url_matches(&pattern, &origin.to_ascii_lowercase())
        });
    if inside {
        Ok(url.href())
    } else {
        Err(Refusal::OutsideSite)
    }
}

/// Navigates the customer's tab (checked first with [`resolve`] for a URL).
pub fn go(nav: &Navigate, page_url: &str, origins: &[String]) -> Result<(), Refusal> {
    let run = |r: Result<(), JsValue>| r.map_err(|_| Refusal::Mismatch);
    let w = window();
    match nav {
        Navigate::Back => run(w.history().and_then(|h| h.back())),
        Navigate::Forward => run(w.history().and_then(|h| h.forward())),
        Navigate::Reload => run(w.location().reload()),
        Navigate::To(to) => {
            let url = resolve(to, page_url, origins)?;
            run(w.location().assign(&url))
        }
    }
}
