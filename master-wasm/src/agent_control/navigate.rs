//! The agent's navigation bar, carried out in the customer's tab: back, forward, reload, and
//! URLs of the instrumented site only (http or https, at one of its origins).
//!
//! `history.back()` says nothing of where it leads, and a page being left cannot cancel a
//! cross-document traversal reliably (the `navigate` event may not cancel it, `pagehide` is
//! too late). So back and forward go only to an entry known beforehand to be within the site:
//! the Navigation API's `navigation.entries()`, which lists the tab's entries of this page's
//! origin next to the current one (never another origin's). Without the Navigation API, or
//! when the entry is another origin's, back and forward are refused as outside the site.

use js_sys::{Array, Reflect};
use shared_protocol::agent_control::{Navigate, Refusal};
use shared_protocol::privacy::url_matches;
use wasm_bindgen::{JsCast, JsValue};

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
        Navigate::Back => {
            history_entry(-1, page_url, origins)?;
            run(w.history().and_then(|h| h.back()))
        }
        Navigate::Forward => {
            history_entry(1, page_url, origins)?;
            run(w.history().and_then(|h| h.forward()))
        }
        Navigate::Reload => run(w.location().reload()),
        Navigate::To(to) => {
            let url = resolve(to, page_url, origins)?;
            run(w.location().assign(&url))
        }
    }
}

/// The URL of the history entry `delta` steps from the current one, when it is known and
/// within the site.
fn history_entry(delta: i32, page_url: &str, origins: &[String]) -> Result<String, Refusal> {
    let get = |on: &JsValue, key: &str| {
        Reflect::get(on, &key.into())
            .ok()
            .filter(|v| !v.is_undefined() && !v.is_null())
    };
    let navigation = get(window().as_ref(), "navigation").ok_or(Refusal::OutsideSite)?;
    let current = get(&navigation, "currentEntry").ok_or(Refusal::OutsideSite)?;
    let index = get(&current, "index")
        .and_then(|i| i.as_f64())
        .ok_or(Refusal::OutsideSite)?;
    let entries = Reflect::get(&navigation, &"entries".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call0(&navigation).ok())
        .ok_or(Refusal::OutsideSite)?;
    let wanted = index + delta as f64;
    let url = Array::from(&entries)
        .iter()
        .find(|e| get(e, "index").and_then(|i| i.as_f64()) == Some(wanted))
        .and_then(|e| get(&e, "url")?.as_string())
        .ok_or(Refusal::OutsideSite)?;
    resolve(&url, page_url, origins)
}
