//! Console logging for integrators, off unless the page's options ask for it
//! (`window._cobrowse = { debug: true }` before the snippet, the package's or the crate's
//! `debug`). Nothing is logged otherwise, as on the reference.

use std::cell::Cell;

thread_local! {
    static ENABLED: Cell<bool> = const { Cell::new(false) };
}

/// Reads the options' `debug` once, at install.
pub fn init() {
    ENABLED.with(|e| e.set(crate::options::debug()));
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
