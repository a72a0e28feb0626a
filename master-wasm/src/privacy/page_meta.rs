//! The page's own address and title as they leave the page, under its [`Policy`]: in the
//! snapshot (and a frame's document) for the agent, and in the page visits the relay records.
//! The decisions are [`shared_protocol::page_address`]'s; this reads the page for them.

use shared_protocol::page_address;
use shared_protocol::PageInfo;
use web_sys::{Document, Element};

use super::{Marks, Policy};

impl Policy {
    /// A document's URL as the agent gets it (the view resolves relative URLs against it).
    pub fn page_url(&self, url: &str) -> String {
        self.scrubbed(page_address::url_for_agent(url, self.rules()))
    }

    /// `doc`'s title as the agent gets it: masked where its `<title>` is.
    pub fn page_title(&self, doc: &Document) -> String {
        let title = page_address::title(&doc.title(), self.title_masked(doc));
        self.scrubbed(title)
    }

    /// A visit of the page at `url` titled `title` (read now or when a route settled) as the
    /// relay records it: no fragment, query values and title masked as on the page.
    pub fn visit(&self, doc: &Document, url: &str, title: &str) -> PageInfo {
        PageInfo {
            url: self.scrubbed(page_address::url_for_relay(url, self.rules())),
            title: self.scrubbed(page_address::title(title, self.title_masked(doc))),
        }
    }

    /// Whether `doc`'s `<title>` is in a masked part: its scope worked out down from the
    /// document, as the capture would.
    fn title_masked(&self, doc: &Document) -> bool {
        let Some(title) = doc.query_selector("title").ok().flatten() else {
            return self.root_scope().masked();
        };
        let mut chain: Vec<Element> = Vec::new();
        let mut at = Some(title);
        while let Some(el) = at {
            at = el.parent_element();
            chain.push(el);
        }
        let mut scope = self.root_scope();
        for el in chain.iter().rev() {
            scope = self.element_scope(el, &Marks::of(el), scope);
        }
        scope.masked()
    }
}
