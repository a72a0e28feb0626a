//! The browser-side code the customer's module (`master-wasm`) and the agent console
//! (`slave-wasm`) share: thin wrappers over browser APIs that both use the same way. What they
//! decide lives in `shared-protocol`, without I/O; what lives here only talks to the browser.
//!
//! - [`css_number`]: numbers into style text by the browser's formatting, not Rust's.
//! - [`fetch`]: one HTTP request and its whole answer (the long-polling transports).
//! - [`listener`]: an event listener removed when dropped.
//! - [`settings_doc`]: the settings the relay hands over, as the JS value the browser holds,
//!   for shared-protocol's typed readers.

pub mod css_number;
pub mod fetch;
pub mod listener;
pub mod settings_doc;
