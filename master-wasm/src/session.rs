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
    Role, HEARTBEAT_INTERVAL_SECS,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::browser::{document, first_session_in_tab, random_below, window, Interval, Timeout};
use crate::link::Link;
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
    INSTALLED.with(|i| *i.borrow_mut() = Some(customer));
    Ok(())
}

/// Where the key exchange with the current agent stands.
enum Keys {
    None,
    /// Our SPAKE2 message is out; waiting for the agent's.
    Started(Handshake),
    /// Keys derived and our confirmation sent; waiting for the agent's confirmation.
    Agreed(Agreed),
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
                    return self.schedule_reconnect(0);
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
                self.start_heartbeat();
                self.show_session("Read this code to the representative.");
            }
            RelayMsg::Resumed {
                last_received,
                lost,
            } => {
                self.reconnect = None;
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
                let Some(code) = self.code else { return };
                let handshake = Handshake::start(Role::Customer, code.secret, self.session_id);
                self.link.send_control(CustomerMsg::Key(KeyExchange::Spake(
                    handshake.message().to_vec(),
                )));
                self.keys = Keys::Started(handshake);
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
            RelayMsg::Joined { .. } => {}
        }
    }

    fn on_key(&mut self, key: KeyExchange) {
        match (std::mem::replace(&mut self.keys, Keys::None), key) {
            (Keys::Started(handshake), KeyExchange::Spake(theirs)) => {
                match handshake.finish(&theirs) {
                    Ok(agreed) => {
                        let confirm = KeyExchange::Confirm(agreed.confirmation());
                        self.link.send_control(CustomerMsg::Key(confirm));
                        self.keys = Keys::Agreed(agreed);
                    }
                    Err(_) => self.verification_failed(),
                }
            }
            (Keys::Agreed(agreed), KeyExchange::Confirm(theirs)) => match agreed.confirm(&theirs) {
                Ok((sealer, opener)) => {
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
            // Out of turn (a stale or hostile message): nothing is agreed from it.
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
        if let Ok(AgentPageMsg::Resync { .. }) = decode_payload::<AgentPageMsg>(&plain) {
            if let Some(stream) = &self.stream {
                let snapshot = stream.resnapshot();
                self.send_page(&CustomerPageMsg::Snapshot(snapshot));
            }
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

    fn flush(&mut self) {
        if let Some(batch) = self.stream.as_ref().and_then(|s| s.take_batch()) {
            self.send_page(&CustomerPageMsg::Mutations(batch));
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
        self.stream = None;
        self.link = Link::default();
        self.code = None;
        self.resume_token = None;
        self.keys = Keys::None;
        self.heartbeat = None;
        self.reconnect = None;
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
