//! Console logging for the agent console, off unless the console URL has `debug=1` (in the
//! query or the fragment), as on the reference.

use std::cell::Cell;

thread_local! {
    static ENABLED: Cell<Option<bool>> = const { Cell::new(None) };
}

fn enabled() -> bool {
    ENABLED.with(|e| {
        *e.get().get_or_insert_with(|| {
            let Some(location) = web_sys::window().map(|w| w.location()) else {
                return false;
            };
            let search = location.search().unwrap_or_default();
            let hash = location.hash().unwrap_or_default();
            [search, hash].iter().any(|part| {
                part.trim_start_matches(['?', '#'])
                    .split('&')
                    .any(|kv| kv == "debug=1")
            })
        })
    })
}

/// Logs `message` to the console when `debug=1` is in the URL.
pub fn log(message: &str) {
    if enabled() {
        web_sys::console::log_1(&format!("co-browse console: {message}").into());
    }
}
