//! [`Customer`]: one session as a state machine driven by widget actions, socket events and
//! relay messages (idle → confirming → connecting → waiting for the agent, code shown →
//! verifying the agent's code → streaming the page → ended). It ties its owned parts
//! together (see the module's header); each does its work in its own file, and every way out
//! goes through [`Customer::end`].

use std::cell::RefCell;
use std::rc::Weak;

use shared_protocol::ends::EndReason;
use shared_protocol::key_guard::KeyGuard;
use shared_protocol::page_api::EndCause;
use shared_protocol::texts::WidgetText;
use shared_protocol::{CustomerMsg, Envelope, ErrorCode, RelayMsg};

use super::agent::AgentSide;
use super::connection::Closed;
use super::membership::Membership;
use super::outbound::{Outbound, SharedOutbound};
use super::screen::Notify;
use super::screen::Screen;
use super::{describe_js, ApiCall, Stop};
use crate::debug;
use crate::navigation::Visit;
use crate::persist::Saved;
use crate::settings::Settings;
use crate::socket::SocketEvent;
use crate::widget::{View, WidgetAction};

pub struct Customer {
    this: Weak<RefCell<Customer>>,
    screen: Screen,
    /// The link, the keys and the routing: what sends and opens, shared with the parts below
    /// and the page stream's sink.
    out: SharedOutbound,
    member: Membership,
    agent: AgentSide,
}

impl Customer {
    pub fn new(
        relay_url: &str,
        settings: Settings,
        notify: Notify,
        this: Weak<RefCell<Customer>>,
    ) -> Self {
        let out = Outbound::shared(KeyGuard::default());
        Self {
            this,
            screen: Screen::new(settings.texts, settings.lang, notify),
            member: Membership::new(relay_url, out.clone()),
            agent: AgentSide::new(out.clone(), settings.control),
            out,
        }
    }

    pub fn screen(&mut self) -> &mut Screen {
        &mut self.screen
    }

    /// The session as the page API tells it.
    pub fn screen_state(&self) -> shared_protocol::page_api::ApiState {
        self.screen.api_state()
    }

    /// A callback that calls `f` on the customer, as long as the session is installed.
    fn later<T: 'static>(&self, f: impl Fn(&mut Customer, T) + 'static) -> impl Fn(T) + 'static {
        let weak = self.this.clone();
        move |value| {
            if let Some(c) = weak.upgrade() {
                f(&mut c.borrow_mut(), value);
            }
        }
    }

    pub fn on_action(&mut self, action: WidgetAction) {
        match action {
            WidgetAction::Start => self.screen.show(View::Confirming),
            WidgetAction::Cancel => self.screen.declined(),
            // The page API may start while a session is underway: nothing to do then.
            WidgetAction::Confirm if self.screen.api_state().in_session() => {}
            WidgetAction::Confirm => {
                self.screen.connecting();
                self.open_socket();
            }
            WidgetAction::Exit if !self.screen.api_state().in_session() => {}
            WidgetAction::Exit => {
                if let Some((url, title)) = self.agent.page().pending_route() {
                    let visit = self.agent.page().visit(&url, &title);
                    self.out
                        .borrow()
                        .send_control(CustomerMsg::PageVisit(visit));
                }
                self.out.borrow().send_control(CustomerMsg::Exit);
                self.end(
                    EndCause::Ended(EndReason::CustomerExit),
                    self.screen.text(WidgetText::EndedByYou, &[]),
                );
            }
            WidgetAction::AllowWrite => self.answer_write_request(true),
            WidgetAction::DenyWrite => self.answer_write_request(false),
            WidgetAction::StopWrite => self.agent.stop_write(&self.member, &self.screen),
        }
    }

    /// What the page's API asks; an error says why nothing was done.
    pub fn on_api(&mut self, call: ApiCall) -> Result<(), &'static str> {
        let state = self.screen.api_state();
        let action = match call {
            ApiCall::Start { .. } if state.in_session() => return Ok(()),
            ApiCall::Start { confirmed: true } => WidgetAction::Confirm,
            // The consent question is the customer's: without the widget, the page asks it.
            ApiCall::Start { confirmed: false } if !self.screen.asks_consent() => return Err(
                "the built-in UI is off: ask the customer, then call start({ confirmed: true })",
            ),
            ApiCall::Start { confirmed: false } => WidgetAction::Start,
            ApiCall::Exit => WidgetAction::Exit,
            ApiCall::AnswerWrite(_) if !state.write_requested => {
                return Err("no request for write mode is waiting for an answer")
            }
            ApiCall::AnswerWrite(true) => WidgetAction::AllowWrite,
            ApiCall::AnswerWrite(false) => WidgetAction::DenyWrite,
        };
        self.on_action(action);
        Ok(())
    }

    /// Takes the session of an earlier page of this tab back: same code, new keys.
    pub fn continue_saved(&mut self, saved: Saved) {
        self.member.continue_saved(&saved);
        // Pointer mode until the agent's console shows the consent this tab kept.
        self.agent.restart(saved.write_consent);
        self.screen.set_code(saved.code);
        self.screen.session(WidgetText::Continuing, &[]);
        self.open_socket();
    }

    /// The page is going away while in a session: the relay hears of it first.
    pub fn on_leaving(&mut self) {
        self.screen.navigating();
        self.member.leaving();
    }

    /// Opens a connection; when that fails, the session ends saying why.
    fn open_socket(&mut self) {
        if let Err(e) = self.member.open(self.later(Customer::on_socket)) {
            self.fail(format!("{}.", describe_js(&e)));
        }
    }

    fn on_socket(&mut self, event: SocketEvent) {
        match event {
            SocketEvent::Open => {
                let page = self.agent.page();
                self.member.opened(|| page.here());
            }
            SocketEvent::Message(env) => self.on_relay(env),
            SocketEvent::BadFrame(why) => {
                self.fail(format!("the server sent a bad frame ({why})."))
            }
            SocketEvent::Closed { code, reason } => match self.member.closed(code, reason) {
                None => {}
                // A proxy refused the WebSocket: the same connection over polling. Or the
                // WebSocket works again: resume over it (`opened` sends the resume).
                Some(Closed::Reopen) => self.open_socket(),
                Some(Closed::Retry {
                    attempt,
                    restarting,
                }) => self.retry(attempt, restarting),
                Some(Closed::Lost(why)) => self.fail(format!("{why}.")),
            },
        }
    }

    fn retry(&mut self, attempt: usize, restarting: bool) {
        let due = self.later(Customer::reconnect_now);
        match self.member.retry(attempt, restarting, move || due(attempt)) {
            Some(status) => self.screen.passing(status),
            None => self.fail("the connection to the server was lost.".into()),
        }
    }

    fn reconnect_now(&mut self, attempt: usize) {
        if self.member.open(self.later(Customer::on_socket)).is_err() {
            let restarting = self.member.restarting();
            self.retry(attempt + 1, restarting);
        }
    }

    fn on_relay(&mut self, env: Envelope<RelayMsg>) {
        if debug::enabled() && !matches!(env.msg, RelayMsg::Sealed(_)) {
            debug::log(&format!("relay: {}", env.msg.name()));
        }
        match env.msg {
            RelayMsg::Created {
                session_id,
                routing,
                resume_token,
            } => self.created(session_id, routing, resume_token),
            RelayMsg::Resumed {
                last_received,
                lost,
                peer_present,
            } => match self.member.resumed(last_received, lost) {
                Err(why) => self.fail(why),
                Ok(true) => {
                    self.watch_navigation();
                    let loaded =
                        (self.agent).page_loaded(peer_present, &self.member, &mut self.screen);
                    self.end_on(loaded);
                }
                Ok(false) => {
                    if self.agent.page().streaming() {
                        self.agent.tell_transport(&self.member);
                    }
                    self.screen.restore();
                }
            },
            // Once an agent was verified, the session is that agent's: a join by anyone else
            // (only a relay would announce one) is not answered with a guess at the code.
            RelayMsg::AgentJoined if self.out.borrow().keys().guard().verified_before() => {
                debug::log("an agent join after verification is ignored");
            }
            RelayMsg::AgentJoined => self.agent_arrived(),
            RelayMsg::Key(key) => {
                let keyed = self.agent.on_key(key, &self.member, &mut self.screen);
                self.end_on(keyed);
            }
            RelayMsg::VerificationFailed { attempts_left } => {
                self.agent.keys_lost();
                self.screen.agent_lost();
                (self.screen).session_counted(
                    (WidgetText::CodeRetryOne, WidgetText::CodeRetry),
                    attempts_left.into(),
                );
            }
            // Frames from the agent were dropped (it sends only resync requests): go on.
            RelayMsg::Gap => self.out.borrow_mut().accept_gap(),
            // The agent fell too far behind: start it again from a fresh snapshot.
            RelayMsg::SnapshotNeeded => self.agent.page().resnapshot(),
            // The agent came back while this page still has no keys: key now. (`PeerBack`
            // comes only from an agent that was in the session: one is there to key with.)
            RelayMsg::PeerBack if self.agent.unkeyed() => self.agent_arrived(),
            RelayMsg::PeerAway => self.screen.passing(WidgetText::AgentDropped),
            RelayMsg::PeerBack => self.screen.restore(),
            RelayMsg::Sealed(bytes) => {
                let frame = (env.delivery, env.seq, &bytes[..]);
                self.agent.on_sealed(frame, &self.member, &self.screen);
            }
            RelayMsg::Ended { reason } => {
                let why = self.screen.text(WidgetText::reason(reason), &[]);
                let message = self.screen.text(WidgetText::Ended, &[("reason", &why)]);
                self.end(EndCause::Ended(reason), message);
            }
            RelayMsg::Error {
                code: ErrorCode::NotInSession,
                ..
            } => {}
            RelayMsg::Error { message, .. } => self.fail(format!("{message}.")),
            RelayMsg::Privacy(rules) => self.agent.page_mut().set_relay_rules(rules),
            RelayMsg::Node(node) => self.member.set_node(node, self.agent.consent()),
            RelayMsg::Joined { .. } | RelayMsg::PeerReloaded | RelayMsg::PeerNavigating => {}
        }
    }

    fn created(&mut self, session_id: [u8; 16], routing: u32, resume_token: [u8; 16]) {
        match (self.member).created(session_id, routing, resume_token) {
            Ok(code) => self.screen.set_code(code),
            Err(why) => return self.fail(why),
        }
        self.save();
        self.watch_navigation();
        self.screen.session(WidgetText::ReadCode, &[]);
    }

    /// Reports single-page-app route changes as page visits, and captures under the new
    /// URL's privacy rules.
    fn watch_navigation(&mut self) {
        let on_route = self.later(|c: &mut Customer, (url, title): Visit| {
            let visit = c.agent.page().visit(&url, &title);
            c.out.borrow().send_control(CustomerMsg::PageVisit(visit));
            if let Err(e) = c.agent.page_mut().follow_rules_of_url() {
                c.fail(describe_js(&e));
            }
        });
        self.agent.page_mut().watch_navigation(on_route);
    }

    /// An agent is there to key with.
    fn agent_arrived(&mut self) {
        let keying = self.agent.arrived(&self.member, &mut self.screen);
        self.end_on(keying);
    }

    fn answer_write_request(&mut self, approve: bool) {
        let answered = self.agent.answer(approve, &self.member, &self.screen);
        self.end_on(answered);
    }

    /// Keeps what a page load of this tab needs to continue the session.
    fn save(&self) {
        self.member.save(self.agent.consent());
    }

    /// Ends the session when a part says so.
    fn end_on(&mut self, outcome: Result<(), Stop>) {
        match outcome {
            Err(Stop {
                cause: EndCause::Failed,
                message,
            }) => self.fail(message),
            Err(stop) => self.end(stop.cause, stop.message),
            Ok(()) => {}
        }
    }

    /// Something failed: the session ends, the customer reads "Co-browse stopped: {why}" (in
    /// their language; `why` itself is the technical cause) and the site hears of it.
    fn fail(&mut self, why: String) {
        let message = self.screen.text(WidgetText::Failed, &[("why", &why)]);
        self.end(EndCause::Failed, message);
    }

    /// Stops everything and tells the customer why; a failure is reported to the site too
    /// (`cobrowse:error`), a normal end is not.
    fn end(&mut self, cause: EndCause, message: String) {
        debug::log(&format!("session over: {message}"));
        if cause == EndCause::Failed {
            crate::errors::report("session", &message);
        }
        self.agent.end();
        self.member.end();
        self.screen.ended(cause, message);
    }
}
