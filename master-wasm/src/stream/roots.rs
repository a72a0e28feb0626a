//! The stream's MutationObserver and the roots it watches: the document, then frames'
//! documents and shadow roots as capture finds them, each observed and given the listeners its
//! events need (see [`super::listeners::Root`]); those of roots no longer captured are dropped.

use std::cell::RefCell;
use std::rc::Rc;

use web_sys::{MutationObserver, MutationObserverInit, Node};

use super::listeners::{self, Root};
use super::Inner;
use crate::browser::Listener;

/// What the observer is asked to see, on the document and on every captured root.
pub(super) fn observe_options() -> MutationObserverInit {
    let options = MutationObserverInit::new();
    options.set_child_list(true);
    options.set_attributes(true);
    options.set_character_data(true);
    options.set_subtree(true);
    options
}

/// The observer, and the listeners on each captured frame document and shadow root.
pub(super) struct Roots {
    observer: Option<MutationObserver>,
    listening: Vec<(Node, Vec<Listener>)>,
}

impl Roots {
    pub(super) fn new(observer: Option<MutationObserver>) -> Self {
        Self {
            observer,
            listening: Vec::new(),
        }
    }

    /// The records the observer has queued and not delivered yet.
    pub(super) fn take_records(&self) -> js_sys::Array {
        self.observer
            .as_ref()
            .map_or_else(js_sys::Array::new, MutationObserver::take_records)
    }

    /// Drops the queued records (they describe an epoch a new snapshot supersedes).
    pub(super) fn drop_records(&self) {
        if let Some(observer) = &self.observer {
            observer.take_records();
        }
    }

    pub(super) fn disconnect(&self) {
        if let Some(observer) = &self.observer {
            observer.disconnect();
        }
    }
}

/// Observes and listens to the roots captured since the last call.
pub(super) fn watch(this: &Rc<RefCell<Inner>>) {
    let (roots, observer) = {
        let mut guard = this.borrow_mut();
        let inner = &mut *guard;
        let roots = inner.mirror.take_new_roots();
        if roots.is_empty() {
            return;
        }
        let mirror = &inner.mirror;
        // Roots gone from the capture (a frame removed or reloaded) stop being listened to.
        inner
            .roots
            .listening
            .retain(|(root, _)| mirror.id_of(root).is_some());
        (roots, inner.roots.observer.clone())
    };
    for root in roots {
        if let Some(observer) = &observer {
            // Observing a root again only renews its options.
            let _ = observer.observe_with_options(&root, &observe_options());
        }
        if this
            .borrow()
            .roots
            .listening
            .iter()
            .any(|(r, _)| *r == root)
        {
            continue;
        }
        let kind = if root.node_type() == Node::DOCUMENT_NODE {
            Root::Frame
        } else {
            Root::Shadow
        };
        let added = listeners::install(this, root.as_ref(), kind);
        this.borrow_mut().roots.listening.push((root, added));
    }
}
