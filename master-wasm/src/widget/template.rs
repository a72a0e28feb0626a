//! The widget's markup and style, in `widget.html` and `widget.css` beside this file (no
//! comments in them: they go into the bundle as they are): static, with every text filled in
//! afterwards from the configured [`Texts`] (by `data-text` key, as text content: nothing
//! configured is parsed as HTML), and the configured corner and colours set as CSS custom
//! properties.

use shared_protocol::texts::Texts;
use wasm_bindgen::JsValue;
use web_sys::{HtmlElement, ShadowRoot};

use shared_protocol::texts::{TextKey, WidgetText};
use shared_protocol::ui_settings::WidgetLook;

/// The widget's shadow root: its style, then its markup. Static files, no text in them (the
/// `data-text` elements are filled by [`dress`]).
pub const TEMPLATE: &str = concat!(
    "<style>",
    include_str!("widget.css"),
    "</style>",
    include_str!("widget.html")
);

/// Fills every `data-text` element of `root` from `texts`, and applies `look`.
pub fn dress(
    root: &ShadowRoot,
    host: &HtmlElement,
    texts: &Texts<WidgetText>,
    look: &WidgetLook,
) -> Result<(), JsValue> {
    let labelled = root.query_selector_all("[data-text]")?;
    for i in 0..labelled.length() {
        let Some(node) = labelled.item(i) else {
            continue;
        };
        let el: &web_sys::Element = wasm_bindgen::JsCast::unchecked_ref(&node);
        if let Some(name) = el.get_attribute("data-text") {
            match WidgetText::from_name(&name) {
                Some(key) => el.set_text_content(Some(texts.get(key))),
                // The template is ours: a test shows this on the console.
                None => web_sys::console::error_1(
                    &format!("co-browse: the widget has no text {name:?}").into(),
                ),
            }
        }
    }
    if let Some(cb) = root.query_selector(".cb")? {
        let style = cb.get_attribute("style").unwrap_or_default();
        cb.set_attribute("style", &format!("{style}{}", look.position.css()))?;
    }
    let style = host.style();
    for (var, value) in [
        ("--cb-accent", &look.accent),
        ("--cb-bg", &look.background),
        ("--cb-text", &look.text),
    ] {
        if let Some(v) = value {
            // An invalid colour is ignored by the browser: the default stays.
            style.set_property(var, v)?;
        }
    }
    Ok(())
}
