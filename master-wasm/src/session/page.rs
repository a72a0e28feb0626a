//! The page in the session: streaming it once keys are ready (snapshot, batches, ephemeral
//! motion), the agent's page messages (resync requests, its pointer), page loads and
//! single-page-app routes reported as visits.

use super::*;
use crate::privacy::{self, Policy};
use shared_protocol::exchange::Channel;

impl Customer {
    /// Back in the session after a page load: report the visit, and key again with the agent.
    pub(super) fn continued(&mut self, agent_present: bool) {
        self.start_heartbeat();
        self.watch_navigation();
        let doc = document();
        let visit = self.visit(&doc.url().unwrap_or_default(), &doc.title());
        self.link.send_control(CustomerMsg::PageVisit(visit));
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
                c.link.send_control(CustomerMsg::PageVisit(visit));
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
                let parts = stream.set_policy(policy);
                self.send_pages(parts);
            }
        }
    }

    pub(super) fn on_sealed(&mut self, delivery: Delivery, seq: u64, bytes: &[u8]) {
        let Some(Channel { opener, .. }) = self.keys.channel_mut() else {
            return;
        };
        let routing = self.code.map_or(0, |c| c.routing);
        // A frame that fails to open is dropped: the customer's page is never affected by it.
        let Ok(plain) = opener.open(routing, delivery, seq, bytes) else {
            return;
        };
        match decode_payload::<AgentPageMsg>(&plain) {
            Ok(AgentPageMsg::Resync { .. }) => {
                if let Some(stream) = &self.stream {
                    let parts = stream.resnapshot();
                    self.send_pages(parts);
                }
            }
            Ok(AgentPageMsg::RequestWrite) => self.on_write_request(),
            Ok(AgentPageMsg::PointerMode) => self.stop_write(ModeCause::AgentStopped),
            Ok(AgentPageMsg::ResumeWrite(consent)) => self.resume_write(consent),
            Ok(AgentPageMsg::Act(action)) => self.on_agent_action(action),
            Ok(AgentPageMsg::Navigate(nav)) => self.on_agent_navigate(nav),
            Ok(AgentPageMsg::Pointer(p)) => {
                if let Some(w) = &mut self.widget {
                    w.show_agent_pointer(p);
                }
                if let Some(stream) = &self.stream {
                    stream.agent_pointer(&p);
                }
            }
            Err(_) => {}
        }
    }

    pub(super) fn start_stream(&mut self) -> Result<(), JsValue> {
        let weak = self.this.clone();
        let flush: Rc<dyn Fn()> = Rc::new(move || {
            if let Some(c) = weak.upgrade() {
                c.borrow_mut().flush();
            }
        });
        let policy = self.page_policy()?;
        let (stream, parts) = PageStream::start(document(), 1, policy, flush)?;
        self.stream = Some(stream);
        self.send_pages(parts);
        self.tell_transport();
        self.watch_visual_viewport();
        Ok(())
    }

    /// Tells the agent which part of the page the customer sees now, and as it changes.
    fn watch_visual_viewport(&mut self) {
        let weak = self.this.clone();
        let watch = VisualViewportWatch::start(move |visual| {
            if let Some(c) = weak.upgrade() {
                c.borrow_mut().send_page(&CustomerPageMsg::Visual(visual));
            }
        });
        self.send_page(&CustomerPageMsg::Visual(watch.reported()));
        self.visual = Some(watch);
    }

    /// Tells the console how this browser reaches the relay (WebSocket or polling).
    pub(super) fn tell_transport(&mut self) {
        if let Some(transport) = self.attempt.and_then(|a| a.open_transport()) {
            self.send_page(&CustomerPageMsg::Transport(transport));
        }
    }

    /// One animation frame's worth: where the pointer and scrolling are (ephemeral: only the
    /// latest matters), then the snapshot's parts walked since and the changes (reliable).
    pub(super) fn flush(&mut self) {
        let Some(stream) = &self.stream else { return };
        let motion = stream.take_motion();
        let parts = stream.take_parts();
        let batch = stream.take_batch();
        if let Some(pointer) = motion.pointer {
            self.send_ephemeral(&CustomerPageMsg::Pointer(pointer));
        }
        if !motion.scrolls.is_empty() {
            self.send_ephemeral(&CustomerPageMsg::Scroll(motion.scrolls));
        }
        self.send_pages(parts);
        if let Some(batch) = batch {
            self.send_page(&CustomerPageMsg::Mutations(batch));
        }
        self.show_privacy();
    }

    /// The legend of hidden fields, and what the last line of defence masked (counts only,
    /// for the relay's metrics).
    fn show_privacy(&mut self) {
        let (Some(stream), Some(rules)) = (&self.stream, &self.privacy) else {
            return;
        };
        if let Some(w) = &self.widget {
            w.show_hidden_fields(&rules.indicator_text, stream.hidden_count());
        }
        let found = self.auto_masked.take();
        if !found.is_zero() {
            self.link.send_control(CustomerMsg::AutoMasked(found));
        }
    }

    pub(super) fn send_pages(&mut self, parts: Vec<CustomerPageMsg>) {
        for part in parts {
            self.send_page(&part);
        }
    }

    pub(super) fn send_ephemeral(&mut self, msg: &CustomerPageMsg) {
        if let Some(channel) = self.keys.channel() {
            self.link
                .send_sealed(&channel.sealer, Delivery::Ephemeral, &encode_payload(msg));
        }
    }

    /// Page content goes out only sealed, and only once the agent's code is verified.
    pub(super) fn send_page(&mut self, msg: &CustomerPageMsg) {
        if let Some(channel) = self.keys.channel() {
            self.link
                .send_sealed(&channel.sealer, Delivery::Reliable, &encode_payload(msg));
        }
    }
}
