//! Console logging for integrators, off unless the page asks for it before the snippet:
//! `window._cobrowse = { debug: true }`. Nothing is logged otherwise, as on the reference.

use std::cell::Cell;

thread_local! {
    static ENABLED: Cell<bool> = const { Cell::new(false) };
}

/// Reads `window._cobrowse.debug` once, at install.
pub fn init() {
    let enabled = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &"_cobrowse".into()).ok())
        .filter(|c| c.is_object())
        .and_then(|c| js_sys::Reflect::get(&c, &"debug".into()).ok())
        .is_some_and(|d| d.is_truthy());
    ENABLED.with(|e| e.set(enabled));
}

pub fn enabled() -> bool {
    ENABLED.with(|e| e.get())
}

/// Logs `message` to the console when debugging is on.
pub fn log(message: &str) {
    if enabled() {
        web_sys::console::log_1(&format!("co-browse: {message}").into());
    }
}
