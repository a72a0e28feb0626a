//! CSS rewriting that more than one part needs, all on cssparser's tokenizer (never regexes)
//! and all keeping text it does not understand exactly as it was:
//! - [`states`]: twins of `:hover`/`:focus`/`:active` selectors that match marker attributes;
//! - [`urls`]: every URL in a stylesheet (`url()`, `@import`, `image-set()`) mapped, so a sheet
//!   can move (into the agent's view, through the relay's proxy) without its URLs breaking.

pub mod states;
mod tokens;
pub mod urls;

pub use states::{is_marker, state_twin, ACTIVE_ATTR, FOCUS_ATTR, FOCUS_WITHIN_ATTR, HOVER_ATTR};
pub use urls::{rewrite_urls, UrlKind};
