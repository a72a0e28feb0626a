//! Where a stream's output goes. The stream pushes each part as soon as it is ready (at the
//! end of a frame, after a snapshot slice, on a resnapshot); nothing above it asks for parts.

use shared_protocol::page::CustomerPageMsg;

/// What a [`super::PageStream`] hands over, in the order the agent must apply it.
pub trait PageSink {
    /// A part the agent needs in full and in order: snapshot slices, the snapshot, batches.
    fn reliable(&self, msg: CustomerPageMsg);
    /// Where the pointer and in-motion scrolling are now: only the latest matters.
    fn ephemeral(&self, msg: CustomerPageMsg);
    /// At the end of each frame: how many fields (and blocked elements) are hidden from the
    /// agent, and the page's legend for them.
    fn hidden(&self, count: u32, legend: &str);
}
