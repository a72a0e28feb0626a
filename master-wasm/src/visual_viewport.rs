//! Watches the part of the page the customer sees (`window.visualViewport`: a phone's pinch
//! zoom, its on-screen keyboard) and reports it when it changes, at most once per animation
//! frame: the visual viewport moves with every frame of a pinch, and only the latest matters.
//! What counts as a difference from the layout viewport is decided in shared-protocol
//! ([`VisualViewport::within`]).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Reflect;
use shared_protocol::page::Viewport;
use shared_protocol::visual_viewport::VisualViewport;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::EventTarget;

use crate::browser::{window, Listener, NextFrame};

/// Longest wait for the report when animation frames do not come (a hidden tab).
const FALLBACK_MS: i32 = 100;

type OnChange = Rc<dyn Fn(Option<VisualViewport>)>;

struct Watch {
    /// What was reported last.
    last: Option<VisualViewport>,
    pending: Option<NextFrame>,
    on_change: OnChange,
}

/// Reports the visual viewport to `on_change` as it changes; stops when dropped. A browser
/// without `visualViewport` reports nothing (its customers see the whole layout viewport).
#[must_use = "the visual viewport is no longer watched when this is dropped"]
pub struct VisualViewportWatch {
    _listeners: Vec<Listener>,
    watch: Rc<RefCell<Watch>>,
}

impl VisualViewportWatch {
    pub fn start(on_change: impl Fn(Option<VisualViewport>) + 'static) -> Self {
        let watch = Rc::new(RefCell::new(Watch {
            last: Self::current(),
            pending: None,
            on_change: Rc::new(on_change),
        }));
        let mut listeners = Vec::new();
        if let Some(visual) = visual_viewport() {
            let target: &EventTarget = visual.unchecked_ref();
            for kind in ["resize", "scroll"] {
                let weak = Rc::downgrade(&watch);
                listeners.push(Listener::new(target, kind, false, move |_| {
                    if let Some(watch) = weak.upgrade() {
                        schedule(&watch);
                    }
                }));
            }
        }
        Self {
            _listeners: listeners,
            watch,
        }
    }

    /// What was reported last (at the start: the visual viewport then, which a fresh view
    /// must be told at once).
    pub fn reported(&self) -> Option<VisualViewport> {
        self.watch.borrow().last
    }

    /// The visual viewport now.
    pub fn current() -> Option<VisualViewport> {
        let visual = visual_viewport()?;
        let read = |name: &str| {
            Reflect::get(&visual, &JsValue::from_str(name))
                .ok()
                .and_then(|v| v.as_f64())
                .unwrap_or(f64::NAN)
        };
        // Against where the view is scrolled (the window's scroll position), which is the
        // visual viewport's own in some engines and the layout viewport's in others.
        let w = window();
        let (x, y) = (w.scroll_x().unwrap_or(0.0), w.scroll_y().unwrap_or(0.0));
        VisualViewport::within(
            unzoomed_size()?,
            read("pageLeft") - x,
            read("pageTop") - y,
            read("width"),
            read("height"),
            read("scale"),
        )
    }
}

/// What the visual viewport is when nothing zooms or covers the page: the layout viewport
/// without its scrollbars (the visual viewport never includes them), which is the root's
/// client size (the body's in quirks mode).
fn unzoomed_size() -> Option<Viewport> {
    let doc = window().document()?;
    let root = match doc.compat_mode().as_str() {
        "CSS1Compat" => doc.document_element()?,
        _ => doc.body()?.into(),
    };
    Some(Viewport {
        width: root.client_width().max(0) as u32,
        height: root.client_height().max(0) as u32,
    })
}

fn visual_viewport() -> Option<JsValue> {
    Reflect::get(&window(), &JsValue::from_str("visualViewport"))
        .ok()
        .filter(|v| v.is_object())
}

fn schedule(watch: &Rc<RefCell<Watch>>) {
    let mut w = watch.borrow_mut();
    if w.pending.is_some() {
        return;
    }
    let weak = Rc::downgrade(watch);
    w.pending = Some(NextFrame::new(FALLBACK_MS, move || {
        let Some(watch) = weak.upgrade() else { return };
        let now = VisualViewportWatch::current();
        let changed = {
            let mut w = watch.borrow_mut();
            w.pending = None;
            let changed = w.last != now;
            w.last = now;
            changed.then(|| w.on_change.clone())
        };
        // Called with no borrow held: it may send, and sending may come back here.
        if let Some(on_change) = changed {
            on_change(now);
        }
    }));
}
