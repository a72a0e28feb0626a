//! What the relay that serves the console offers the agent's view: its CSS proxy for the
//! stylesheets the customer's browser cannot read, and the operator's patch stylesheet
//! (`css_patch_url` in the relay's configuration), fetched once when the console starts.

use std::cell::RefCell;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

thread_local! {
    static PATCH: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The absolute prefix of the relay's CSS and font proxy (the relay that serves the console).
pub fn proxy_prefix() -> Option<String> {
    Some(format!("{}proxy/", crate::connection::relay_base()?))
}

/// The patch stylesheet, once loaded; `None` before that or when the relay has none.
pub fn css_patch() -> Option<String> {
    PATCH.with(|p| p.borrow().clone())
}

/// Fetches the patch from the relay (`/css-patch`; 204 when none is configured).
pub fn load_css_patch() {
    wasm_bindgen_futures::spawn_local(async {
        // Relative: beside the console's page, under the relay's base_path.
        match fetch_text("css-patch").await {
            Ok(Some(css)) => PATCH.with(|p| *p.borrow_mut() = Some(css)),
            Ok(None) => {}
            Err(e) => crate::debug::log(&format!("the CSS patch could not be loaded: {e}")),
        }
    });
}

/// GETs `url` from the relay that served the console; an HTTP error status is an error.
pub(crate) async fn fetch_ok(url: &str) -> Result<web_sys::Response, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|e| format!("{e:?}"))?;
    let response: web_sys::Response = response.unchecked_into();
    if !response.ok() {
        return Err(format!("HTTP {}", response.status()));
    }
    Ok(response)
}

async fn fetch_text(url: &str) -> Result<Option<String>, String> {
    let response = fetch_ok(url).await?;
    if response.status() == 204 {
        return Ok(None);
    }
    let text = response.text().map_err(|e| format!("{e:?}"))?;
    let text = JsFuture::from(text).await.map_err(|e| format!("{e:?}"))?;
    Ok(text.as_string().filter(|t| !t.trim().is_empty()))
}
