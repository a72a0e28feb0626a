//! The session's side that faces the agent: keying with it (see [`keys`]), the page streamed
//! to it once keyed (see [`Page`]) and its control (see [`AgentControl`]). Each way it can end
//! the session is returned as a [`Stop`], for the session to end in one place.

use shared_protocol::agent_control::ModeCause;
use shared_protocol::ends::EndReason;
use shared_protocol::exchange::{Outcome, Step};
use shared_protocol::page::{AgentPageMsg, CustomerPageMsg};
use shared_protocol::page_api::EndCause;
use shared_protocol::payload::decode_plain_payload;
use shared_protocol::texts::WidgetText;
use shared_protocol::{CustomerMsg, Delivery, KeyExchange};

use super::control::{AgentControl, ConsentChanged, Voices};
use super::membership::Membership;
use super::outbound::SharedOutbound;
use super::page::Page;
use super::screen::Screen;
use super::{describe_js, keys, Stop};
use crate::agent_control::ControlSettings;

pub struct AgentSide {
    out: SharedOutbound,
    page: Page,
    control: AgentControl,
}

impl AgentSide {
    pub fn new(out: SharedOutbound, settings: ControlSettings) -> Self {
        Self {
            out,
            page: Page::default(),
            control: AgentControl::new(settings),
        }
    }

    pub fn page(&self) -> &Page {
        &self.page
    }

    pub fn page_mut(&mut self) -> &mut Page {
        &mut self.page
    }

    /// The consent to write mode to keep for the tab's next page.
    pub fn consent(&self) -> Option<[u8; 16]> {
        self.control.consent()
    }

    /// Pointer mode, with the consent an earlier page of the tab kept (`None`: a new session).
    pub fn restart(&mut self, kept_consent: Option<[u8; 16]>) {
        self.control.restart(kept_consent);
    }

    /// This page has no keys with the agent yet.
    pub fn unkeyed(&self) -> bool {
        keys::idle(&self.out) && !self.page.streaming()
    }

    /// A page load continued the session: the relay hears of the visit, and keys start over
    /// with the agent if it is there.
    pub fn page_loaded(
        &mut self,
        agent_present: bool,
        member: &Membership,
        screen: &mut Screen,
    ) -> Result<(), Stop> {
        let visit = self.page.here();
        self.out
            .borrow()
            .send_control(CustomerMsg::PageVisit(visit));
        if agent_present {
            return self.arrived(member, screen);
        }
        screen.session(WidgetText::ReadCode, &[]);
        Ok(())
    }

    /// An agent is there to key with: start an exchange.
    pub fn arrived(&mut self, member: &Membership, screen: &mut Screen) -> Result<(), Stop> {
        let step = keys::start(&self.out, member.ticket())
            .map_err(|e| Stop::failure(format!("No secure randomness: {}", describe_js(&e))))?;
        self.take_step(step, member, screen)?;
        screen.session(WidgetText::AgentConnecting, &[]);
        Ok(())
    }

    pub fn on_key(
        &mut self,
        key: KeyExchange,
        member: &Membership,
        screen: &mut Screen,
    ) -> Result<(), Stop> {
        let step = keys::on_key(&self.out, member.ticket(), key);
        self.take_step(step, member, screen)
    }

    fn take_step(
        &mut self,
        step: Option<Step>,
        member: &Membership,
        screen: &mut Screen,
    ) -> Result<(), Stop> {
        let consent = self.consent();
        match keys::take(&self.out, step, || member.save(consent)) {
            Outcome::Ignored | Outcome::Pending => Ok(()),
            Outcome::Verified => self.verified(member, screen),
            Outcome::Failed | Outcome::Exhausted => self.verification_failed(member, screen),
        }
    }

    /// The agent proved it has the same code: page content may flow.
    fn verified(&mut self, member: &Membership, screen: &mut Screen) -> Result<(), Stop> {
        self.out.borrow_mut().restart_sequences();
        self.page.start(&self.out, screen.widget()).map_err(|e| {
            let why = describe_js(&e);
            Stop::failure(format!("this page could not be captured: {why}"))
        })?;
        self.tell_transport(member);
        screen.session(WidgetText::Viewing, &[]);
        screen.agent_joined();
        // The agent learns the mode this page is in (write mode survives page loads).
        let to = Voices {
            out: &self.out,
            screen,
        };
        self.control.tell_mode(ModeCause::Current, &to);
        Ok(())
    }

    /// The agent's code did not match: the relay removes that agent; the customer may give
    /// the code to another, or the session ends when no attempts are left.
    fn verification_failed(
        &mut self,
        member: &Membership,
        screen: &mut Screen,
    ) -> Result<(), Stop> {
        self.page.stop();
        screen.agent_lost();
        let consent = self.consent();
        let attempts = keys::failed(&self.out, || member.save(consent)).ok_or_else(|| Stop {
            cause: EndCause::Ended(EndReason::VerificationFailed),
            message: "Co-browse ended: the code could not be verified.".into(),
        })?;
        screen.session_counted(
            (WidgetText::CodeRetryOne, WidgetText::CodeRetry),
            attempts.into(),
        );
        Ok(())
    }

    /// The relay says the agent failed verification (on its side): no keys, no stream.
    pub fn keys_lost(&mut self) {
        self.out.borrow_mut().keys_mut().reset();
        self.page.stop();
    }

    /// Tells the console how this browser reaches the relay (WebSocket or polling).
    pub fn tell_transport(&self, member: &Membership) {
        if let Some(transport) = member.open_transport() {
            let msg = CustomerPageMsg::Transport(transport);
            self.out.borrow_mut().send_page(&msg);
        }
    }

    /// A sealed frame from the agent's console; one that does not open or decode is dropped
    /// (the customer's page is never affected by it).
    pub fn on_sealed(
        &mut self,
        (delivery, seq, bytes): (Delivery, u64, &[u8]),
        member: &Membership,
        screen: &Screen,
    ) {
        // Opened in a statement of its own: the stream may push (and send) below.
        let opened = self.out.borrow_mut().open(delivery, seq, bytes);
        if let Some(Ok(msg)) = opened.map(|plain| decode_plain_payload::<AgentPageMsg>(&plain)) {
            let to = Voices {
                out: &self.out,
                screen,
            };
            let changed = self.control.on_page(msg, &self.page, &to);
            self.save_if(changed, member);
        }
    }

    /// The customer answered the agent's request for write mode.
    pub fn answer(
        &mut self,
        approve: bool,
        member: &Membership,
        screen: &Screen,
    ) -> Result<(), Stop> {
        let to = Voices {
            out: &self.out,
            screen,
        };
        let changed = (self.control.answer(approve, &to))
            .map_err(|e| Stop::failure(format!("No secure randomness: {}", describe_js(&e))))?;
        self.save_if(changed, member);
        Ok(())
    }

    /// The customer went back to pointer mode.
    pub fn stop_write(&mut self, member: &Membership, screen: &Screen) {
        let to = Voices {
            out: &self.out,
            screen,
        };
        let changed = self.control.stop_write(ModeCause::CustomerStopped, &to);
        self.save_if(changed, member);
    }

    fn save_if(&self, changed: ConsentChanged, member: &Membership) {
        if changed.0 {
            member.save(self.consent());
        }
    }

    /// The session is over: nothing captured, pointer mode.
    pub fn end(&mut self) {
        self.page.end();
        self.control.restart(None);
    }
}
