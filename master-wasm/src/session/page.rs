//! The page in the session: its privacy rules (the relay's for its URL merged with the page's
//! own), the stream that captures it once keys are ready (pushing into [`ToAgent`], which seals
//! what it pushes for the agent and shows the customer's legend of hidden fields), the
//! single-page-app route changes reported as visits, the part of it the customer sees (a
//! phone's pinch zoom or keyboard) told to the agent, and the agent's pointer shown on it.

use std::rc::Rc;

use shared_protocol::page::{CustomerPageMsg, Pointer};
use shared_protocol::privacy::{Effective, PrivacyRules};
use shared_protocol::{CustomerMsg, PageInfo};
use wasm_bindgen::JsValue;

use super::outbound::SharedOutbound;
use super::screen::SharedWidget;
use crate::browser::document;
use crate::navigation::{NavigationWatch, Visit};
use crate::privacy::{self, AutoMaskedTally, Policy};
use crate::stream::{PageSink, PageStream};
use crate::visual_viewport::VisualViewportWatch;

#[derive(Default)]
pub struct Page {
    stream: Option<PageStream>,
    navigation: Option<NavigationWatch>,
    /// The relay's privacy rules (global, then per URL); nothing is captured before they come.
    relay_rules: Option<Vec<PrivacyRules>>,
    /// The rules the stream captures under now (they change with the page's URL).
    privacy: Option<Effective>,
    /// What the last line of defence masked, counted by every policy built for this session.
    auto_masked: AutoMaskedTally,
    /// Tells the agent which part of the page the customer sees, while streaming.
    visual: Option<VisualViewportWatch>,
}

impl Page {
    pub fn set_relay_rules(&mut self, rules: Vec<PrivacyRules>) {
        self.relay_rules = Some(rules);
    }

    /// This document as a visit (its URL and title now).
    pub fn here(&self) -> PageInfo {
        let doc = document();
        self.visit(&doc.url().unwrap_or_default(), &doc.title())
    }

    /// A visit of this page at `url` titled `title` as the relay may record it, masked under
    /// the rules known now: the relay's that match `url` (none yet when the session is being
    /// created) and the page's own; a page object in error makes it private, as for capture.
    pub fn visit(&self, url: &str, title: &str) -> PageInfo {
        let (page, page_ok) = match privacy::page_rules::read() {
            Ok(rules) => (rules, true),
            Err(_) => (PrivacyRules::default(), false),
        };
        let relay = self.relay_rules.as_deref().unwrap_or_default();
        let mut effective = Effective::merge(relay, &page, url);
        effective.private_by_default |= !page_ok;
        let doc = document();
        Policy::new(&doc, effective, self.auto_masked.clone())
            .0
            .visit(&doc, url, title)
    }

    /// Reports single-page-app route changes to `on_route`, until the session ends.
    pub fn watch_navigation(&mut self, on_route: impl Fn(Visit) + 'static) {
        self.navigation = NavigationWatch::start(on_route).ok();
    }

    /// A route change that has not been reported yet (the customer is leaving now).
    pub fn pending_route(&self) -> Option<Visit> {
        self.navigation.as_ref().and_then(|w| w.take_pending())
    }

    /// The rules for this page: the relay's that match its URL, merged with the page's own
    /// object. Whatever is wrong in them is reported to the integrator and fails closed.
    fn policy(&mut self) -> Result<Rc<Policy>, JsValue> {
        let Some(relay) = &self.relay_rules else {
            return Err("the co-browse server sent no privacy rules".into());
        };
        let (page, page_ok) = match privacy::page_rules::read() {
            Ok(rules) => (rules, true),
            Err(e) => {
                crate::errors::report("privacy", &format!("{e}; the whole page is masked"));
                (PrivacyRules::default(), false)
            }
        };
        let doc = document();
        let mut effective = Effective::merge(relay, &page, &doc.url().unwrap_or_default());
        effective.private_by_default |= !page_ok;
        let (policy, broken) = Policy::new(&doc, effective.clone(), self.auto_masked.clone());
        for selector in broken {
            crate::errors::report(
                "privacy",
                &format!("{selector:?} is not a valid CSS selector; the rules fail closed"),
            );
        }
        self.privacy = Some(effective);
        Ok(Rc::new(policy))
    }

    /// Starts streaming the page to the agent over `out`; `widget` shows the legend.
    pub fn start(
        &mut self,
        out: &SharedOutbound,
        widget: Option<SharedWidget>,
    ) -> Result<(), JsValue> {
        let policy = self.policy()?;
        let sink = Rc::new(ToAgent {
            out: out.clone(),
            widget,
            auto_masked: self.auto_masked.clone(),
        });
        self.stream = Some(PageStream::start(document(), 1, policy, sink)?);
        let to_agent = out.clone();
        let visual = VisualViewportWatch::start(move |visual| {
            to_agent
                .borrow_mut()
                .send_page(&CustomerPageMsg::Visual(visual));
        });
        out.borrow_mut()
            .send_page(&CustomerPageMsg::Visual(visual.reported()));
        self.visual = Some(visual);
        Ok(())
    }

    pub fn stream(&self) -> Option<&PageStream> {
        self.stream.as_ref()
    }

    pub fn streaming(&self) -> bool {
        self.stream.is_some()
    }

    /// Stops capturing (the keys are gone, or the session is).
    pub fn stop(&mut self) {
        self.stream = None;
        self.visual = None;
    }

    /// The session is over: nothing captured, no route watched.
    pub fn end(&mut self) {
        self.stop();
        self.navigation = None;
    }

    /// The agent lost the view: a fresh snapshot (pushed to the agent before this returns).
    pub fn resnapshot(&self) {
        if let Some(stream) = &self.stream {
            stream.resnapshot();
        }
    }

    /// A route change within the page: a fresh snapshot when its URL has other rules.
    pub fn follow_rules_of_url(&mut self) -> Result<(), JsValue> {
        if self.stream.is_none() {
            return Ok(());
        }
        let before = self.privacy.clone();
        let policy = self.policy()?;
        if let (true, Some(stream)) = (self.privacy != before, &self.stream) {
            stream.set_policy(policy);
        }
        Ok(())
    }

    pub fn agent_pointer(&self, pointer: &Pointer) {
        if let Some(stream) = &self.stream {
            stream.agent_pointer(pointer);
        }
    }
}

/// Where the page stream pushes: sealed to the agent, and the customer's legend of hidden
/// fields with it. It touches only what it shares with the session (never the session itself,
/// which may be the one making the stream push).
struct ToAgent {
    out: SharedOutbound,
    widget: Option<SharedWidget>,
    /// What the last line of defence masked: counts only, for the relay's metrics.
    auto_masked: AutoMaskedTally,
}

impl PageSink for ToAgent {
    fn reliable(&self, msg: CustomerPageMsg) {
        self.out.borrow_mut().send_page(&msg);
    }

    fn ephemeral(&self, msg: CustomerPageMsg) {
        self.out.borrow_mut().send_ephemeral(&msg);
    }

    fn hidden(&self, count: u32, legend: &str) {
        if let Some(w) = &self.widget {
            w.borrow().show_hidden_fields(legend, count);
        }
        let found = self.auto_masked.take();
        if !found.is_zero() {
            self.out
                .borrow()
                .send_control(CustomerMsg::AutoMasked(found));
        }
    }
}
