//! What a part of the page is for the agent ([`Scope`], inherited by children) and what an
//! element's own attributes say about it ([`Marks`]): the site's `data-cobrowse-*` markers,
//! card and password fields.

use web_sys::Element;

/// In-page markers, set by the site on any element.
pub const MASK_ATTR: &str = "data-cobrowse-mask";
pub const BLOCK_ATTR: &str = "data-cobrowse-block";
pub const UNMASK_ATTR: &str = "data-cobrowse-unmask";
pub const READONLY_ATTR: &str = "data-cobrowse-readonly";
/// Marks a blocked element's placeholder in the agent's view (styled by the console).
pub const PLACEHOLDER_ATTR: &str = "data-cobrowse-blocked";

/// What a part of the page is for the agent; children inherit it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scope(u8);

impl Scope {
    pub(super) const MASKED: u8 = 1;
    pub(super) const READONLY: u8 = 2;
    pub(super) const BLOCKED: u8 = 4;
    /// The element itself matched a configured selector (so a change elsewhere may unmatch it).
    pub(super) const RULED: u8 = 8;
    /// A `<style>` or `<link>`: its text is CSS, never masked, but checked for script; its
    /// address keeps its path in a masked part.
    const STYLE_TEXT: u8 = 16;

    pub fn masked(self) -> bool {
        self.0 & Self::MASKED != 0
    }
    pub fn readonly(self) -> bool {
        self.0 & Self::READONLY != 0
    }
    pub fn blocked(self) -> bool {
        self.0 & Self::BLOCKED != 0
    }
    pub fn ruled(self) -> bool {
        self.0 & Self::RULED != 0
    }
    pub fn style_text(self) -> bool {
        self.0 & Self::STYLE_TEXT != 0
    }
    /// The scope of a `<style>` element's text (not inherited by elements).
    pub fn for_style_text(self) -> Self {
        self.with(Self::STYLE_TEXT, true)
    }
    /// Whether `self` and `other` treat content the same (the `ruled` bookkeeping aside).
    pub fn same_treatment(self, other: Scope) -> bool {
        (self.0 ^ other.0) & !Self::RULED == 0
    }
    pub(super) fn with(self, bit: u8, on: bool) -> Self {
        Scope(if on { self.0 | bit } else { self.0 & !bit })
    }
}

/// What an element's own attributes say about its privacy, gathered while they are read (so
/// no extra call out of wasm is needed for them).
#[derive(Debug, Default)]
pub struct Marks {
    pub(super) mask: bool,
    pub(super) block: bool,
    pub(super) unmask: bool,
    pub(super) readonly: bool,
    pub(super) card_field: bool,
    pub(super) password: bool,
}

impl Marks {
    pub fn note(&mut self, name: &str, value: &str) {
        let is = |n: &str| name.eq_ignore_ascii_case(n);
        if is(MASK_ATTR) {
            self.mask = true;
        } else if is(BLOCK_ATTR) {
            self.block = true;
        } else if is(UNMASK_ATTR) {
            self.unmask = true;
        } else if is(READONLY_ATTR) {
            self.readonly = true;
        } else if is("autocomplete") {
            let v = value.trim().to_ascii_lowercase();
            let last = v.split_ascii_whitespace().last().unwrap_or_default();
            self.card_field = last.starts_with("cc-");
            self.password |= last == "current-password" || last == "new-password";
        } else if is("type") {
            self.password |= value.trim().eq_ignore_ascii_case("password");
        }
    }

    /// Reads `el`'s attributes (for an element whose scope is checked again after a change).
    pub fn of(el: &Element) -> Self {
        let mut marks = Marks::default();
        let map = el.attributes();
        for i in 0..map.length() {
            if let Some(a) = map.item(i) {
                marks.note(&a.name(), &a.value());
            }
        }
        marks
    }
}
