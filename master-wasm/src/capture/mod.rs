//! DOM capture: a [`Mirror`] gives every captured node a stable id; [`describe`] decides what of
//! a node may leave the page (masking, sanitizing); [`take_snapshot`] walks a whole document and
//! [`BatchBuilder`] turns MutationObserver records into ordered batches.

mod cssom;
mod hover;
mod hover_css;
mod mirror;
mod mutations;
mod serialize;
mod setters;
mod snapshot;

pub use cssom::{rules_beyond_text, style_rules, CssomHooks};
pub use hover::{state_stylesheet, HoverMarks};
pub use hover_css::{is_marker, state_twin, FOCUS_ATTR, FOCUS_WITHIN_ATTR, HOVER_ATTR};
pub use mirror::Mirror;
pub use mutations::BatchBuilder;
pub use serialize::{describe, form_value, mask_text, OWN_ATTR, WIDGET_ATTR};
pub use setters::SetterHooks;
pub use snapshot::{focused, scroll_position, take_snapshot, viewport, window_scroll};
