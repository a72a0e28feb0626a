//! Console logging for the agent console, off unless the console URL has `debug=1` (in the
//! query or the fragment), as on the reference. With `record=1` too, the plaintext of every
//! page frame the console opens is kept in `window.cobrowseRecorded` (an array of
//! `Uint8Array`s), so a privacy audit (and the leak tests) can search all the agent received.
//! With `debug=1`, `window.cobrowseCraft` also sends messages the console's UI would not (see
//! [`crate::session_control`]): how the tests play a modified console against the customer's
//! checks.

use std::cell::Cell;

use wasm_bindgen::JsCast;

thread_local! {
    static ENABLED: Cell<Option<bool>> = const { Cell::new(None) };
    static RECORDING: Cell<Option<bool>> = const { Cell::new(None) };
}

pub fn enabled() -> bool {
    cached(&ENABLED, || url_has("debug=1"))
}

fn recording() -> bool {
    cached(&RECORDING, || enabled() && url_has("record=1"))
}

/// The flag in `slot`, read from the URL the first time.
fn cached(
    slot: &'static std::thread::LocalKey<Cell<Option<bool>>>,
    read: impl FnOnce() -> bool,
) -> bool {
    slot.with(|cell| {
        let value = cell.get().unwrap_or_else(read);
        cell.set(Some(value));
        value
    })
}

/// Whether the console's URL has `pair` in its query or fragment.
fn url_has(pair: &str) -> bool {
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return false;
    };
    let search = location.search().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    [search, hash].iter().any(|part| {
        part.trim_start_matches(['?', '#'])
            .split('&')
            .any(|kv| kv == pair)
    })
}

/// Keeps an opened frame's payload, inflated to its postcard bytes, when recording.
pub fn record(payload: &[u8]) {
    if !recording() {
        return;
    }
    let Ok(plain) = shared_protocol::payload::payload_plain(payload) else {
        return;
    };
    let Some(window) = web_sys::window() else {
        return;
    };
    let key = wasm_bindgen::JsValue::from_str("cobrowseRecorded");
    let mut list = js_sys::Reflect::get(&window, &key).unwrap_or_default();
    if !js_sys::Array::is_array(&list) {
        list = js_sys::Array::new().into();
        let _ = js_sys::Reflect::set(&window, &key, &list);
    }
    list.unchecked_into::<js_sys::Array>()
        .push(&js_sys::Uint8Array::from(&plain[..]));
}

/// Logs `message` to the console when `debug=1` is in the URL.
pub fn log(message: &str) {
    if enabled() {
        if let Some(w) = web_sys::window() {
            let _ = js_sys::Reflect::set(&w, &"cobrowseLastLog".into(), &message.into());
        }
        web_sys::console::log_1(&format!("co-browse console: {message}").into());
    }
}
