//! A Rust single-page app (Yew) with co-browse built in through `master_wasm::embed`: its own
//! "Share my screen" button and consent question, the code shown in its markup, the session's
//! state from the events, its own answer to the agent's request for write mode. The relay's
//! URL comes from the page's address (`?relay=…`).
//!
//! [`app`]: the component and its state (changed through [`app::Action`]).

mod app;

use wasm_bindgen::prelude::*;

/// Mounts the app. Its own panic hook writes into the page (the test checks that co-browse
/// left it in place: the crate replaces no hook unless asked). Set through Yew, which installs
/// its own otherwise.
#[wasm_bindgen(start)]
pub fn main() {
    yew::set_custom_panic_hook(Box::new(|info| {
        let text = format!("the app's own panic hook: {info}");
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("panicked"))
        {
            el.set_text_content(Some(&text));
        }
    }));
    yew::Renderer::<app::App>::new().render();
}
