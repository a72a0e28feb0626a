//! What the customer sees of masking: every field whose value is hidden from the agent (and
//! every blocked element) is outlined on their page while the page is shared, and the widget
//! shows a legend with the (localizable) indicator text and how many there are.
//!
//! The outline is an attribute on the field plus one stylesheet of ours; both are removed when
//! sharing stops, so the page is left as it was.

use std::cell::RefCell;

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element};

use crate::capture::OWN_ATTR;

/// Set on the customer's own elements that the agent cannot see; never captured.
pub const INDICATOR_ATTR: &str = "data-cobrowse-hidden";

const INDICATOR_CSS: &str = "[data-cobrowse-hidden] { outline: 2px dashed #d93025 !important; \
     outline-offset: 1px !important; }";

/// The elements outlined for one snapshot epoch, and the stylesheet that draws them (added
/// with the first outline: a new sheet makes the browser restyle the whole page, which a page
/// without hidden fields should not pay for); all removed when dropped.
#[must_use = "the outlines are removed when this is dropped"]
pub struct Outlines {
    marked: js_sys::Set,
    style: RefCell<Option<OutlineStyle>>,
}

impl Default for Outlines {
    fn default() -> Self {
        Self {
            marked: js_sys::Set::new(&JsValue::UNDEFINED),
            style: RefCell::new(None),
        }
    }
}

impl Outlines {
    pub fn mark(&self, el: &Element) {
        if self.marked.has(el) {
            return;
        }
        let mut style = self.style.borrow_mut();
        if style.is_none() {
            if let Some(doc) = el.owner_document() {
                *style = Some(OutlineStyle::install(&doc, OWN_ATTR));
            }
        }
        let _ = el.set_attribute(INDICATOR_ATTR, "");
        self.marked.add(el);
    }

    /// How many marked elements are still on the page.
    pub fn count(&self) -> u32 {
        let mut n = 0;
        self.marked.for_each(&mut |el, _, _| {
            if el.unchecked_ref::<web_sys::Node>().is_connected() {
                n += 1;
            }
        });
        n
    }
}

impl Drop for Outlines {
    fn drop(&mut self) {
        self.marked.for_each(&mut |el, _, _| {
            let _ = el
                .unchecked_ref::<Element>()
                .remove_attribute(INDICATOR_ATTR);
        });
    }
}

/// The stylesheet that draws the outlines; removed when dropped.
#[must_use = "the stylesheet is removed when this is dropped"]
struct OutlineStyle(Option<Element>);

impl OutlineStyle {
    /// Adds the stylesheet to `doc`, marked with `own_attr` so capture skips it.
    fn install(doc: &Document, own_attr: &str) -> Self {
        let style = (|| {
            let style = doc.create_element("style").ok()?;
            style.set_attribute(own_attr, "").ok()?;
            style.set_text_content(Some(INDICATOR_CSS));
            doc.head()?.append_child(&style).ok()?;
            Some(style)
        })();
        Self(style)
    }
}

impl Drop for OutlineStyle {
    fn drop(&mut self) {
        if let Some(style) = self.0.take() {
            style.remove();
        }
    }
}
