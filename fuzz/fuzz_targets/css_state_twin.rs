//! shared-css's `:hover`/`:focus` twin rewriter on any selector list never panics, however deep
//! the nesting, and a twin it makes is never empty.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared_css::state_twin;

fuzz_target!(|data: &[u8]| {
    let Ok(selectors) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(twin) = state_twin(selectors) {
        assert!(!twin.is_empty(), "{selectors:?}");
        let _ = state_twin(&twin);
    }
});
