//! Console logging for the agent console, off unless the console URL has `debug=1` (in the
//! query or the fragment), as on the reference. What the tests reach into the console with
//! lives in [`crate::test_hooks`], in test builds only.

use std::cell::Cell;

thread_local! {
    /// Whether the URL has `debug=1`, read once (a cache, not state).
    static ENABLED: Cell<Option<bool>> = const { Cell::new(None) };
}

pub fn enabled() -> bool {
    ENABLED.with(|cell| {
        let value = cell.get().unwrap_or_else(|| url_has("debug=1"));
        cell.set(Some(value));
        value
    })
}

/// Whether the console's URL has `pair` in its query or fragment.
pub(crate) fn url_has(pair: &str) -> bool {
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

/// Logs `message` to the console when `debug=1` is in the URL.
pub fn log(message: &str) {
    if enabled() {
        #[cfg(feature = "test-hooks")]
        crate::test_hooks::note_log(message);
        web_sys::console::log_1(&format!("co-browse console: {message}").into());
    }
}
