//! The agent's input on the view in write mode, turned into actions for the customer's
//! browser: clicks, typing, choices in selects, Enter/Tab/Escape, and wheel scrolling, each
//! naming the element by the id the customer sent. The view itself never acts on them (links
//! do not navigate it, boxes do not tick): what the customer's page does comes back as
//! mutations, so the view shows only what really happened. Listeners go when this is dropped.

use std::rc::Rc;

use shared_protocol::agent_control::{ActionKind, Key};
use shared_protocol::page::{NodeId, Pointer, DOCUMENT};
use shared_web::listener::Listener;
use wasm_bindgen::JsCast;
use web_sys::{
    Document, Element, Event, EventTarget, HtmlElement, HtmlInputElement, HtmlSelectElement,
    HtmlTextAreaElement, KeyboardEvent, MouseEvent, Node, WheelEvent,
};

/// What the agent did in the view.
#[derive(Debug, Clone, PartialEq)]
pub enum ViewEvent {
    Act {
        target: Option<NodeId>,
        kind: ActionKind,
    },
    Pointer(Pointer),
}

#[must_use = "the view stops taking the agent's input when this is dropped"]
pub struct ViewInput {
    _listeners: Vec<Listener>,
}

/// Ids of the view's nodes (the rebuilder's map).
pub type Resolve = Rc<dyn Fn(&Node) -> Option<NodeId>>;

/// Turns one event of the view into what the agent did, if anything.
type Translate = fn(Event, &Resolve) -> Option<ViewEvent>;

impl ViewInput {
    pub fn attach(doc: &Document, resolve: Resolve, emit: Rc<dyn Fn(ViewEvent)>) -> Self {
        let mut listeners = Vec::new();
        let mut on = |kind: &'static str, f: Translate| {
            let (resolve, emit) = (resolve.clone(), emit.clone());
            let target: EventTarget = doc.clone().into();
            // Cancelling: clicks, keys and wheels are cancelled in the view.
            listeners.push(Listener::cancelling(
                &target,
                kind,
                true,
                move |e: Event| {
                    if let Some(ev) = f(e, &resolve) {
                        emit(ev);
                    }
                },
            ));
        };
        on("click", click);
        on("input", typed);
        on("change", changed);
        on("keydown", key);
        on("wheel", wheel);
        on("submit", |e, _| {
            e.prevent_default();
            None
        });
        on("mousemove", |e, _| pointer(&e, false));
        on("mousedown", |e, _| pointer(&e, true));
        Self {
            _listeners: listeners,
        }
    }
}

// The view's nodes and events belong to the iframe's realm, where `instanceof` against this
// window's classes fails: types are told by listener kind and tag name, then cast unchecked.

fn element_of(e: &Event) -> Option<Element> {
    let target = e.target()?;
    let node: &Node = target.unchecked_ref();
    (node.node_type() == Node::ELEMENT_NODE).then(|| target.unchecked_into())
}

fn is_tag(el: &Element, tag: &str) -> bool {
    el.tag_name().eq_ignore_ascii_case(tag)
}

fn pointer(e: &Event, click: bool) -> Option<ViewEvent> {
    let m: &MouseEvent = e.unchecked_ref();
    Some(ViewEvent::Pointer(Pointer {
        x: m.client_x(),
        y: m.client_y(),
        click,
        gone: false,
    }))
}

fn click(e: Event, resolve: &Resolve) -> Option<ViewEvent> {
    let el = element_of(&e)?;
    // A select opens its own list in the view; the choice is sent on `change`.
    if el.closest("select").ok().flatten().is_some() {
        return None;
    }
    e.prevent_default();
    let m: &MouseEvent = e.unchecked_ref();
    Some(ViewEvent::Act {
        target: resolve(el.as_ref()),
        kind: ActionKind::Click {
            x: m.client_x(),
            y: m.client_y(),
        },
    })
}

fn typed(e: Event, resolve: &Resolve) -> Option<ViewEvent> {
    let el = element_of(&e)?;
    let value = if is_tag(&el, "input") {
        let i: &HtmlInputElement = el.unchecked_ref();
        if matches!(i.type_().as_str(), "checkbox" | "radio") {
            return None;
        }
        i.value()
    } else if is_tag(&el, "textarea") {
        el.unchecked_ref::<HtmlTextAreaElement>().value()
    } else {
        let host = el.closest("[contenteditable]").ok().flatten()?;
        let editable = host.unchecked_ref::<HtmlElement>().is_content_editable();
        if !editable {
            return None;
        }
        return Some(ViewEvent::Act {
            target: resolve(host.as_ref()),
            kind: ActionKind::Type {
                value: host.text_content().unwrap_or_default(),
            },
        });
    };
    Some(ViewEvent::Act {
        target: resolve(el.as_ref()),
        kind: ActionKind::Type { value },
    })
}

fn changed(e: Event, resolve: &Resolve) -> Option<ViewEvent> {
    let el = element_of(&e)?;
    if !is_tag(&el, "select") {
        return None;
    }
    let options = el.unchecked_ref::<HtmlSelectElement>().options();
    let selected = (0..options.length())
        .filter(|i| {
            options
                .item(*i)
                .is_some_and(|o| o.unchecked_ref::<web_sys::HtmlOptionElement>().selected())
        })
        .collect();
    Some(ViewEvent::Act {
        target: resolve(el.as_ref()),
        kind: ActionKind::Select { selected },
    })
}

fn key(e: Event, resolve: &Resolve) -> Option<ViewEvent> {
    let k: &KeyboardEvent = e.unchecked_ref();
    let key = match (k.key().as_str(), k.shift_key()) {
        ("Enter", _) => Key::Enter,
        ("Tab", false) => Key::Tab,
        ("Tab", true) => Key::ShiftTab,
        ("Escape", _) => Key::Escape,
        _ => return None,
    };
    // Tab moves the view's focus as it moves the customer's; Enter and Escape act there only.
    if !matches!(key, Key::Tab | Key::ShiftTab) {
        e.prevent_default();
    }
    let el = element_of(&e)?;
    Some(ViewEvent::Act {
        target: resolve(el.as_ref()),
        kind: ActionKind::Key(key),
    })
}

fn wheel(e: Event, resolve: &Resolve) -> Option<ViewEvent> {
    let w: &WheelEvent = e.unchecked_ref();
    e.prevent_default();
    let mut at = element_of(&e);
    // The nearest element that can scroll that way; the window otherwise.
    while let Some(el) = at {
        let scrolls_y = w.delta_y() != 0.0 && el.scroll_height() > el.client_height() + 1;
        let scrolls_x = w.delta_x() != 0.0 && el.scroll_width() > el.client_width() + 1;
        let tag = el.tag_name();
        if (scrolls_y || scrolls_x) && tag != "HTML" && tag != "BODY" && overflow_scrolls(&el) {
            return Some(scroll(resolve(el.as_ref()), w));
        }
        at = el.parent_element();
    }
    Some(scroll(Some(DOCUMENT), w))
}

fn overflow_scrolls(el: &Element) -> bool {
    let Some(view) = el.owner_document().and_then(|d| d.default_view()) else {
        return false;
    };
    let Ok(Some(style)) = view.get_computed_style(el) else {
        return false;
    };
    let overflow = style.get_property_value("overflow").unwrap_or_default();
    overflow.contains("auto") || overflow.contains("scroll")
}

fn scroll(target: Option<NodeId>, w: &WheelEvent) -> ViewEvent {
    // Lines and pages as pixels, roughly as browsers do.
    let unit = match w.delta_mode() {
        1 => 40.0,
        2 => 800.0,
        _ => 1.0,
    };
    ViewEvent::Act {
        target,
        kind: ActionKind::Scroll {
            dx: (w.delta_x() * unit).round() as i32,
            dy: (w.delta_y() * unit).round() as i32,
        },
    }
}
