//! Privacy at capture: which parts of the page are masked, blocked or read-only for the agent,
//! and what their content becomes before it leaves the page.
//!
//! - `scope`: what a part of the page is for the agent ([`Scope`]) and what an element's
//!   own attributes say ([`Marks`]).
//! - [`Policy`]: the merged rules of one page (relay, page object, built-in defaults) with its
//!   CSS selectors checked once; decides each element's [`Scope`] from its parent's scope, its
//!   own `data-cobrowse-*` attributes and the selectors.
//! - [`masking`]: what masked text, values and URLs look like; [`detect`]: the last line of
//!   defence (card numbers, SSNs, bearer tokens) and the session's tally of what it masked.
//! - [`page_rules`]: the page's `window._cobrowse.privacy` object; `page_meta`: the page's
//!   own address and title as the agent and the relay get them.
//! - [`indicator`]: what the customer sees of it (fields outlined, a legend in the widget).
//!
//! Defaults that no rule can turn off live here too: password fields (and any field that ever
//! was one) are masked, hidden inputs and the widget never leave the page (see `capture`).

pub mod detect;
pub mod indicator;
mod page_meta;
pub mod page_rules;
mod scope;

pub use shared_protocol::masking;

use shared_protocol::privacy::Effective;
use web_sys::{Document, Element};

pub use detect::AutoMaskedTally;
pub use scope::{
    Marks, Scope, BLOCK_ATTR, MASK_ATTR, PLACEHOLDER_ATTR, READONLY_ATTR, UNMASK_ATTR,
};

/// The rules in force on one page, ready to apply.
#[derive(Debug, Default)]
pub struct Policy {
    rules: Effective,
    selectors: Selectors,
    /// Where what the last line of defence masks is counted (the session's).
    auto_masked: AutoMaskedTally,
}

#[derive(Debug, Default)]
struct Selectors {
    /// Every configured selector in one list, so an element matching none (nearly all) costs
    /// one `matches` call; `None` when nothing is configured.
    any: Option<String>,
    mask: Option<String>,
    block: Option<String>,
    unmask: Option<String>,
    readonly: Option<String>,
}

impl Policy {
    /// Compiles `rules` for `doc`. A selector the browser rejects is left out and returned
    /// (for the integrator's error event); a broken mask or block selector makes the whole
    /// page private, a broken read-only one the whole page read-only: rules fail closed.
    /// What the last line of defence masks under it is counted in `auto_masked`.
    pub fn new(
        doc: &Document,
        mut rules: Effective,
        auto_masked: AutoMaskedTally,
    ) -> (Self, Vec<String>) {
        let mut broken = Vec::new();
        let mut keep = |list: &mut Vec<String>| -> bool {
            let before = list.len();
            list.retain(|s| {
                let ok = doc.query_selector(s).is_ok();
                if !ok {
                    broken.push(s.clone());
                }
                ok
            });
            list.len() == before
        };
        let (mask_ok, block_ok) = (keep(&mut rules.mask), keep(&mut rules.block));
        keep(&mut rules.unmask);
        let readonly_ok = keep(&mut rules.readonly);
        if !(mask_ok && block_ok) {
            rules.private_by_default = true;
        }
        if !readonly_ok {
            rules.readonly = vec!["*".into()];
        }
        let join = |list: &[String]| (!list.is_empty()).then(|| list.join(", "));
        let all: Vec<String> = [&rules.mask, &rules.block, &rules.unmask, &rules.readonly]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        let selectors = Selectors {
            any: join(&all),
            mask: join(&rules.mask),
            block: join(&rules.block),
            unmask: join(&rules.unmask),
            readonly: join(&rules.readonly),
        };
        let policy = Self {
            rules,
            selectors,
            auto_masked,
        };
        (policy, broken)
    }

    pub fn rules(&self) -> &Effective {
        &self.rules
    }

    /// The scope of the document itself.
    pub fn root_scope(&self) -> Scope {
        Scope::default().with(Scope::MASKED, self.rules.private_by_default)
    }

    /// Whether a change of attribute `name` can change an element's scope (or, with selectors
    /// configured, a descendant's).
    pub fn may_rescope(&self, name: &str) -> bool {
        // Selectors on inline styles are rare, and style changes (animations) are frequent.
        (self.selectors.any.is_some() && !name.eq_ignore_ascii_case("style"))
            || starts_with_ignore_case(name, "data-cobrowse-")
            || name.eq_ignore_ascii_case("type")
            || name.eq_ignore_ascii_case("autocomplete")
    }

    /// Every configured selector as one list, to find elements under a changed one.
    pub fn any_selector(&self) -> Option<&str> {
        self.selectors.any.as_deref()
    }

    /// The scope of `el`, whose attributes said `marks`, under a parent of scope `parent`:
    /// blocked beats everything; on one element mask beats unmask; otherwise the nearest
    /// mask or unmask up the tree decides; read-only is inherited. A password field is
    /// remembered here, so every field captured or re-checked as one stays masked for good.
    pub fn element_scope(&self, el: &Element, marks: &Marks, parent: Scope) -> Scope {
        let s = &self.selectors;
        let ruled = s.any.as_deref().is_some_and(|any| matches(el, any));
        let hit = |sel: &Option<String>| ruled && sel.as_deref().is_some_and(|q| matches(el, q));
        let block = marks.block || hit(&s.block);
        let mask = marks.mask || (marks.card_field && self.rules.mask_card_fields) || hit(&s.mask);
        let masked = if mask {
            true
        } else if marks.unmask || hit(&s.unmask) {
            false
        } else {
            parent.masked()
        };
        let readonly = parent.readonly() || marks.readonly || hit(&s.readonly);
        if marks.password {
            remember_password_field(el);
        }
        Scope::default()
            .with(Scope::MASKED, masked)
            .with(Scope::BLOCKED, block)
            .with(Scope::READONLY, readonly || block)
            .with(Scope::RULED, ruled)
    }

    /// One attribute's value as it may leave the page (after the safety rules dropped what
    /// can run code). `value_masked`: the element's value is secret (a masked or password
    /// field).
    pub fn attribute(&self, name: &str, value: String, scope: Scope, value_masked: bool) -> String {
        if self.rules.masks_attribute(name) || (value_masked && name.eq_ignore_ascii_case("value"))
        {
            return masking::mask_value(&value);
        }
        if scope.masked() {
            // A stylesheet's address is code: its path stays, or the page loses its styles.
            let keep_paths = self.rules.keep_masked_url_paths || scope.style_text();
            if let Some(masked) = masking::masked_part_attribute(name, &value, keep_paths) {
                return masked;
            }
        }
        if self.rules.mask_url_queries && masking::is_url_attribute(name) {
            return masking::mask_url_query(&value);
        }
        // Only what a person reads: a long numeric id in a URL or a class that happens to
        // pass the Luhn check (one in ten do) must not break the agent's view.
        if masking::is_content_attribute(name)
            || starts_with_ignore_case(name, "data-")
            || starts_with_ignore_case(name, "aria-")
        {
            self.scrubbed(value)
        } else {
            value
        }
    }

    /// A text node's content as it may leave the page.
    pub fn text(&self, text: String, scope: Scope) -> String {
        if scope.style_text() {
            return if shared_protocol::safety::is_unsafe_css(&text) {
                "/* co-browse: removed a stylesheet with script in it */".to_string()
            } else {
                text
            };
        }
        if scope.masked() {
            masking::mask_text(&text)
        } else {
            self.scrubbed(text)
        }
    }

    /// A form control's live value as it may leave the page.
    pub fn form_value(&self, value: String, value_masked: bool) -> String {
        if value_masked {
            masking::mask_value(&value)
        } else {
            self.scrubbed(value)
        }
    }

    /// `text` through the last line of defence, counting what it masked.
    fn scrubbed(&self, text: String) -> String {
        match detect::scrub(&text) {
            None => text,
            Some((masked, found)) => {
                self.auto_masked.add(found);
                masked
            }
        }
    }
}

fn starts_with_ignore_case(name: &str, prefix: &str) -> bool {
    name.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

fn matches(el: &Element, selector: &str) -> bool {
    // Checked in `Policy::new`: a selector that throws was left out.
    el.matches(selector).unwrap_or(false)
}

thread_local! {
    /// Fields that were password fields at any time while this page was captured: a "show
    /// password" toggle turning one into a text field does not unmask it.
    static PASSWORD_FIELDS: js_sys::WeakSet = js_sys::WeakSet::new();
}

fn remember_password_field(el: &Element) {
    PASSWORD_FIELDS.with(|set| {
        set.add(el);
    });
}

/// Whether `el` is, or ever was, a password field (by type or by `autocomplete`): its value is
/// secret whatever the rules say. Every captured element went through
/// [`Policy::element_scope`], and so does one whose `type` or `autocomplete` changed (before
/// its batch is built), which is where password fields are remembered.
pub fn was_password_field(el: &Element) -> bool {
    PASSWORD_FIELDS.with(|set| set.has(el))
}
