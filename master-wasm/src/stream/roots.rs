//! Frames' documents and shadow roots as capture finds them: each is observed by the stream's
//! MutationObserver and gets the listeners its events need (see [`super::listeners::Root`]);
//! those of roots no longer captured are dropped.

use std::cell::RefCell;
use std::rc::Rc;

use web_sys::{MutationObserverInit, Node};

use super::listeners::{self, Root};
use super::Inner;

/// What the observer is asked to see, on the document and on every captured root.
pub(super) fn observe_options() -> MutationObserverInit {
    let options = MutationObserverInit::new();
    options.set_child_list(true);
    options.set_attributes(true);
    options.set_character_data(true);
    options.set_subtree(true);
    options
}

/// Observes and listens to the roots captured since the last call.
pub(super) fn watch(this: &Rc<RefCell<Inner>>) {
    let (roots, observer) = {
        let mut inner = this.borrow_mut();
        let roots = inner.mirror.take_new_roots();
        if roots.is_empty() {
            return;
        }
        let Inner {
            mirror,
            root_listeners,
            ..
        } = &mut *inner;
        // Roots gone from the capture (a frame removed or reloaded) stop being listened to.
        root_listeners.retain(|(root, _)| mirror.id_of(root).is_some());
        (roots, inner.observer.clone())
    };
    for root in roots {
        if let Some(observer) = &observer {
            // Observing a root again only renews its options.
            let _ = observer.observe_with_options(&root, &observe_options());
        }
        if this.borrow().root_listeners.iter().any(|(r, _)| *r == root) {
            continue;
        }
        let kind = if root.node_type() == Node::DOCUMENT_NODE {
            Root::Frame
        } else {
            Root::Shadow
        };
        let added = listeners::install(this, root.as_ref(), kind);
        this.borrow_mut().root_listeners.push((root, added));
    }
}
