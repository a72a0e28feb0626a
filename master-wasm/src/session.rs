//! The customer's side of one co-browse session, as a state machine driven by widget actions
//! and relay messages: idle → confirming → connecting → waiting for the agent (code shown) →
//! verifying the agent's code → streaming the page → ended. A dropped connection is resumed
//! automatically; everything is torn down on the way out, so the host page is left as it was.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use shared_protocol::code::SECRET_SPACE;
use shared_protocol::crypto::{Agreed, Handshake, Opener, Sealer};
use shared_protocol::envelope::{decode_payload, encode_payload};
use shared_protocol::page::{AgentPageMsg, CustomerPageMsg};
use shared_protocol::{
    CustomerMsg, Delivery, Envelope, ErrorCode, JoinCode, KeyExchange, PageInfo, RelayMsg, Resume,
    Role, HEARTBEAT_INTERVAL_SECS, MAX_VERIFY_FAILURES,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::browser::{
    document, first_session_in_tab, random_below, random_u64, window, Interval, Timeout,
};
use crate::debug;
use crate::link::Link;
use crate::navigation::NavigationWatch;
use crate::persist::Saved;
use crate::socket::{websocket_url, RelaySocket, SocketEvent};
use crate::stream::PageStream;
use crate::widget::{View, Widget, WidgetAction};

/// Reconnect attempts after a drop, with these delays (ms); the relay's grace period decides
/// whether the last ones still find the session.
const RECONNECT_DELAYS_MS: [i32; 8] = [250, 500, 1000, 2000, 4000, 8000, 8000, 8000];

thread_local! {
    // The installed session lives as long as the page.
    static INSTALLED: RefCell<Option<Rc<RefCell<Customer>>>> = const { RefCell::new(None) };
}

/// Mounts the widget once per page; a second call is a no-op.
pub fn install(relay_url: &str) -> Result<(), JsValue> {
    if INSTALLED.with(|i| i.borrow().is_some()) {
        return Ok(());
    }
    let customer = Rc::new(RefCell::new(Customer::new(relay_url)));
    customer.borrow_mut().this = Rc::downgrade(&customer);
    let weak = Rc::downgrade(&customer);
    let on_action: Rc<dyn Fn(WidgetAction)> = Rc::new(move |action| {
        if let Some(c) = weak.upgrade() {
            c.borrow_mut().on_action(action);
        }
    });
    let widget = Widget::mount(&document(), on_action)?;
    widget.show(&View::Idle);
    customer.borrow_mut().widget = Some(widget);
    // A page load within a session: continue it.
    if let Some(saved) = Saved::load(relay_url) {
        customer.borrow_mut().continue_saved(saved);
    }
    INSTALLED.with(|i| *i.borrow_mut() = Some(customer));
    Ok(())
}

/// Where the key exchange with the current agent stands. Only the customer starts one, under a
/// fresh random id; messages of any other exchange are ignored.
enum Keys {
    None,
    /// Our SPAKE2 message is out; waiting for the agent's.
    Started {
        exchange: u64,
        handshake: Handshake,
    },
    /// Keys derived and our confirmation sent; waiting for the agent's confirmation.
    Agreed {
        exchange: u64,
        agreed: Agreed,
    },
    /// Verified: page content may flow.
    Ready {
        sealer: Sealer,
        opener: Opener,
    },
}

struct Customer {
    relay_url: String,
    widget: Option<Widget>,
    link: Link,
    stream: Option<PageStream>,
    code: Option<JoinCode>,
    session_id: [u8; 16],
    resume_token: Option<[u8; 16]>,
    keys: Keys,
    /// The status line to go back to once a dropped connection is resumed.
    status: String,
    heartbeat: Option<Interval>,
    reconnect: Option<(usize, Timeout)>,
    /// This page load continues a session: the next resume is a reload (new keys).
    reloaded: bool,
    /// Confirmations we sent in exchanges that never confirmed back. Each one gives whoever
    /// answered one offline guess at the secret digits, so the session ends after
    /// `MAX_VERIFY_FAILURES` of them, whatever the relay says; only a verified exchange
    /// resets it, and it survives page loads.
    unconfirmed: u8,
    navigation: Option<NavigationWatch>,
    this: Weak<RefCell<Customer>>,
}

impl Customer {
    fn new(relay_url: &str) -> Self {
        Self {
            relay_url: relay_url.to_string(),
            widget: None,
            link: Link::default(),
            stream: None,
            code: None,
            session_id: [0; 16],
            resume_token: None,
            keys: Keys::None,
            status: String::new(),
            heartbeat: None,
            reconnect: None,
            reloaded: false,
            unconfirmed: 0,
            navigation: None,
            this: Weak::new(),
        }
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
                    self.end(format!("Co-browse could not start: {}", describe_js(&e)));
                }
            }
            WidgetAction::Exit => {
                self.link.send_control(CustomerMsg::Exit);
                self.end("Co-browse ended. The representative no longer sees this page.".into());
            }
        }
    }

    /// Takes the session of an earlier page of this tab back: same code, new keys.
    fn continue_saved(&mut self, saved: Saved) {
        self.link.set_routing(saved.code.routing);
        self.code = Some(saved.code);
        self.session_id = saved.session_id;
        self.resume_token = Some(saved.resume_token);
        self.unconfirmed = saved.unconfirmed;
        self.reloaded = true;
        self.show_session("Continuing co-browse on this page…");
        if let Err(e) = self.open_socket() {
            self.end(format!("Co-browse could not continue: {}", describe_js(&e)));
        }
    }

    fn open_socket(&mut self) -> Result<(), JsValue> {
        let weak = self.this.clone();
        let socket = RelaySocket::open(
            &websocket_url(&self.relay_url, "/ws/customer"),
            move |event| {
                if let Some(c) = weak.upgrade() {
                    c.borrow_mut().on_socket(event);
                }
            },
        )?;
        self.link.socket = Some(socket);
        Ok(())
    }

    fn on_socket(&mut self, event: SocketEvent) {
        match event {
            SocketEvent::Open => self.on_open(),
            SocketEvent::Message(env) => self.on_relay(env),
            SocketEvent::BadFrame(why) => self.end(format!(
                "Co-browse stopped: the server sent a bad frame ({why})."
            )),
            SocketEvent::Closed { code, reason } => {
                if self.link.socket.is_none() {
                    return;
                }
                self.link.socket = None;
                if self.resume_token.is_some() {
                    // Each drop before a successful resume waits longer, and gives up in the end.
                    let attempt = self.reconnect.as_ref().map_or(0, |(a, _)| a + 1);
                    return self.schedule_reconnect(attempt);
                }
                let why = if reason.is_empty() {
                    format!("connection closed ({code})")
                } else {
                    reason
                };
                self.end(format!("Co-browse stopped: {why}."));
            }
        }
    }

    /// A new socket is open: create the session, or take ours back after a drop.
    fn on_open(&mut self) {
        let msg = match (self.code, self.resume_token) {
            (Some(code), Some(resume_token)) => CustomerMsg::Resume(Resume {
                routing: code.routing,
                resume_token,
                last_received: self.last_received(),
                reloaded: self.reloaded,
            }),
            _ => {
                let doc = document();
                CustomerMsg::Create {
                    page: PageInfo {
                        url: doc.url().unwrap_or_default(),
                        title: doc.title(),
                    },
                    user_agent: window().navigator().user_agent().unwrap_or_default(),
                    first_session: first_session_in_tab(),
                }
            }
        };
        self.link.send_control(msg);
    }

    fn schedule_reconnect(&mut self, attempt: usize) {
        let Some(delay) = RECONNECT_DELAYS_MS.get(attempt) else {
            return self.end("Co-browse stopped: the connection to the server was lost.".into());
        };
        self.show_status_only("Connection lost. Reconnecting…");
        let weak = self.this.clone();
        let timer = Timeout::new(*delay, move || {
            if let Some(c) = weak.upgrade() {
                c.borrow_mut().reconnect_now(attempt);
            }
        });
        self.reconnect = Some((attempt, timer));
    }

    fn reconnect_now(&mut self, attempt: usize) {
        if self.open_socket().is_err() {
            self.schedule_reconnect(attempt + 1);
        }
    }

    fn last_received(&self) -> u64 {
        match &self.keys {
            Keys::Ready { opener, .. } => opener.last_reliable(),
            _ => 0,
        }
    }

    fn on_relay(&mut self, env: Envelope<RelayMsg>) {
        if debug::enabled() && !matches!(env.msg, RelayMsg::Sealed(_)) {
            debug::log(&format!("relay: {:?}", env.msg));
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
                        return self.end(format!("No secure randomness: {}", describe_js(&e)))
                    }
                };
                let Some(code) = JoinCode::new(routing, secret) else {
                    return self.end("The server sent an invalid session code.".into());
                };
                self.link.set_routing(routing);
                self.code = Some(code);
                self.session_id = session_id;
                self.resume_token = Some(resume_token);
                self.save();
                self.start_heartbeat();
                self.watch_navigation();
                self.show_session("Read this code to the representative.");
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
                    return self.end("Co-browse stopped: the connection was lost too long.".into());
                }
                if let (true, Keys::Ready { opener, .. }) = (lost, &mut self.keys) {
                    opener.accept_gap();
                }
                let status = self.status.clone();
                self.show_session(&status);
            }
            RelayMsg::AgentJoined => {
                self.start_key_exchange();
                self.show_session("A representative is connecting. Checking the code…");
            }
            RelayMsg::Key(key) => self.on_key(key),
            RelayMsg::VerificationFailed { attempts_left } => {
                self.keys = Keys::None;
                self.stream = None;
                self.show_session(&format!(
                    "The code could not be verified. Read it to the representative again \
                     ({attempts_left} attempts left)."
                ));
            }
            // Frames from the agent were dropped (it sends only resync requests): go on.
            RelayMsg::Gap => {
                if let Keys::Ready { opener, .. } = &mut self.keys {
                    opener.accept_gap();
                }
            }
            // The agent fell too far behind: start it again from a fresh snapshot.
            RelayMsg::SnapshotNeeded => {
                if let Some(stream) = &self.stream {
                    let snapshot = stream.resnapshot();
                    self.send_page(&CustomerPageMsg::Snapshot(snapshot));
                }
            }
            // The agent came back while this page still has no keys: key now.
            RelayMsg::PeerBack if self.needs_keys() => {
                self.start_key_exchange();
                self.show_session("A representative is connecting. Checking the code…");
            }
            RelayMsg::PeerAway => {
                self.show_status_only("The representative's connection dropped. Waiting…")
            }
            RelayMsg::PeerBack => {
                let status = self.status.clone();
                self.show_session(&status);
            }
            RelayMsg::Sealed(bytes) => self.on_sealed(env.delivery, env.seq, &bytes),
            RelayMsg::Ended { reason } => {
                self.end(format!("Co-browse ended: {}.", reason.describe()));
            }
            RelayMsg::Error {
                code: ErrorCode::NotInSession,
                ..
            } => {}
            RelayMsg::Error { message, .. } => self.end(format!("Co-browse stopped: {message}.")),
            RelayMsg::Joined { .. } | RelayMsg::PeerReloaded => {}
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
                unconfirmed: self.unconfirmed,
            }
            .store();
        }
    }

    /// This page has no keys with the agent yet. (`PeerBack` comes only from an agent that was
    /// in the session, so it means one is there to key with.)
    fn needs_keys(&self) -> bool {
        matches!(self.keys, Keys::None) && self.stream.is_none()
    }

    fn start_key_exchange(&mut self) {
        let Some(code) = self.code else { return };
        if self.unconfirmed >= MAX_VERIFY_FAILURES {
            self.link.send_control(CustomerMsg::VerificationFailed);
            return self.end("Co-browse ended: the code could not be verified.".into());
        }
        let exchange = match random_u64() {
            Ok(id) => id,
            Err(e) => return self.end(format!("No secure randomness: {}", describe_js(&e))),
        };
        let handshake = Handshake::start(Role::Customer, code.secret, self.session_id);
        let message = handshake.message().to_vec();
        self.link
            .send_control(CustomerMsg::Key(KeyExchange::Spake { exchange, message }));
        self.keys = Keys::Started {
            exchange,
            handshake,
        };
    }

    /// Back in the session after a page load: report the visit, and key again with the agent.
    fn continued(&mut self, agent_present: bool) {
        self.start_heartbeat();
        self.watch_navigation();
        let doc = document();
        self.link.send_control(CustomerMsg::PageVisit(PageInfo {
            url: doc.url().unwrap_or_default(),
            title: doc.title(),
        }));
        if agent_present {
            self.start_key_exchange();
            self.show_session("A representative is connecting. Checking the code…");
        } else {
            self.show_session("Read this code to the representative.");
        }
    }

    /// Reports single-page-app route changes as page visits.
    fn watch_navigation(&mut self) {
        let weak = self.this.clone();
        self.navigation = NavigationWatch::start(move |(url, title)| {
            if let Some(c) = weak.upgrade() {
                c.borrow()
                    .link
                    .send_control(CustomerMsg::PageVisit(PageInfo { url, title }));
            }
        })
        .ok();
    }

    fn on_key(&mut self, key: KeyExchange) {
        let current = match &self.keys {
            Keys::Started { exchange, .. } | Keys::Agreed { exchange, .. } => *exchange,
            // Nothing under way: the agent never starts an exchange, so this is stale or hostile.
            Keys::None | Keys::Ready { .. } => return,
        };
        if key.exchange() != current {
            return;
        }
        match (std::mem::replace(&mut self.keys, Keys::None), key) {
            (
                Keys::Started {
                    exchange,
                    handshake,
                },
                KeyExchange::Spake { message, .. },
            ) => match handshake.finish(&message) {
                Ok(agreed) => {
                    let mac = agreed.confirmation();
                    self.unconfirmed += 1;
                    self.save();
                    self.link
                        .send_control(CustomerMsg::Key(KeyExchange::Confirm { exchange, mac }));
                    self.keys = Keys::Agreed { exchange, agreed };
                }
                Err(_) => self.verification_failed(),
            },
            (Keys::Agreed { agreed, .. }, KeyExchange::Confirm { mac, .. }) => match agreed
                .confirm(&mac)
            {
                Ok((sealer, opener)) => {
                    self.unconfirmed = 0;
                    self.save();
                    self.link.restart_sequences();
                    self.keys = Keys::Ready { sealer, opener };
                    if let Err(e) = self.start_stream() {
                        let why = describe_js(&e);
                        return self.end(format!("Co-browse could not capture this page: {why}"));
                    }
                    self.show_session("A representative is viewing this page with you.");
                }
                Err(_) => self.verification_failed(),
            },
            // Out of turn within the exchange: nothing is agreed from it.
            (keys, _) => self.keys = keys,
        }
    }

    /// The agent's code did not match: tell the relay, which removes that agent.
    fn verification_failed(&mut self) {
        self.keys = Keys::None;
        self.stream = None;
        self.link.send_control(CustomerMsg::VerificationFailed);
        self.show_session("The code could not be verified. Read it to the representative again.");
    }

    fn on_sealed(&mut self, delivery: Delivery, seq: u64, bytes: &[u8]) {
        let Keys::Ready { opener, .. } = &mut self.keys else {
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
                    let snapshot = stream.resnapshot();
                    self.send_page(&CustomerPageMsg::Snapshot(snapshot));
                }
            }
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

    fn start_heartbeat(&mut self) {
        let weak = self.this.clone();
        let every = HEARTBEAT_INTERVAL_SECS as i32 * 1000;
        self.heartbeat = Some(Interval::new(every, move || {
            if let Some(c) = weak.upgrade() {
                let c = c.borrow();
                let last_received = c.last_received();
                c.link
                    .send_control(CustomerMsg::Heartbeat { last_received });
            }
        }));
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

    fn start_stream(&mut self) -> Result<(), JsValue> {
        let weak = self.this.clone();
        let flush: Rc<dyn Fn()> = Rc::new(move || {
            if let Some(c) = weak.upgrade() {
                c.borrow_mut().flush();
            }
        });
        let (stream, snapshot) = PageStream::start(document(), 1, flush)?;
        self.stream = Some(stream);
        self.send_page(&CustomerPageMsg::Snapshot(snapshot));
        Ok(())
    }

    /// One animation frame's worth: where the pointer and scrolling are (ephemeral: only the
    /// latest matters), then the changes (reliable).
    fn flush(&mut self) {
        let Some(stream) = &self.stream else { return };
        let motion = stream.take_motion();
        let batch = stream.take_batch();
        if let Some(pointer) = motion.pointer {
            self.send_ephemeral(&CustomerPageMsg::Pointer(pointer));
        }
        if !motion.scrolls.is_empty() {
            self.send_ephemeral(&CustomerPageMsg::Scroll(motion.scrolls));
        }
        if let Some(batch) = batch {
            self.send_page(&CustomerPageMsg::Mutations(batch));
        }
    }

    fn send_ephemeral(&mut self, msg: &CustomerPageMsg) {
        if let Keys::Ready { sealer, .. } = &self.keys {
            self.link
                .send_sealed(sealer, Delivery::Ephemeral, &encode_payload(msg));
        }
    }

    /// Page content goes out only sealed, and only once the agent's code is verified.
    fn send_page(&mut self, msg: &CustomerPageMsg) {
        if let Keys::Ready { sealer, .. } = &self.keys {
            self.link
                .send_sealed(sealer, Delivery::Reliable, &encode_payload(msg));
        }
    }

    /// Stops everything and tells the customer why.
    fn end(&mut self, message: String) {
        debug::log(&format!("session over: {message}"));
        if !message.starts_with("Co-browse ended") {
            crate::errors::report("session", &message);
        }
        self.stream = None;
        self.link = Link::default();
        self.code = None;
        self.resume_token = None;
        self.keys = Keys::None;
        self.heartbeat = None;
        self.reconnect = None;
        self.navigation = None;
        self.reloaded = false;
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
