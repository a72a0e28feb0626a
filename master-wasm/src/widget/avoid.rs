//! The widget never covers the field the customer is typing in. While a field has the focus,
//! the widget's box is checked against it (on focus, scroll, resize, and when the visual
//! viewport changes: a phone's on-screen keyboard, a pinch zoom): when they overlap, the widget
//! moves to the other side of the window (top for bottom); when it would cover the field there
//! too (a small screen), it hides until the field loses the focus. The decision is
//! [`placement`], without I/O; [`FieldAvoidance`] owns the listeners that drive it.

use std::rc::Rc;

use shared_protocol::ui_settings::Corner;
use wasm_bindgen::JsCast;
use web_sys::{Element, EventTarget, HtmlElement};

use crate::browser::{window, Listener};
use crate::capture::WIDGET_ATTR;

/// A box in the window's (layout viewport's) CSS pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

impl Rect {
    fn of(el: &Element) -> Self {
        let r = el.get_bounding_client_rect();
        Self {
            left: r.left(),
            top: r.top(),
            right: r.right(),
            bottom: r.bottom(),
        }
    }

    fn overlaps(&self, other: &Rect) -> bool {
        self.left < other.right
            && other.left < self.right
            && self.top < other.bottom
            && other.top < self.bottom
    }

    fn is_empty(&self) -> bool {
        self.right <= self.left || self.bottom <= self.top
    }
}

/// Where the widget goes while a field has the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// In its configured corner.
    Configured,
    /// In the corner across the window, top for bottom.
    Across,
    /// Out of the way: it would cover the field in either corner.
    Hidden,
}

/// The widget's box in its configured corner (`here`) and across the window (`across`), and
/// the focused field's box (`None`: no field has the focus).
pub fn placement(here: Rect, across: Rect, field: Option<Rect>) -> Placement {
    match field {
        Some(f) if !f.is_empty() && here.overlaps(&f) => match across.overlaps(&f) {
            false => Placement::Across,
            true => Placement::Hidden,
        },
        _ => Placement::Configured,
    }
}

/// The corner across the window from `corner`, on the same side (left or right).
pub fn across(corner: Corner) -> Corner {
    match corner {
        Corner::BottomRight => Corner::TopRight,
        Corner::BottomLeft => Corner::TopLeft,
        Corner::TopRight => Corner::BottomRight,
        Corner::TopLeft => Corner::BottomLeft,
    }
}

/// Keeps the widget's box (`cb`, placed in `corner`) off the focused field while it is
/// focused; dropping it removes its listeners (the widget stays where it is then).
#[must_use = "the widget stops moving aside when this is dropped"]
pub struct FieldAvoidance {
    _listeners: Vec<Listener>,
}

impl FieldAvoidance {
    pub fn start(cb: HtmlElement, corner: Corner) -> Self {
        let cb = Rc::new(cb);
        let check = move || place(&cb, corner);
        let doc: EventTarget = crate::browser::document().into();
        let win: EventTarget = window().into();
        let mut listeners = Vec::new();
        for (target, kind) in [
            (&doc, "focusin"),
            (&doc, "focusout"),
            (&doc, "scroll"),
            (&win, "resize"),
        ] {
            let check = check.clone();
            listeners.push(Listener::new(target, kind, true, move |_| check()));
        }
        // The on-screen keyboard and pinch zoom change only the visual viewport.
        let visual = js_sys::Reflect::get(&window(), &"visualViewport".into())
            .ok()
            .and_then(|v| v.dyn_into::<EventTarget>().ok());
        if let Some(visual) = visual {
            for kind in ["resize", "scroll"] {
                let check = check.clone();
                listeners.push(Listener::new(&visual, kind, false, move |_| check()));
            }
        }
        Self {
            _listeners: listeners,
        }
    }
}

/// The focused field, if the focus is in one the customer types in (not the widget's own
/// buttons, which sit in its shadow root, nor the page's body).
fn focused_field() -> Option<Element> {
    let active = crate::browser::document().active_element()?;
    let typed = matches!(
        active.local_name().as_str(),
        "input" | "textarea" | "select"
    ) || active
        .dyn_ref::<HtmlElement>()
        .is_some_and(|e| e.is_content_editable());
    (typed && !active.has_attribute(WIDGET_ATTR)).then_some(active)
}

/// Measures the widget in each corner (style changes within one task are never painted) and
/// leaves it where [`placement`] says.
fn place(cb: &HtmlElement, corner: Corner) {
    let set = |c: Corner, hidden: bool| {
        let _ = cb.set_attribute("style", c.css());
        cb.set_hidden(hidden);
    };
    let Some(field) = focused_field().map(|f| Rect::of(&f)) else {
        return set(corner, false);
    };
    set(corner, false);
    let here = Rect::of(cb);
    set(across(corner), false);
    let there = Rect::of(cb);
    match placement(here, there, Some(field)) {
        Placement::Configured => set(corner, false),
        Placement::Across => set(across(corner), false),
        Placement::Hidden => set(corner, true),
    }
}

#[cfg(test)]
mod tests {
    use super::{across, placement, Placement, Rect};
    use shared_protocol::ui_settings::Corner;

    fn rect(left: f64, top: f64, right: f64, bottom: f64) -> Rect {
        Rect {
            left,
            top,
            right,
            bottom,
        }
    }

    // A 390 × 844 phone, the widget 280 × 120 in the bottom-right corner or the top-right.
    const HERE: Rect = Rect {
        left: 94.0,
        top: 708.0,
        right: 374.0,
        bottom: 828.0,
    };
    const THERE: Rect = Rect {
        left: 94.0,
        top: 16.0,
        right: 374.0,
        bottom: 136.0,
    };

    #[test]
    fn stays_in_its_corner_without_a_focused_field_or_away_from_it() {
        assert_eq!(placement(HERE, THERE, None), Placement::Configured);
        let above = rect(16.0, 300.0, 374.0, 340.0);
        assert_eq!(placement(HERE, THERE, Some(above)), Placement::Configured);
        // Touching edges do not overlap.
        let touching = rect(16.0, 668.0, 374.0, 708.0);
        assert_eq!(
            placement(HERE, THERE, Some(touching)),
            Placement::Configured
        );
    }

    #[test]
    fn moves_across_when_it_would_cover_the_field() {
        let low = rect(16.0, 760.0, 374.0, 800.0);
        assert_eq!(placement(HERE, THERE, Some(low)), Placement::Across);
    }

    #[test]
    fn hides_when_it_would_cover_the_field_in_either_corner() {
        let tall = rect(16.0, 100.0, 374.0, 760.0);
        assert_eq!(placement(HERE, THERE, Some(tall)), Placement::Hidden);
    }

    #[test]
    fn a_field_with_no_box_is_never_covered() {
        let collapsed = rect(100.0, 760.0, 100.0, 760.0);
        assert_eq!(
            placement(HERE, THERE, Some(collapsed)),
            Placement::Configured
        );
    }

    #[test]
    fn across_keeps_the_side_and_swaps_top_and_bottom() {
        for corner in [
            Corner::BottomRight,
            Corner::BottomLeft,
            Corner::TopRight,
            Corner::TopLeft,
        ] {
            assert_ne!(across(corner), corner);
            assert_eq!(across(across(corner)), corner);
            let side = |c: Corner| c.css().contains("right");
            assert_eq!(side(across(corner)), side(corner));
        }
    }
}
