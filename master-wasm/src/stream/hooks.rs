//! What feeds a stream besides its MutationObserver: the page's listeners, the setter, CSSOM
//! and shadow-root hooks, the periodic check of adopted sheets, the canvas reader and the WebGL
//! hook. Each notes its change in the stream's batch builder and asks for a frame; all stop
//! when [`Hooks`] is dropped.

use std::cell::RefCell;
use std::rc::Rc;

use web_sys::Document;

use super::listeners::{self, Root};
use super::{canvases, Inner};
use crate::browser::{Interval, Listener};
use crate::capture::{CssomHooks, SetterHooks, ShadowHooks, WebGlHook};

/// How often the adopted sheets are compared: `adoptedStyleSheets.push()` calls no setter.
const ADOPTED_CHECK_MS: i32 = 500;

/// Everything installed on the page for one stream, removed on drop.
#[must_use = "the hooks are removed when this is dropped"]
pub(super) struct Hooks {
    _listeners: Vec<Listener>,
    _setters: SetterHooks,
    _cssom: CssomHooks,
    _adopted_check: Interval,
    _shadows: ShadowHooks,
    _canvases: Interval,
    _webgl: WebGlHook,
}

impl Hooks {
    pub(super) fn install(inner: &Rc<RefCell<Inner>>, doc: &Document) -> Self {
        let weak = Rc::downgrade(inner);
        let cssom = CssomHooks::install(move |owner| {
            let Some(inner) = weak.upgrade() else { return };
            let Ok(mut inner) = inner.try_borrow_mut() else {
                return;
            };
            match owner {
                Some(node) => inner.builder.sheets().owner_changed(node),
                None => inner.builder.sheets().constructed_changed(),
            }
            inner.clock.schedule();
        });
        let weak = Rc::downgrade(inner);
        let adopted_check = Interval::new(ADOPTED_CHECK_MS, move || {
            let Some(inner) = weak.upgrade() else { return };
            let Ok(mut guard) = inner.try_borrow_mut() else {
                return;
            };
            let inner = &mut *guard;
            if inner.builder.sheets().check_adopted(&inner.mirror) {
                inner.clock.schedule();
            }
        });
        let weak = Rc::downgrade(inner);
        let shadows = ShadowHooks::install(move |host| {
            let Some(inner) = weak.upgrade() else { return };
            let Ok(mut inner) = inner.try_borrow_mut() else {
                return;
            };
            inner.builder.dom().shadow_attached(host);
            inner.clock.schedule();
        });
        let weak = Rc::downgrade(inner);
        let setters = SetterHooks::install(move |node| {
            let Some(inner) = weak.upgrade() else { return };
            // A page script setting a value while we build a frame (we never do) must not panic.
            let Ok(mut inner) = inner.try_borrow_mut() else {
                return;
            };
            inner.builder.form().changed(node);
            inner.clock.schedule();
        });
        Self {
            _listeners: listeners::install(inner, doc.as_ref(), Root::Page),
            _setters: setters,
            _cssom: cssom,
            _adopted_check: adopted_check,
            _shadows: shadows,
            _canvases: canvases::start(inner),
            _webgl: WebGlHook::install(),
        }
    }
}
