//! The page in the session: streaming it once keys are ready (snapshot, batches, ephemeral
//! motion), the agent's page messages (resync requests, its pointer), page loads and
//! single-page-app routes reported as visits.

use super::*;
use crate::privacy::{self, Policy};
use crate::stream::PageSink;

impl Customer {
    /// Back in the session after a page load: report the visit, and key again with the agent.
    pub(super) fn continued(&mut self, agent_present: bool) {
        self.start_heartbeat();
        self.watch_navigation();
        let doc = document();
        let visit = self.visit(&doc.url().unwrap_or_default(), &doc.title());
        self.out
            .borrow()
            .send_control(CustomerMsg::PageVisit(visit));
        if agent_present {
            self.start_key_exchange();
            self.show_session(&self.text(WidgetText::AgentConnecting, &[]));
        } else {
            self.show_session(&self.text(WidgetText::ReadCode, &[]));
        }
    }

    /// Reports single-page-app route changes as page visits, and captures under the new
    /// URL's privacy rules.
    pub(super) fn watch_navigation(&mut self) {
        let weak = self.this.clone();
        self.navigation = NavigationWatch::start(move |(url, title)| {
            if let Some(c) = weak.upgrade() {
                let mut c = c.borrow_mut();
                let visit = c.visit(&url, &title);
                c.out.borrow().send_control(CustomerMsg::PageVisit(visit));
                c.follow_rules_of_url();
            }
        })
        .ok();
    }

    /// A visit of this page at `url` titled `title` as the relay may record it, masked under
    /// the rules known now: the relay's that match `url` (none yet when the session is being
    /// created) and the page's own; a page object in error makes it private, as for capture.
    pub(super) fn visit(&self, url: &str, title: &str) -> PageInfo {
        let (page, page_ok) = match privacy::page_rules::read(&window()) {
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

    /// The rules for this page: the relay's that match its URL, merged with the page's own
    /// object. Whatever is wrong in them is reported to the integrator and fails closed.
    fn page_policy(&mut self) -> Result<Rc<Policy>, JsValue> {
        let Some(relay) = &self.relay_rules else {
            return Err("the co-browse server sent no privacy rules".into());
        };
        let (page, page_ok) = match privacy::page_rules::read(&window()) {
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

    /// A route change within the page: a fresh snapshot when its URL has other rules.
    fn follow_rules_of_url(&mut self) {
        if self.stream.is_none() {
            return;
        }
        let before = self.privacy.clone();
        let policy = match self.page_policy() {
            Ok(p) => p,
            Err(e) => {
                return self.end(
                    Ending::Failure,
                    format!("Co-browse stopped: {}", describe_js(&e)),
                )
            }
        };
        if self.privacy != before {
            if let Some(stream) = &self.stream {
                stream.set_policy(policy);
            }
        }
    }

    pub(super) fn on_sealed(&mut self, delivery: Delivery, seq: u64, bytes: &[u8]) {
        // Opened in a statement of its own: the stream may push (and send) below.
        let opened = self.out.borrow_mut().open(delivery, seq, bytes);
        let Some(plain) = opened else {
            return;
        };
        match decode_payload::<AgentPageMsg>(&plain) {
            Ok(AgentPageMsg::Resync { .. }) => {
                if let Some(stream) = &self.stream {
                    stream.resnapshot();
                }
            }
            Ok(AgentPageMsg::RequestWrite) => self.on_write_request(),
            Ok(AgentPageMsg::PointerMode) => self.stop_write(ModeCause::AgentStopped),
            Ok(AgentPageMsg::ResumeWrite(consent)) => self.resume_write(consent),
            Ok(AgentPageMsg::Act(action)) => self.on_agent_action(action),
            Ok(AgentPageMsg::Navigate(nav)) => self.on_agent_navigate(nav),
            Ok(AgentPageMsg::Pointer(p)) => {
                if let Some(w) = &self.widget {
                    w.borrow_mut().show_agent_pointer(p);
                }
                if let Some(stream) = &self.stream {
                    stream.agent_pointer(&p);
                }
            }
            Err(_) => {}
        }
    }

    pub(super) fn start_stream(&mut self) -> Result<(), JsValue> {
        let policy = self.page_policy()?;
        let sink = Rc::new(ToAgent {
            out: self.out.clone(),
            widget: self.widget.clone(),
            auto_masked: self.auto_masked.clone(),
        });
        self.stream = Some(PageStream::start(document(), 1, policy, sink)?);
        self.tell_transport();
        Ok(())
    }

    /// Tells the console how this browser reaches the relay (WebSocket or polling).
    pub(super) fn tell_transport(&mut self) {
        if let Some(transport) = self.attempt.and_then(|a| a.open_transport()) {
            self.send_page(&CustomerPageMsg::Transport(transport));
        }
    }

    /// Page content goes out only sealed, and only once the agent's code is verified.
    pub(super) fn send_page(&self, msg: &CustomerPageMsg) {
        self.out.borrow_mut().send_page(msg);
    }
}

/// Where the page stream pushes: sealed to the agent, and the customer's legend of hidden
/// fields with it. It touches only what it shares with the session (never the session
/// itself, which may be the one making the stream push).
struct ToAgent {
    out: SharedOutbound,
    widget: Option<Rc<RefCell<Widget>>>,
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
