//! The customer's side of one co-browse session, as a state machine driven by widget actions
//! and relay messages: idle → confirming → connecting → waiting for the agent (code shown) →
//! verifying the agent's code → streaming the page → ended. A dropped connection is resumed
//! automatically; everything is torn down on the way out, so the host page is left as it was.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use shared_protocol::agent_control::ModeCause;
use shared_protocol::code::SECRET_SPACE;
use shared_protocol::exchange::Keys;
use shared_protocol::key_guard::KeyGuard;
use shared_protocol::page::{AgentPageMsg, CustomerPageMsg};
use shared_protocol::payload::{decode_payload, encode_payload};
use shared_protocol::privacy::{Effective, PrivacyRules};
use shared_protocol::texts::WidgetText;
use shared_protocol::transport::{Attempt, TransportChoice};
use shared_protocol::{
    CustomerMsg, Delivery, Envelope, ErrorCode, JoinCode, KeyExchange, PageInfo, RelayMsg, Resume,
    Role, HEARTBEAT_INTERVAL_SECS,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::agent_control::Control;
use crate::browser::{
    document, first_session_in_tab, now_ms, random_below, random_token, random_u64, window,
    Interval, Listener, Timeout,
};
use crate::debug;
use crate::link::Link;
use crate::navigation::NavigationWatch;
use crate::persist::Saved;
use crate::privacy::AutoMaskedTally;
use crate::settings::Settings;
use crate::socket::{RelaySocket, SocketEvent};
use crate::stream::PageStream;
use crate::widget::{View, Widget, WidgetAction};

mod connection;
mod control;
mod keys;
mod page;

/// A reconnect under way: the how-manyth, whether the relay said it is restarting (the status
/// says so until a resume succeeds), and its timer.
/// How a session ends: as someone asked (the customer, the agent, the verification limit),
/// or because something failed, which the site hears of.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ending {
    Normal,
    Failure,
}

struct Reconnect {
    attempt: usize,
    restarting: bool,
    _timer: Timeout,
}

thread_local! {
    // The installed session lives as long as the page.
    static INSTALLED: RefCell<Option<Rc<RefCell<Customer>>>> = const { RefCell::new(None) };
}

/// Mounts the widget once per page; a second call is a no-op.
pub fn install(relay_url: &str, settings: Settings) -> Result<(), JsValue> {
    if INSTALLED.with(|i| i.borrow().is_some()) {
        return Ok(());
    }
    let texts = settings.texts.clone();
    let look = settings.look.clone();
    let customer = Rc::new(RefCell::new(Customer::new(relay_url, settings)));
    customer.borrow_mut().this = Rc::downgrade(&customer);
    let weak = Rc::downgrade(&customer);
    let on_action: Rc<dyn Fn(WidgetAction)> = Rc::new(move |action| {
        if let Some(c) = weak.upgrade() {
            c.borrow_mut().on_action(action);
        }
    });
    let widget = Widget::mount(&document(), texts, &look, on_action)?;
    // The page is being unloaded: the relay waits longer for the next page of the session
    // (the customer may be leaving the site for a while), and the agent is told at once.
    let weak = Rc::downgrade(&customer);
    customer.borrow_mut().leaving = Some(Listener::new(
        window().as_ref(),
        "pagehide",
        false,
        move |_| {
            if let Some(c) = weak.upgrade() {
                c.borrow_mut().on_leaving();
            }
        },
    ));
    // The customer's keys, so the agent never takes the focus from a field they type a secret in.
    crate::agent_control::customer_keys::watch();
    widget.show(&View::Idle);
    customer.borrow_mut().widget = Some(widget);
    // A page load within a session: continue it.
    if let Some(saved) = Saved::load(relay_url) {
        customer.borrow_mut().continue_saved(saved);
    }
    INSTALLED.with(|i| *i.borrow_mut() = Some(customer));
    Ok(())
}

struct Customer {
    relay_url: String,
    widget: Option<Widget>,
    link: Link,
    stream: Option<PageStream>,
    code: Option<JoinCode>,
    session_id: [u8; 16],
    resume_token: Option<[u8; 16]>,
    /// The relay node that runs the session (`RelayMsg::Node`): next connections ask for it.
    node: Option<String>,
    /// The key exchanges with the agent, and their guard: the exchanges that failed for the
    /// whole session (each confirmation we sent that never confirmed back gave whoever
    /// answered one offline guess), and the proof a later exchange must carry once one was
    /// verified. The guard survives page loads; a new session starts a new one.
    keys: Keys,
    /// The status line to go back to once a dropped connection is resumed.
    status: String,
    heartbeat: Option<Interval>,
    reconnect: Option<Reconnect>,
    /// WebSocket or long polling, for each new connection; the current connection's.
    transport: TransportChoice,
    attempt: Option<Attempt>,
    /// This page load continues a session: the next resume is a reload (new keys).
    reloaded: bool,
    navigation: Option<NavigationWatch>,
    /// The relay's privacy rules (global, then per URL); nothing is captured before they come.
    relay_rules: Option<Vec<PrivacyRules>>,
    /// The rules the stream captures under now (they change with the page's URL).
    privacy: Option<Effective>,
    /// What the last line of defence masked, counted by every policy built for this session.
    auto_masked: AutoMaskedTally,
    /// What the relay allows the agent, and the widget's texts.
    settings: Settings,
    /// Tells the relay when the page is unloaded.
    leaving: Option<Listener>,
    /// The mode, the consent question and the refusals.
    control: Control,
    this: Weak<RefCell<Customer>>,
}

impl Customer {
    fn new(relay_url: &str, settings: Settings) -> Self {
        Self {
            relay_url: relay_url.to_string(),
            widget: None,
            link: Link::default(),
            stream: None,
            code: None,
            session_id: [0; 16],
            resume_token: None,
            keys: Keys::new(Role::Customer, KeyGuard::default()),
            status: String::new(),
            heartbeat: None,
            reconnect: None,
            transport: TransportChoice::default(),
            attempt: None,
            node: None,
            reloaded: false,
            navigation: None,
            relay_rules: None,
            privacy: None,
            auto_masked: AutoMaskedTally::default(),
            settings,
            leaving: None,
            control: Control::default(),
            this: Weak::new(),
        }
    }

    /// The configured text for `key`, with `{name}`s filled in.
    fn text(&self, key: WidgetText, values: &[(&str, &str)]) -> String {
        self.settings.texts.fill(key, values)
    }

    fn show(&self, view: View) {
        if let Some(w) = &self.widget {
            w.show(&view);
        }
    }

    fn on_action(&mut self, action: WidgetAction) {
        match action {
            WidgetAction::Start => self.show(View::Confirming),
            WidgetAction::Cancel => self.show(View::Idle),
            WidgetAction::Confirm => {
                self.show(View::Connecting);
                if let Err(e) = self.open_socket() {
                    self.end(
                        Ending::Failure,
                        format!("Co-browse could not start: {}", describe_js(&e)),
                    );
                }
            }
            WidgetAction::Exit => {
                if let Some((url, title)) = self.navigation.as_ref().and_then(|w| w.take_pending())
                {
                    let visit = self.visit(&url, &title);
                    self.link.send_control(CustomerMsg::PageVisit(visit));
                }
                self.link.send_control(CustomerMsg::Exit);
                self.end(Ending::Normal, self.text(WidgetText::EndedByYou, &[]));
            }
            WidgetAction::AllowWrite => self.answer_write_request(true),
            WidgetAction::DenyWrite => self.answer_write_request(false),
            WidgetAction::StopWrite => self.stop_write(ModeCause::CustomerStopped),
        }
    }

    /// Takes the session of an earlier page of this tab back: same code, new keys.
    fn continue_saved(&mut self, saved: Saved) {
        self.link.set_routing(saved.code.routing);
        self.code = Some(saved.code);
        self.session_id = saved.session_id;
        self.resume_token = Some(saved.resume_token);
        self.node = saved.node;
        self.keys = Keys::new(Role::Customer, saved.guard);
        self.reloaded = true;
        // Pointer mode until the agent's console shows the consent this tab kept.
        self.control = Control::new(saved.write_consent);
        self.show_session(&self.text(WidgetText::Continuing, &[]));
        if let Err(e) = self.open_socket() {
            self.end(
                Ending::Failure,
                format!("Co-browse could not continue: {}", describe_js(&e)),
            );
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
            } => {
                let secret = match random_below(SECRET_SPACE as u32) {
                    Ok(s) => s as u16,
                    Err(e) => {
                        return self.end(
                            Ending::Failure,
                            format!("No secure randomness: {}", describe_js(&e)),
                        )
                    }
                };
                let Some(code) = JoinCode::new(routing, secret) else {
                    return self.end(
                        Ending::Failure,
                        "The server sent an invalid session code.".into(),
                    );
                };
                self.link.set_routing(routing);
                self.code = Some(code);
                self.session_id = session_id;
                self.resume_token = Some(resume_token);
                self.save();
                self.start_heartbeat();
                self.watch_navigation();
                self.show_session(&self.text(WidgetText::ReadCode, &[]));
            }
            RelayMsg::Resumed {
                last_received,
                lost,
                peer_present,
            } => {
                self.reconnect = None;
                if std::mem::take(&mut self.reloaded) {
                    return self.continued(peer_present);
                }
                if self.link.resend_after(last_received).is_err() {
                    return self.end(
                        Ending::Failure,
                        "Co-browse stopped: the connection was lost too long.".into(),
                    );
                }
                if let (true, Some(channel)) = (lost, self.keys.channel_mut()) {
                    channel.opener.accept_gap();
                }
                if self.stream.is_some() {
                    self.tell_transport();
                }
                let status = self.status.clone();
                self.show_session(&status);
            }
            // Once an agent was verified, the session is that agent's: a join by anyone else
            // (only a relay would announce one) is not answered with a guess at the code.
            RelayMsg::AgentJoined if self.keys.guard().verified_before() => {
                debug::log("an agent join after verification is ignored");
            }
            RelayMsg::AgentJoined => {
                self.start_key_exchange();
                self.show_session(&self.text(WidgetText::AgentConnecting, &[]));
            }
            RelayMsg::Key(key) => self.on_key(key),
            RelayMsg::VerificationFailed { attempts_left } => {
                self.keys.reset();
                self.stream = None;
                let attempts = attempts_left.to_string();
                self.show_session(&self.text(WidgetText::CodeRetry, &[("attempts", &attempts)]));
            }
            // Frames from the agent were dropped (it sends only resync requests): go on.
            RelayMsg::Gap => {
                if let Some(channel) = self.keys.channel_mut() {
                    channel.opener.accept_gap();
                }
            }
            // The agent fell too far behind: start it again from a fresh snapshot.
            RelayMsg::SnapshotNeeded => {
                if let Some(stream) = &self.stream {
                    let parts = stream.resnapshot();
                    self.send_pages(parts);
                }
            }
            // The agent came back while this page still has no keys: key now.
            RelayMsg::PeerBack if self.needs_keys() => {
                self.start_key_exchange();
                self.show_session(&self.text(WidgetText::AgentConnecting, &[]));
            }
            RelayMsg::PeerAway => self.show_status_only(&self.text(WidgetText::AgentDropped, &[])),
            RelayMsg::PeerBack => {
                let status = self.status.clone();
                self.show_session(&status);
            }
            RelayMsg::Sealed(bytes) => self.on_sealed(env.delivery, env.seq, &bytes),
            RelayMsg::Ended { reason } => {
                self.end(
                    Ending::Normal,
                    self.text(WidgetText::Ended, &[("reason", reason.describe())]),
                );
            }
            RelayMsg::Error {
                code: ErrorCode::NotInSession,
                ..
            } => {}
            RelayMsg::Error { message, .. } => {
                self.end(Ending::Failure, format!("Co-browse stopped: {message}."))
            }
            RelayMsg::Privacy(rules) => self.relay_rules = Some(rules),
            RelayMsg::Node(node) => {
                if shared_protocol::node_hint::is_node_name(&node) {
                    self.node = Some(node);
                    self.save();
                }
            }
            RelayMsg::Joined { .. } | RelayMsg::PeerReloaded | RelayMsg::PeerNavigating => {}
        }
    }

    /// The page is going away while in a session: say so before the socket closes.
    fn on_leaving(&mut self) {
        if self.resume_token.is_some() {
            self.link.send_control(CustomerMsg::Leaving);
        }
    }

    /// Keeps what a page load of this tab needs to continue the session.
    fn save(&self) {
        if let (Some(code), Some(resume_token)) = (self.code, self.resume_token) {
            Saved {
                relay_url: self.relay_url.clone(),
                code,
                session_id: self.session_id,
                resume_token,
                guard: self.keys.guard().clone(),
                write_consent: self.control.consent(),
                node: self.node.clone(),
            }
            .store();
        }
    }

    fn show_session(&mut self, status: &str) {
        self.status = status.to_string();
        self.show_status_only(status);
    }

    /// Shows `status` without making it the one to return to after a reconnect.
    fn show_status_only(&self, status: &str) {
        if let Some(code) = self.code {
            self.show(View::Session {
                code: code.to_string(),
                status: status.into(),
            });
        }
    }

    /// Stops everything and tells the customer why; a failure is reported to the site too
    /// (`cobrowse:error`), a normal end is not.
    fn end(&mut self, ending: Ending, message: String) {
        debug::log(&format!("session over: {message}"));
        if ending == Ending::Failure {
            crate::errors::report("session", &message);
        }
        self.stream = None;
        if let Some(w) = &self.widget {
            w.show_hidden_fields("", 0);
        }
        self.link = Link::default();
        self.code = None;
        self.resume_token = None;
        // The next session on this page keys with its own agent from scratch.
        self.keys = Keys::new(Role::Customer, KeyGuard::default());
        self.heartbeat = None;
        self.reconnect = None;
        self.navigation = None;
        self.reloaded = false;
        self.control = Control::default();
        Saved::clear();
        self.show(View::Ended { message });
    }
}

fn describe_js(e: &JsValue) -> String {
    e.as_string()
        .or_else(|| {
            e.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| format!("{e:?}"))
}
