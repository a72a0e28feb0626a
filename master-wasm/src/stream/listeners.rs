//! The page events a stream listens to: form input, focus, presses (`:active`), stylesheet
//! loads, resizes, scrolls (ephemeral while moving, reliable once settled) and the pointer.

use std::cell::RefCell;
use std::rc::Rc;

use shared_protocol::page::Pointer;
use wasm_bindgen::JsCast;
use web_sys::{Document, Node};

use super::{Inner, SCROLL_SETTLE_MS};
use crate::browser::{Listener, Timeout};

/// Listens on `doc` (and its window) for as long as the returned listeners live.
pub(super) fn install(inner: &Rc<RefCell<Inner>>, doc: &Document) -> Vec<Listener> {
    let mut listeners: Vec<Listener> = ["input", "change"]
        .into_iter()
        .map(|kind| {
            let weak = Rc::downgrade(inner);
            Listener::new(doc.as_ref(), kind, true, move |event| {
                let Some(inner) = weak.upgrade() else { return };
                let Some(target) = event.target() else { return };
                let mut inner = inner.borrow_mut();
                inner.builder.form_changed(target.unchecked_into::<Node>());
                inner.schedule();
            })
        })
        .collect();
    for kind in ["focusin", "focusout"] {
        let weak = Rc::downgrade(inner);
        listeners.push(Listener::new(doc.as_ref(), kind, true, move |_| {
            let Some(inner) = weak.upgrade() else { return };
            let mut inner = inner.borrow_mut();
            inner.builder.refocused();
            inner.schedule();
        }));
    }
    // A `<link>` stylesheet that loads (or loads again, its `href` changed) has new rules.
    let weak = Rc::downgrade(inner);
    listeners.push(Listener::new(doc.as_ref(), "load", true, move |event| {
        let Some(inner) = weak.upgrade() else { return };
        let Some(target) = event.target() else { return };
        let node: Node = target.unchecked_into();
        if node.node_name().eq_ignore_ascii_case("link") {
            let mut inner = inner.borrow_mut();
            inner.builder.sheets.owner_changed(node);
            inner.schedule();
        }
    }));
    for kind in ["pointerdown", "pointerup", "pointercancel"] {
        let weak = Rc::downgrade(inner);
        listeners.push(Listener::new(doc.as_ref(), kind, true, move |event| {
            let Some(inner) = weak.upgrade() else { return };
            let target = (kind == "pointerdown")
                .then(|| event.target())
                .flatten()
                .map(|t| t.unchecked_into::<Node>());
            let mut inner = inner.borrow_mut();
            inner.builder.pressed(target);
            inner.schedule();
        }));
    }
    let weak = Rc::downgrade(inner);
    let window = crate::browser::window();
    listeners.push(Listener::new(window.as_ref(), "resize", false, move |_| {
        let Some(inner) = weak.upgrade() else { return };
        let mut inner = inner.borrow_mut();
        inner.builder.resized();
        inner.schedule();
    }));
    let weak = Rc::downgrade(inner);
    listeners.push(Listener::new(doc.as_ref(), "scroll", true, move |event| {
        let Some(inner) = weak.upgrade() else { return };
        let Some(target) = event.target() else { return };
        on_scroll(&inner, target.unchecked_into::<Node>());
    }));
    for kind in ["pointermove", "pointerdown", "pointerout"] {
        let weak = Rc::downgrade(inner);
        listeners.push(Listener::new(doc.as_ref(), kind, true, move |event| {
            let Some(inner) = weak.upgrade() else { return };
            let e: &web_sys::PointerEvent = event.unchecked_ref();
            // `pointerout` to nowhere: the pointer left the page.
            let gone = kind == "pointerout" && e.related_target().is_none();
            if kind == "pointerout" && !gone {
                return;
            }
            let mut inner = inner.borrow_mut();
            inner.pointer = Some(Pointer {
                x: e.client_x(),
                y: e.client_y(),
                click: kind == "pointerdown",
                gone,
            });
            inner.schedule();
        }));
    }
    listeners
}

/// A scroll: its position goes out with the next frame (ephemeral), and once scrolling has
/// stopped for a moment, reliably with a batch.
fn on_scroll(inner: &Rc<RefCell<Inner>>, target: Node) {
    let mut i = inner.borrow_mut();
    i.moving.push(target.clone());
    i.unsettled.push(target);
    let weak = Rc::downgrade(inner);
    i.settle = Some(Timeout::new(SCROLL_SETTLE_MS, move || {
        let Some(inner) = weak.upgrade() else { return };
        let mut i = inner.borrow_mut();
        i.settle = None;
        let nodes = std::mem::take(&mut i.unsettled);
        for node in nodes {
            i.builder.scroll_settled(node);
        }
        i.schedule();
    }));
    i.schedule();
}
