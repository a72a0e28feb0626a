//! DOM capture: a [`Mirror`] gives every captured node a stable id; [`describe`] decides what of
//! a node may leave the page (masking, sanitizing); [`SnapshotWalk`] walks a whole document (in
//! slices) and [`BatchBuilder`] turns what changed since (MutationObserver records for the tree,
//! one collector per other concern) into ordered batches. Frames'
//! documents and shadow roots are part of the one captured tree ([`tree`]); the top layer,
//! media and canvases are read apart ([`live_state`]).

mod batch;
mod changes;
mod cssom;
mod exact_numbers;
mod form_values;
mod hover;
mod live_state;
mod mirror;
mod mutations;
mod prototype_hooks;
mod rule_text;
mod serialize;
mod setters;
mod shadow_hooks;
mod sheet_changes;
mod sheets;
mod snapshot;
pub mod tree;
mod walk;

pub use batch::BatchBuilder;
pub use cssom::CssomHooks;
pub use form_values::form_value;
pub use hover::{state_stylesheet, HoverMarks};
pub use live_state::{canvas_pixels, is_visible, Tainted, WebGlHook};
pub use mirror::{Live, Mirror};
pub use serialize::{describe, Described, OWN_ATTR, WIDGET_ATTR};
pub use setters::SetterHooks;
pub use shadow_hooks::ShadowHooks;
pub use shared_css::{
    is_marker, state_twin, ACTIVE_ATTR, FOCUS_ATTR, FOCUS_WITHIN_ATTR, HOVER_ATTR,
};
pub use sheets::{adopted_sheets, element_sheet, same_sheets, SheetsSent};
pub use snapshot::{
    finish_snapshot, focused, scroll_position, take_snapshot, viewport, window_scroll,
};
pub use walk::SnapshotWalk;
