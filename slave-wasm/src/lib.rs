//! The agent console: a yew app. The agent signs in with a token, types the customer's code,
//! and sees the customer's page rebuilt in a sandboxed iframe (no scripts run there).
//!
//! - [`app`]: the root component and its state ([`app::Action`]).
//! - [`join_form`], [`viewer`]: one component each.
//! - [`session`]: one session's events ([`session_keys`]: the key exchange; [`session_link`]:
//!   numbering, heartbeats, reconnects); [`connection`]: the WebSocket to the relay.
//! - [`rebuild`]: applies snapshots and mutation batches to the iframe's document, with
//!   [`view_sheets`] (stylesheets by hash, the CSS proxy, the patch) and [`view_states`]
//!   (hover, focus, active).
//! - [`view_config`]: what the relay tells the console about the view (proxy, patch).

pub mod app;
#[cfg(feature = "bench")]
pub mod bench;
pub mod connection;
pub mod debug;
pub mod join_form;
pub mod rebuild;
pub mod session;
pub mod session_keys;
pub mod session_link;
pub mod view_config;
pub mod view_sheets;
pub mod view_states;
pub mod viewer;

use wasm_bindgen::prelude::*;

/// Mounts the console into the host page's `#app` element when the module loads. A page
/// without one (the browser-test runner, say) is left alone.
#[wasm_bindgen(start)]
pub fn mount_console() {
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"));
    if let Some(root) = root {
        view_config::load_css_patch();
        yew::Renderer::<app::App>::with_root(root).render();
    }
}
