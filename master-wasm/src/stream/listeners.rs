//! The page events a stream listens to: form input, focus, presses (`:active`), stylesheet
//! loads, resizes, scrolls (ephemeral while moving, reliable once settled), the pointer, media
//! playback and the top layer. A frame's document and a shadow root get the subset that does
//! not reach the page's document by itself (see [`Root`]).

use std::cell::RefCell;
use std::rc::Rc;

use shared_protocol::page::Pointer;
use wasm_bindgen::JsCast;
use web_sys::{Document, EventTarget, Node};

use super::{Inner, SCROLL_SETTLE_MS};
use crate::browser::{Listener, Timeout};

/// Where a stream listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Root {
    /// The page's document (and its window).
    Page,
    /// A same-origin frame's document: its events never reach the page's.
    Frame,
    /// A shadow root: events that are not `composed` stop at its host.
    Shadow,
}

/// Media events that change what the agent's copy should play.
const MEDIA_EVENTS: [&str; 5] = ["play", "pause", "seeked", "ratechange", "volumechange"];
/// Events after which the top layer may differ (a popover's `toggle`, a dialog's `close`).
const LAYER_EVENTS: [&str; 3] = ["toggle", "close", "fullscreenchange"];

/// Listens on `target` (with `Root::Page`, the document and its window) for as long as the
/// returned listeners live.
pub(super) fn install(
    inner: &Rc<RefCell<Inner>>,
    target: &EventTarget,
    root: Root,
) -> Vec<Listener> {
    let doc = target;
    let mut listeners: Vec<Listener> = ["input", "change"]
        .into_iter()
        .map(|kind| {
            let weak = Rc::downgrade(inner);
            Listener::new(doc, kind, true, move |event| {
                let Some(inner) = weak.upgrade() else { return };
                let Some(target) = event.target() else { return };
                let mut inner = inner.borrow_mut();
                inner
                    .builder
                    .form()
                    .changed(target.unchecked_into::<Node>());
                inner.clock.schedule();
            })
        })
        .collect();
    for kind in MEDIA_EVENTS {
        let weak = Rc::downgrade(inner);
        listeners.push(Listener::new(doc, kind, true, move |event| {
            let Some(inner) = weak.upgrade() else { return };
            let Some(target) = event.target() else { return };
            let mut inner = inner.borrow_mut();
            inner.builder.media().changed(target.unchecked_into());
            inner.clock.schedule();
        }));
    }
    for kind in LAYER_EVENTS {
        let weak = Rc::downgrade(inner);
        listeners.push(Listener::new(doc, kind, true, move |_| {
            let Some(inner) = weak.upgrade() else { return };
            let mut inner = inner.borrow_mut();
            inner.builder.layers().moved();
            inner.clock.schedule();
        }));
    }
    // A `<link>` stylesheet that loads (or loads again, its `href` changed) has new rules; a
    // frame that loads shows another document.
    let weak = Rc::downgrade(inner);
    listeners.push(Listener::new(doc, "load", true, move |event| {
        let Some(inner) = weak.upgrade() else { return };
        let Some(target) = event.target() else { return };
        let node: Node = target.unchecked_into();
        let name = node.node_name();
        let mut inner = inner.borrow_mut();
        if name.eq_ignore_ascii_case("link") {
            inner.builder.sheets().owner_changed(node);
        } else if name.eq_ignore_ascii_case("iframe") || name.eq_ignore_ascii_case("frame") {
            inner.builder.dom().frame_loaded(node);
        } else {
            return;
        }
        inner.clock.schedule();
    }));
    let weak = Rc::downgrade(inner);
    listeners.push(Listener::new(doc, "scroll", true, move |event| {
        let Some(inner) = weak.upgrade() else { return };
        let Some(target) = event.target() else { return };
        on_scroll(&inner, target.unchecked_into::<Node>());
    }));
    if root == Root::Shadow {
        // Focus and pointer events are composed: the page's listeners see them.
        return listeners;
    }
    for kind in ["focusin", "focusout"] {
        let weak = Rc::downgrade(inner);
        listeners.push(Listener::new(doc, kind, true, move |_| {
            let Some(inner) = weak.upgrade() else { return };
            let mut inner = inner.borrow_mut();
            inner.builder.focus().moved();
            inner.clock.schedule();
        }));
    }
    for kind in ["pointerdown", "pointerup", "pointercancel"] {
        let weak = Rc::downgrade(inner);
        listeners.push(Listener::new(doc, kind, true, move |event| {
            let Some(inner) = weak.upgrade() else { return };
            let target = (kind == "pointerdown")
                .then(|| event.target())
                .flatten()
                .map(|t| t.unchecked_into::<Node>());
            let mut inner = inner.borrow_mut();
            inner.builder.focus().pressed(target);
            inner.clock.schedule();
        }));
    }
    if root == Root::Page {
        let weak = Rc::downgrade(inner);
        let window = crate::browser::window();
        listeners.push(Listener::new(window.as_ref(), "resize", false, move |_| {
            let Some(inner) = weak.upgrade() else { return };
            let mut inner = inner.borrow_mut();
            inner.builder.viewport().resized();
            inner.clock.schedule();
        }));
    }
    // A frame's pointer positions are the frame's: moved into the page's viewport. Leaving the
    // page is the page's to say (leaving a frame is entering the page around it).
    let frame_doc: Option<Document> = (root == Root::Frame).then(|| doc.clone().unchecked_into());
    for kind in ["pointermove", "pointerdown", "pointerout"] {
        let weak = Rc::downgrade(inner);
        let frame_doc = frame_doc.clone();
        listeners.push(Listener::new(doc, kind, true, move |event| {
            let Some(inner) = weak.upgrade() else { return };
            let e: &web_sys::PointerEvent = event.unchecked_ref();
            // `pointerout` to nowhere: the pointer left the page. A finger "leaves" after every
            // tap: the agent keeps seeing where it last touched.
            let gone = kind == "pointerout" && e.related_target().is_none();
            if kind == "pointerout" && (!gone || frame_doc.is_some() || e.pointer_type() == "touch")
            {
                return;
            }
            let (dx, dy) = frame_doc.as_ref().map_or((0.0, 0.0), frame_offset);
            let mut inner = inner.borrow_mut();
            inner.motion.pointer_at(Pointer {
                x: e.client_x() + dx.round() as i32,
                y: e.client_y() + dy.round() as i32,
                click: kind == "pointerdown",
                gone,
            });
            inner.clock.schedule();
        }));
    }
    listeners
}

/// Where frame document `doc`'s viewport starts in the page's: the content boxes of the frames
/// it is in, added up.
fn frame_offset(doc: &Document) -> (f64, f64) {
    let (mut x, mut y) = (0.0, 0.0);
    let mut window = doc.default_view();
    while let Some(w) = window {
        let Ok(Some(frame)) = w.frame_element() else {
            break;
        };
        let r = frame.get_bounding_client_rect();
        x += r.left() + f64::from(frame.client_left());
        y += r.top() + f64::from(frame.client_top());
        window = frame.owner_document().and_then(|d| d.default_view());
    }
    (x, y)
}

/// A scroll: its position goes out with the next frame (ephemeral), and once scrolling has
/// stopped for a moment, reliably with a batch.
fn on_scroll(inner: &Rc<RefCell<Inner>>, target: Node) {
    let weak = Rc::downgrade(inner);
    let settle = Timeout::new(SCROLL_SETTLE_MS, move || {
        let Some(inner) = weak.upgrade() else { return };
        let mut i = inner.borrow_mut();
        for node in i.motion.settled() {
            i.builder.scroll().settled(node);
        }
        i.clock.schedule();
    });
    let mut i = inner.borrow_mut();
    i.motion.scrolled(target, settle);
    i.clock.schedule();
}
