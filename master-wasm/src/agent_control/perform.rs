//! Carrying out an allowed action as the page's own scripts would see a person's: the full
//! pointer and mouse sequence for a click, values through the element's native setter followed
//! by `input` and `change` (so React's and Vue's controlled inputs take them), focus moves for
//! Tab, and key events for Enter and Escape.

use js_sys::{Function, Object, Reflect};
use shared_protocol::agent_control::{ActionKind, Key};
use shared_protocol::page::DOCUMENT;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    Element, Event, EventInit, HtmlElement, HtmlFormElement, HtmlInputElement, HtmlOptionElement,
    HtmlSelectElement, KeyboardEvent, KeyboardEventInit, MouseEvent, MouseEventInit, PointerEvent,
    PointerEventInit,
};

use super::activation::{default_button, ENTER_CLICKS};
use super::restrictions::{is_text_field, Allowances};
use crate::browser::{document, window};

/// Does `kind` on `el` (already checked against the restrictions). `is_document` targets the
/// window (scrolling it).
pub fn perform(el: &Element, id: u32, kind: &ActionKind, allow: Allowances) -> Result<(), JsValue> {
    match kind {
        ActionKind::Click { x, y } => click(el, *x, *y),
        ActionKind::Type { value } => type_value(el, value),
        ActionKind::Select { selected } => select(el, selected),
        ActionKind::Scroll { dx, dy } => {
            if id == DOCUMENT || el.tag_name() == "HTML" || el.tag_name() == "BODY" {
                window().scroll_by_with_x_and_y(*dx as f64, *dy as f64);
            } else {
                el.scroll_by_with_x_and_y(*dx as f64, *dy as f64);
            }
            Ok(())
        }
        ActionKind::Key(key) => press(el, *key, allow),
    }
}

/// The point a click lands on: (x, y) when it is on the element, else the element's centre
/// (the view and the page may differ by a few pixels; the element decides).
fn click_point(el: &Element, x: i32, y: i32) -> (i32, i32) {
    let r = el.get_bounding_client_rect();
    let (fx, fy) = (x as f64, y as f64);
    if fx >= r.left() && fx <= r.right() && fy >= r.top() && fy <= r.bottom() {
        (x, y)
    } else {
        (
            (r.left() + r.width() / 2.0) as i32,
            (r.top() + r.height() / 2.0) as i32,
        )
    }
}

fn click(el: &Element, x: i32, y: i32) -> Result<(), JsValue> {
    let (x, y) = click_point(el, x, y);
    let pointer = |kind: &str, buttons: u16| -> Result<bool, JsValue> {
        let init = PointerEventInit::new();
        init.set_bubbles(true);
        init.set_cancelable(true);
        init.set_composed(true);
        init.set_client_x(x);
        init.set_client_y(y);
        init.set_pointer_id(1);
        init.set_pointer_type("mouse");
        init.set_is_primary(true);
        init.set_buttons(buttons);
        el.dispatch_event(PointerEvent::new_with_event_init_dict(kind, &init)?.as_ref())
    };
    let mouse = |kind: &str, buttons: u16| -> Result<bool, JsValue> {
        let init = MouseEventInit::new();
        init.set_bubbles(true);
        init.set_cancelable(true);
        init.set_composed(true);
        init.set_client_x(x);
        init.set_client_y(y);
        init.set_buttons(buttons);
        init.set_detail(1);
        el.dispatch_event(MouseEvent::new_with_mouse_event_init_dict(kind, &init)?.as_ref())
    };
    pointer("pointerdown", 1)?;
    // A page that cancels mousedown keeps the focus where it is, as for a person.
    if mouse("mousedown", 1)? {
        if let Some(h) = focusable_of(el) {
            let _ = h.focus();
        }
    }
    pointer("pointerup", 0)?;
    mouse("mouseup", 0)?;
    // `click()` runs the element's activation (links, checkboxes, radios, labels) as a
    // person's click does; its event carries no coordinates, so pages that read them get the
    // dispatched sequence above.
    match el.dyn_ref::<HtmlElement>() {
        Some(h) => h.click(),
        None => {
            mouse("click", 0)?;
        }
    }
    Ok(())
}

fn focusable_of(el: &Element) -> Option<HtmlElement> {
    let f = el
        .closest("a[href], button, input, select, textarea, [tabindex], [contenteditable]")
        .ok()
        .flatten()?;
    f.dyn_into::<HtmlElement>().ok()
}

/// Calls the setter of `prop` that the element's prototype chain defines, so that a page
/// framework's own property on the instance (React tracks values there) sees the change as
/// the browser's, not as its own.
fn native_set(el: &Element, prop: &str, value: &JsValue) -> Result<(), JsValue> {
    let mut proto = Object::get_prototype_of(el.as_ref());
    while !proto.is_null() {
        let desc = Object::get_own_property_descriptor(&proto, &prop.into());
        if !desc.is_undefined() {
            let setter = Reflect::get(&desc, &"set".into())?;
            if let Some(f) = setter.dyn_ref::<Function>() {
                f.call1(el.as_ref(), value)?;
                return Ok(());
            }
        }
        proto = Object::get_prototype_of(&proto);
    }
    Reflect::set(el.as_ref(), &prop.into(), value).map(|_| ())
}

fn fire(el: &Element, kind: &str) -> Result<(), JsValue> {
    let init = EventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    el.dispatch_event(&Event::new_with_event_init_dict(kind, &init)?)?;
    Ok(())
}

fn type_value(el: &Element, value: &str) -> Result<(), JsValue> {
    if let Some(h) = el.dyn_ref::<HtmlElement>() {
        if document().active_element().as_ref() != Some(el) {
            let _ = h.focus();
        }
    }
    if el.has_type::<HtmlInputElement>() || el.has_type::<web_sys::HtmlTextAreaElement>() {
        native_set(el, "value", &value.into())?;
    } else if is_text_field(el) {
        el.set_text_content(Some(value));
    }
    fire(el, "input")?;
    fire(el, "change")
}

fn select(el: &Element, selected: &[u32]) -> Result<(), JsValue> {
    let select = el.dyn_ref::<HtmlSelectElement>().ok_or("not a <select>")?;
    let options = select.options();
    for i in 0..options.length() {
        if let Some(option) = options
            .item(i)
            .and_then(|o| o.dyn_into::<HtmlOptionElement>().ok())
        {
            let on = selected.contains(&i) && !option.disabled();
            native_set(option.as_ref(), "selected", &on.into())?;
        }
    }
    fire(el, "input")?;
    fire(el, "change")
}

fn key_event(el: &Element, kind: &str, key: &str, shift: bool) -> Result<bool, JsValue> {
    let init = KeyboardEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    init.set_composed(true);
    init.set_key(key);
    init.set_code(key);
    init.set_shift_key(shift);
    el.dispatch_event(KeyboardEvent::new_with_keyboard_event_init_dict(kind, &init)?.as_ref())
}

fn press(el: &Element, key: Key, allow: Allowances) -> Result<(), JsValue> {
    let (name, shift) = match key {
        Key::Enter => ("Enter", false),
        Key::Tab => ("Tab", false),
        Key::ShiftTab => ("Tab", true),
        Key::Escape => ("Escape", false),
    };
    // A page that cancels the keydown handled the key itself.
    let go_on = key_event(el, "keydown", name, shift)?;
    if go_on {
        match key {
            Key::Tab | Key::ShiftTab => move_focus(el, shift),
            Key::Enter => enter(el, allow)?,
            Key::Escape => {}
        }
    }
    key_event(el, "keyup", name, shift)?;
    Ok(())
}

/// What Enter does on the element: activate a link or a button; submit the form of a text
/// field when submitting is allowed (the restriction on submit buttons covers this too).
fn enter(el: &Element, allow: Allowances) -> Result<(), JsValue> {
    if el.matches(ENTER_CLICKS)? {
        if let Some(h) = el.dyn_ref::<HtmlElement>() {
            h.click();
        }
        return Ok(());
    }
    if let Some(input) = el.dyn_ref::<HtmlInputElement>() {
        let form: Option<HtmlFormElement> = input.form();
        if let (true, Some(form)) = (allow.submit, form) {
            match default_button(&form).and_then(|s| s.dyn_into::<HtmlElement>().ok()) {
                Some(s) => form.request_submit_with_submitter(Some(&s))?,
                None => form.request_submit()?,
            }
        }
    }
    Ok(())
}

/// Tab order as a person would get it for ordinary pages: focusable elements in document
/// order, positive `tabindex` aside.
fn move_focus(from: &Element, backwards: bool) {
    let Ok(list) = document().query_selector_all(
        "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden i]), \
         select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1']), \
         [contenteditable]:not([contenteditable=false i])",
    ) else {
        return;
    };
    let items: Vec<HtmlElement> = (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<HtmlElement>().ok())
        .filter(|h| h.offset_parent().is_some() || h.tag_name() == "BODY")
        .collect();
    if items.is_empty() {
        return;
    }
    let here = items.iter().position(|h| h.as_ref() as &Element == from);
    let next = match (here, backwards) {
        (Some(i), false) => (i + 1) % items.len(),
        (Some(i), true) => (i + items.len() - 1) % items.len(),
        (None, false) => 0,
        (None, true) => items.len() - 1,
    };
    let _ = items[next].focus();
}
