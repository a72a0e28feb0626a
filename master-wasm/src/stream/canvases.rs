//! Canvas pixels for the agent: every [`CANVAS_FRAME_MS`], each captured canvas on the
//! customer's screen is read as an image and sent when it changed. Hidden tabs and canvases out
//! of view cost nothing. The read happens in an animation frame, after the page's own drawing
//! callbacks of that frame, so a WebGL canvas still holds what it drew; a canvas that drew
//! cross-origin pixels (tainted) is noted once as something the view cannot show.

use std::cell::RefCell;
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use shared_protocol::page::NodeId;
use shared_protocol::page_state::{CanvasFrame, Unshowable};
use wasm_bindgen::JsCast;

use super::Inner;
use crate::browser::{Interval, NextFrame};
use crate::capture::{canvas_pixels, is_visible, Live, Tainted};

/// The shortest time between two frames of one canvas (4 per second at most).
const CANVAS_FRAME_MS: i32 = 250;
/// The hash that stands for "tainted": noted once, never read again in this epoch.
const TAINTED: u64 = 0;

/// A hash of the frame each canvas last sent in this epoch.
#[derive(Default)]
pub(super) struct CanvasesSent(HashMap<NodeId, u64>);

impl CanvasesSent {
    /// A new view shows no canvas yet: every visible one goes again.
    pub(super) fn clear(&mut self) {
        self.0.clear();
    }

    /// Whether canvas `id`'s frame hashing to `hash` is new (and now counts as sent).
    fn changed(&mut self, id: NodeId, hash: u64) -> bool {
        self.0.insert(id, hash) != Some(hash)
    }
}

/// Starts reading canvases; stops when the returned timer is dropped.
pub(super) fn start(inner: &Rc<RefCell<Inner>>) -> Interval {
    let weak = Rc::downgrade(inner);
    let pending: Rc<RefCell<Option<NextFrame>>> = Rc::default();
    Interval::new(CANVAS_FRAME_MS, move || {
        let Some(inner) = weak.upgrade() else { return };
        if pending.borrow().is_some() || inner.borrow().doc.hidden() {
            return;
        }
        let (weak, slot) = (Rc::downgrade(&inner), pending.clone());
        let frame = NextFrame::new(CANVAS_FRAME_MS, move || {
            slot.borrow_mut().take();
            if let Some(inner) = weak.upgrade() {
                read(&inner);
            }
        });
        *pending.borrow_mut() = Some(frame);
    })
}

/// Reads every visible canvas and queues the frames that changed.
fn read(inner: &Rc<RefCell<Inner>>) {
    let Ok(mut guard) = inner.try_borrow_mut() else {
        return;
    };
    let inner = &mut *guard;
    if inner.slices.walking() {
        return;
    }
    let mut queued = false;
    for (id, node) in inner.mirror.live(Live::Canvas) {
        if !is_visible(node.unchecked_ref()) {
            continue;
        }
        match canvas_pixels(&node) {
            Ok(Some(image)) => {
                let mut hasher = DefaultHasher::new();
                image.hash(&mut hasher);
                if inner.canvases.changed(id, hasher.finish()) {
                    inner.builder.canvases().frame(CanvasFrame { id, image });
                    queued = true;
                }
            }
            Ok(None) => {}
            Err(Tainted) => {
                if inner.canvases.changed(id, TAINTED) {
                    inner.mirror.note_unshown(id, Unshowable::TaintedCanvas);
                    queued = true;
                }
            }
        }
    }
    if queued {
        inner.clock.schedule();
    }
}
