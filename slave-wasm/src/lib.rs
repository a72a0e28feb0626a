//! The agent console: a yew app. The agent signs in with a token, types the customer's code,
//! and sees the customer's page rebuilt in a sandboxed iframe (no scripts run there).
//!
//! - [`root`]: the settings in the agent's language; [`app`]: the console under it;
//!   [`state`]: what the agent sees, changed by [`state::Action`].
//! - [`join_form`], [`viewer`], [`mode_toggle`], [`nav_bar`], [`theme_picker`],
//!   [`language_picker`]: one component each; [`settings`]: texts, languages, theme and write
//!   mode from the relay.
//! - [`session_control`]: the mode and write-mode actions ([`view_input`]: the agent's input
//!   on the view; [`typing_hold`]: the page's echo held back while the agent types).
//! - [`session`]: one session and its connection's events ([`session_relay`]: the relay's
//!   messages; [`session_page`]: the customer's page frames and the pointers;
//!   [`session_keys`]: the key exchange; [`session_link`]: numbering, heartbeats, reconnects;
//!   [`session_tasks`]: its timers); [`connection`]: the WebSocket to the relay, or HTTP long
//!   polling ([`polling`]) when a proxy refuses it.
//! - [`rebuild`]: applies snapshots and mutation batches to the iframe's document, with
//!   [`view_sheets`] (stylesheets by hash, the CSS proxy, the patch) and [`view_states`]
//!   (hover, focus, active).
//! - [`view_config`]: what the relay tells the console about the view (proxy, patch).
//! - [`debug`]: the console's log (`debug=1`); `test_hooks` (feature `test-hooks`, test
//!   builds only): what the end-to-end tests reach into the console with.

pub mod app;
#[cfg(feature = "bench")]
pub mod bench;
pub mod connection;
pub mod debug;
pub mod fidelity_report;
pub mod host_bridge;
pub mod join_form;
pub mod language_picker;
pub mod mode_toggle;
pub mod nav_bar;
pub mod polling;
pub mod rebuild;
pub mod root;
pub mod session;
pub mod session_control;
pub mod session_keys;
pub mod session_link;
pub mod session_page;
pub mod session_relay;
pub mod session_tasks;
pub mod settings;
pub mod state;
#[cfg(feature = "test-hooks")]
pub mod test_hooks;
pub mod theme_picker;
pub mod typing_hold;
pub mod view_config;
pub mod view_input;
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
        wasm_bindgen_futures::spawn_local(async move {
            let settings = settings::load(&language_picker::chosen()).await;
            if let Some(html) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.document_element())
            {
                let _ = html.set_attribute("lang", &settings.lang);
            }
            let settings = std::rc::Rc::new(settings);
            yew::Renderer::<root::Root>::with_root_and_props(root, root::RootProps { settings })
                .render();
        });
    }
}
