//! The customer module of co-browse: runs in the customer's browser, loaded by the snippet.
//!
//! - [`capture`]: turns the live DOM into snapshots and mutation batches with stable node ids,
//!   masking and sanitizing on the way out (nothing private or executable leaves the page).
//! - [`agent_control`]: the mode (pointer, write after consent) and the agent's actions,
//!   enforced here: nothing the mode or the page's restrictions forbid happens.
//! - [`privacy`]: the masking, blocking and read-only rules and what masked content becomes.
//! - [`widget`]: the co-browse button, consent, code and status, in an open shadow root.
//! - [`socket`]: the connection to the relay, a WebSocket or HTTP long polling ([`polling`])
//!   when a proxy refuses it; [`link`]: numbering, resends and heartbeats across reconnects.
//! - [`stream`]: one document streamed to the agent (snapshot slices, batches, motion), pushed
//!   into the [`stream::PageSink`] it was given as soon as each part is ready;
//!   [`visual_viewport`]: the part of the page a phone's customer sees (pinch zoom, keyboard).
//! - [`session`]: ties them together as owned parts (see its header): create a session, show
//!   the code, key with the agent, stream the page into a sink that seals and sends.
//! - [`errors`]: failures reported to the integrator (an event, a callback), never thrown.
//! - [`page_api`]: the [`page_api::Controls`] and event objects behind the page's
//!   `window.cobrowse`; [`options`]: the page's options (debug, onError, privacy).
//! - [`embed`]: the crate's Rust API, for Rust single-page apps that link it.
//!
//! The loader (`cobrowse.js`, served by the relay) imports this module and calls [`start`]
//! with the settings it fetched (`cobrowse.json`), the page's options (`window._cobrowse`) and
//! a listener for the page API's events; it builds `window.cobrowse` on the controls it gets. The feature `test-hooks` (test builds only,
//! `make wasm-test`) adds what the end-to-end tests read from the page.

pub mod agent_control;
#[cfg(feature = "bench")]
pub mod bench;
pub mod browser;
pub mod capture;
pub mod debug;
pub mod embed;
pub mod errors;
pub mod link;
pub mod navigation;
pub mod options;
pub mod page_api;
pub mod persist;
pub mod polling;
pub mod privacy;
pub mod session;
pub mod settings;
pub mod socket;
pub mod stream;
pub mod visual_viewport;
pub mod websocket_probe;
pub mod widget;

use wasm_bindgen::prelude::*;

/// Whether this page is shown in a frame (another page's `<iframe>`).
pub(crate) fn in_frame() -> bool {
    let window = browser::window();
    match window.top() {
        Ok(Some(top)) => top != window,
        _ => true,
    }
}

/// Installs the co-browse widget on the current page. `relay_url` is the co-browse server's
/// base URL (`http(s)://host:port`), from the snippet's `data-cobrowse-url` attribute;
/// `settings` is the relay's settings object the loader carries (see [`settings`]);
/// `options` the page's (`window._cobrowse`: `ui: false` hides the widget's button and views);
/// `on_event` hears the page API's events (see [`page_api`]).
///
/// In a frame the module stays passive (`undefined` is returned): co-browsing is the top
/// page's (one widget, one session), and the top page's module captures a same-origin frame's
/// document itself.
#[wasm_bindgen]
pub fn start(
    relay_url: &str,
    settings: JsValue,
    options: JsValue,
    on_event: Option<js_sys::Function>,
) -> Result<Option<page_api::Controls>, JsValue> {
    options::use_object(options.clone());
    debug::init();
    errors::install_panic_hook();
    if in_frame() {
        debug::log("in a frame: co-browsing is the top page's");
        #[cfg(feature = "test-hooks")]
        browser::mark_passive();
        return Ok(None);
    }
    debug::log(&format!("starting with relay {relay_url}"));
    let handle = session::install(
        relay_url.trim_end_matches('/'),
        settings::Settings::read(&settings),
        settings::shows_ui(&options),
        page_api::notify_js(on_event),
    )?;
    Ok(Some(page_api::Controls::new(handle)))
}
