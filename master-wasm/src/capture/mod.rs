//! DOM capture: a [`Mirror`] gives every captured node a stable id; [`describe`] decides what of
//! a node may leave the page (masking, sanitizing); [`SnapshotWalk`] walks a whole document (in
//! slices) and [`BatchBuilder`] turns MutationObserver records into ordered batches.

mod cssom;
mod hover;
mod mirror;
mod mutations;
mod serialize;
mod setters;
mod sheet_changes;
mod sheets;
mod snapshot;
mod walk;

pub use cssom::CssomHooks;
pub use hover::{state_stylesheet, HoverMarks};
pub use mirror::Mirror;
pub use mutations::BatchBuilder;
pub use serialize::{describe, form_value, Described, OWN_ATTR, WIDGET_ATTR};
pub use setters::SetterHooks;
pub use shared_css::{
    is_marker, state_twin, ACTIVE_ATTR, FOCUS_ATTR, FOCUS_WITHIN_ATTR, HOVER_ATTR,
};
pub use sheets::{adopted_sheets, element_sheet, same_sheets, SheetsSent};
pub use snapshot::{
    finish_snapshot, focused, scroll_position, take_snapshot, viewport, window_scroll,
};
pub use walk::SnapshotWalk;
