//! The agent's control in the session: what its console asks for (its pointer, a resync, write
//! mode, actions, navigation), its request for write mode and the customer's answer,
//! either side going back to pointer mode, and each action or navigation checked against the
//! mode and the page's restrictions before it is done. Refusals change nothing on the page;
//! they are told to the agent and counted to the relay.

use shared_protocol::agent_control::{
    ActionKind, AgentAction, ModeCause, Navigate, Refusal, RefusedCounts,
};
use shared_protocol::page::{AgentPageMsg, CustomerPageMsg};
use shared_protocol::CustomerMsg;
use wasm_bindgen::JsValue;

use super::outbound::SharedOutbound;
use super::page::Page;
use super::screen::Screen;
use crate::agent_control::{self, navigate, restrictions, Control, ControlSettings, Step};
use crate::browser::{document, now_ms, random_token};
use crate::debug;
use crate::stream::PageStream;

/// Where the control part speaks: to the agent and the relay (`out`), to the customer
/// (`screen`).
pub struct Voices<'a> {
    pub out: &'a SharedOutbound,
    pub screen: &'a Screen,
}

/// The consent to write mode changed: the session saves it for the tab's next page.
#[must_use = "a changed consent is saved for the next page"]
pub struct ConsentChanged(pub bool);

/// The mode, the consent question and the refusals, under what the relay allows the agent.
pub struct AgentControl {
    control: Control,
    settings: ControlSettings,
}

impl AgentControl {
    pub fn new(settings: ControlSettings) -> Self {
        Self {
            control: Control::default(),
            settings,
        }
    }

    /// Pointer mode, with the consent an earlier page of the tab kept (`None`: a new session).
    pub fn restart(&mut self, kept_consent: Option<[u8; 16]>) {
        self.control = Control::new(kept_consent);
    }

    pub fn consent(&self) -> Option<[u8; 16]> {
        self.control.consent()
    }

    fn on_write_request(&mut self, to: &Voices) -> ConsentChanged {
        let settings = &self.settings;
        let step = self.control.request(
            settings.write_mode_allowed,
            settings.request_interval_ms,
            now_ms(),
        );
        self.apply(step, to)
    }

    /// What the agent's console asked for (sealed); its pointer is the page's to show.
    pub fn on_page(&mut self, msg: AgentPageMsg, page: &Page, to: &Voices) -> ConsentChanged {
        match msg {
            AgentPageMsg::RequestWrite => return self.on_write_request(to),
            AgentPageMsg::PointerMode => return self.stop_write(ModeCause::AgentStopped, to),
            AgentPageMsg::ResumeWrite(shown) => return self.resume_write(shown, to),
            AgentPageMsg::Act(action) => self.on_action(action, page.stream(), to),
            AgentPageMsg::Navigate(nav) => self.on_navigate(nav, to.out),
            AgentPageMsg::Pointer(p) => {
                to.screen.agent_pointer(p);
                page.agent_pointer(&p);
            }
            AgentPageMsg::Resync { .. } => page.resnapshot(),
        }
        ConsentChanged(false)
    }

    /// The customer answered; a yes gives the agent a fresh consent token (an error without
    /// secure randomness).
    pub fn answer(&mut self, approve: bool, to: &Voices) -> Result<ConsentChanged, JsValue> {
        let consent = random_token()?;
        let step = self.control.answer(approve, consent, now_ms());
        let changed = self.apply(step, to);
        if let (Some(token), true) = (self.control.consent(), approve) {
            (to.out.borrow_mut()).send_page(&CustomerPageMsg::WriteConsent(token));
        }
        Ok(changed)
    }

    /// The console shows the consent of an earlier page: write mode resumes, or the message is
    /// refused like any other that the mode does not allow.
    fn resume_write(&mut self, shown: [u8; 16], to: &Voices) -> ConsentChanged {
        match self.control.resume(&shown) {
            Ok(step) => self.apply(step, to),
            Err(why) => {
                refuse(why, to.out);
                ConsentChanged(false)
            }
        }
    }

    pub fn stop_write(&mut self, cause: ModeCause, to: &Voices) -> ConsentChanged {
        let step = self.control.stop(cause);
        self.apply(step, to)
    }

    /// Shows and tells what a step of the mode's state machine decided.
    fn apply(&mut self, step: Step, to: &Voices) -> ConsentChanged {
        let saved = match step {
            Step::Nothing => return ConsentChanged(false),
            Step::Ask => {
                self.tell_mode(ModeCause::Asking, to);
                false
            }
            Step::Tell { changed, cause } => {
                if changed {
                    to.out
                        .borrow()
                        .send_control(CustomerMsg::Mode(self.control.mode));
                }
                self.tell_mode(cause, to);
                true
            }
        };
        to.screen
            .mode_changed(self.control.mode, self.control.asking);
        ConsentChanged(saved)
    }

    /// Tells the agent the mode now, and why.
    pub fn tell_mode(&self, cause: ModeCause, to: &Voices) {
        let msg = CustomerPageMsg::Mode {
            mode: self.control.mode,
            cause,
        };
        to.out.borrow_mut().send_page(&msg);
        to.screen.mode(self.control.mode, self.control.asking);
    }

    fn on_action(&self, action: AgentAction, stream: Option<&PageStream>, to: &Voices) {
        if let Err(why) = self.try_action(&action, stream, to.screen) {
            refuse(why, to.out);
        }
    }

    fn try_action(
        &self,
        action: &AgentAction,
        stream: Option<&PageStream>,
        screen: &Screen,
    ) -> Result<(), Refusal> {
        self.control.permits_actions()?;
        let stream = stream.ok_or(Refusal::NoTarget)?;
        let point = match action.kind {
            ActionKind::Click { x, y } => Some((x, y)),
            _ => None,
        };
        let target = stream.target(action.epoch, action.target, point)?;
        let allow = self.settings.allow;
        let scopes = stream.scopes();
        if matches!(action.kind, ActionKind::Type { .. }) {
            restrictions::check(&target.element, &*scopes, &action.kind, allow)?;
            screen.agent_typing(&target.element);
        }
        // A page handler that throws does not stop the action (events swallow it).
        agent_control::act(&target.element, target.id, &scopes, &action.kind, allow)
    }

    fn on_navigate(&self, nav: Navigate, out: &SharedOutbound) {
        let outcome = self.control.permits_actions().and_then(|_| {
            let page = document().url().unwrap_or_default();
            navigate::go(&nav, &page, &self.settings.site_origins)
        });
        if let Err(why) = outcome {
            refuse(why, out);
        }
    }
}

/// Nothing happened: the agent is told why, the relay counts it.
fn refuse(why: Refusal, out: &SharedOutbound) {
    debug::log(&format!("refused an agent message: {}", why.as_str()));
    out.borrow_mut().send_page(&CustomerPageMsg::Refused(why));
    // Refusals are rare (a modified console, a stale action): each is reported at once.
    let mut counts = RefusedCounts::default();
    counts.add(why);
    out.borrow().send_control(CustomerMsg::Refused(counts));
}
