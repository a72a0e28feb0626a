//! Follows the customer through the site for the session history: the page it loaded, then
//! every single-page-app route change (`history.pushState` / `replaceState`, `popstate`,
//! `hashchange`). The DOM itself follows through the MutationObserver; this only reports page
//! visits. Dropping it puts the page's history methods back as they were.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::browser::{document, window, Listener, Timeout};

/// Wait after a route change before reading the title (apps set it after the route).
const TITLE_SETTLE_MS: i32 = 150;

/// (url, title) of a page visit.
pub type Visit = (String, String);

/// Stands in for `history.pushState(state, title, url)` (and `replaceState`).
type HistoryMethod = Closure<dyn FnMut(JsValue, JsValue, JsValue) -> JsValue>;

struct Inner {
    last_url: String,
    /// A route change waiting for its title to settle: its URL, and the timer.
    pending: Option<(String, Timeout)>,
    on_visit: Box<dyn Fn(Visit)>,
}

impl Inner {
    fn report(&mut self, url: String, title: String) {
        if url != self.last_url {
            self.last_url = url.clone();
            (self.on_visit)((url, title));
        }
    }
}

#[must_use = "history methods are restored when this is dropped"]
pub struct NavigationWatch {
    inner: Rc<RefCell<Inner>>,
    history: JsValue,
    originals: Vec<(&'static str, JsValue)>,
    _wrappers: Vec<HistoryMethod>,
    _listeners: Vec<Listener>,
}

fn current() -> Visit {
    let doc = document();
    (doc.url().unwrap_or_default(), doc.title())
}

/// Reports a visit once the title has settled, unless the URL did not change. A route change
/// still waiting when the next one comes is reported at once (with the title it has by then),
/// so quick successive routes each count.
fn schedule(inner: &Rc<RefCell<Inner>>) {
    let (url_now, title_now) = current();
    let mut i = inner.borrow_mut();
    if let Some((pending_url, _timer)) = i.pending.take() {
        i.report(pending_url, title_now);
    }
    let weak = Rc::downgrade(inner);
    let timer = Timeout::new(TITLE_SETTLE_MS, move || {
        let Some(inner) = weak.upgrade() else { return };
        let (url, title) = current();
        let mut i = inner.borrow_mut();
        i.pending = None;
        i.report(url, title);
    });
    i.pending = Some((url_now, timer));
}

impl NavigationWatch {
    /// Starts watching; the current page counts as already reported.
    pub fn start(on_visit: impl Fn(Visit) + 'static) -> Result<Self, JsValue> {
        let inner = Rc::new(RefCell::new(Inner {
            last_url: current().0,
            pending: None,
            on_visit: Box::new(on_visit),
        }));
        let history: JsValue = window().history()?.into();
        let mut originals = Vec::new();
        let mut wrappers = Vec::new();
        for name in ["pushState", "replaceState"] {
            let original = Reflect::get(&history, &name.into())?;
            let Some(func) = original.dyn_ref::<Function>().cloned() else {
                continue;
            };
            let (this, weak) = (history.clone(), Rc::downgrade(&inner));
            let wrapper: HistoryMethod =
                Closure::new(move |state: JsValue, title: JsValue, url: JsValue| {
                    // The page's own call goes through unchanged, errors included.
                    let result = func.call3(&this, &state, &title, &url);
                    if let Some(inner) = weak.upgrade() {
                        schedule(&inner);
                    }
                    match result {
                        Ok(v) => v,
                        Err(e) => wasm_bindgen::throw_val(e),
                    }
                });
            Reflect::set(&history, &name.into(), wrapper.as_ref())?;
            originals.push((name, original));
            wrappers.push(wrapper);
        }
        let listeners = ["popstate", "hashchange"]
            .into_iter()
            .map(|kind| {
                let weak = Rc::downgrade(&inner);
                Listener::new(window().as_ref(), kind, false, move |_| {
                    if let Some(inner) = weak.upgrade() {
                        schedule(&inner);
                    }
                })
            })
            .collect();
        Ok(Self {
            inner,
            history,
            originals,
            _wrappers: wrappers,
            _listeners: listeners,
        })
    }
}

impl NavigationWatch {
    /// Takes a route change still waiting for its title, with the title it has now, for the
    /// caller to report itself: the session is about to end and the visit must not be lost.
    /// (Returned rather than reported because the caller may be the reporter's owner, borrowed.)
    pub fn take_pending(&self) -> Option<Visit> {
        let mut i = self.inner.borrow_mut();
        let (url, _timer) = i.pending.take()?;
        if url == i.last_url {
            return None;
        }
        i.last_url = url.clone();
        Some((url, current().1))
    }
}

impl Drop for NavigationWatch {
    fn drop(&mut self) {
        for (name, original) in &self.originals {
            let _ = Reflect::set(&self.history, &(*name).into(), original);
        }
        self.inner.borrow_mut().pending = None;
    }
}
