//! The customer's side of one co-browse session, as a state machine driven by widget actions
//! and relay messages: idle → confirming → connecting → waiting for the agent (code shown) →
//! streaming the page → ended. Everything is torn down on the way out, so the host page is left
//! as it was.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use shared_protocol::code::SECRET_SPACE;
use shared_protocol::crypto::{Agreed, Handshake, Opener, Sealer};
use shared_protocol::envelope::{decode_payload, encode_payload};
use shared_protocol::page::{AgentPageMsg, CustomerPageMsg};
use shared_protocol::{
    CustomerMsg, Delivery, Envelope, JoinCode, KeyExchange, PageInfo, RelayMsg, Role,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::browser::{document, random_below, window};
use crate::socket::{websocket_url, RelaySocket, SocketEvent};
use crate::stream::PageStream;
use crate::widget::{View, Widget, WidgetAction};

thread_local! {
    // The installed session lives as long as the page.
    static INSTALLED: RefCell<Option<Rc<RefCell<Customer>>>> = const { RefCell::new(None) };
}

/// Mounts the widget once per page; a second call is a no-op.
pub fn install(relay_url: &str) -> Result<(), JsValue> {
    if INSTALLED.with(|i| i.borrow().is_some()) {
        return Ok(());
    }
    let customer = Rc::new(RefCell::new(Customer {
        relay_url: relay_url.to_string(),
        widget: None,
        socket: None,
        stream: None,
        code: None,
        session_id: [0; 16],
        keys: Keys::None,
        this: Weak::new(),
    }));
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
    socket: Option<RelaySocket>,
    stream: Option<PageStream>,
    code: Option<JoinCode>,
    session_id: [u8; 16],
    keys: Keys,
    this: Weak<RefCell<Customer>>,
}

impl Customer {
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
                if let Err(e) = self.connect() {
                    self.end(format!("Co-browse could not start: {}", describe_js(&e)));
                }
            }
            WidgetAction::Exit => {
                if let Some(s) = &self.socket {
                    s.send_control(CustomerMsg::Exit);
                }
                self.end("Co-browse ended. The representative no longer sees this page.".into());
            }
        }
    }

    fn connect(&mut self) -> Result<(), JsValue> {
        self.show(View::Connecting);
        let weak = self.this.clone();
        let socket = RelaySocket::open(
            &websocket_url(&self.relay_url, "/ws/customer"),
            move |event| {
                if let Some(c) = weak.upgrade() {
                    c.borrow_mut().on_socket(event);
                }
            },
        )?;
        self.socket = Some(socket);
        Ok(())
    }

    fn on_socket(&mut self, event: SocketEvent) {
        match event {
            SocketEvent::Open => {
                let doc = document();
                let user_agent = window().navigator().user_agent().unwrap_or_default();
                let msg = CustomerMsg::Create {
                    page: PageInfo {
                        url: doc.url().unwrap_or_default(),
                        title: doc.title(),
                    },
                    user_agent,
                };
                if let Some(s) = &self.socket {
                    s.send_control(msg);
                }
            }
            SocketEvent::Message(env) => self.on_relay(env),
            SocketEvent::BadFrame(why) => self.end(format!(
                "Co-browse stopped: the server sent a bad frame ({why})."
            )),
            SocketEvent::Closed { code, reason } => {
                if self.socket.is_some() {
                    let why = if reason.is_empty() {
                        format!("connection closed ({code})")
                    } else {
                        reason
                    };
                    self.end(format!("Co-browse stopped: {why}."));
                }
            }
        }
    }

    fn on_relay(&mut self, env: Envelope<RelayMsg>) {
        match env.msg {
            RelayMsg::Created {
                session_id,
                routing,
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
                if let Some(s) = &self.socket {
                    s.set_session(routing);
                }
                self.code = Some(code);
                self.session_id = session_id;
                self.show_session("Read this code to the representative.");
            }
            RelayMsg::AgentJoined => {
                let Some(code) = self.code else { return };
                let handshake = Handshake::start(Role::Customer, code.secret, self.session_id);
                self.send_key(KeyExchange::Spake(handshake.message().to_vec()));
                self.keys = Keys::Started(handshake);
                self.show_session("A representative is connecting. Checking the code…");
            }
            RelayMsg::Key(key) => self.on_key(key),
            RelayMsg::VerificationFailed { attempts_left } => {
                self.keys = Keys::None;
                self.show_session(&format!(
                    "The code could not be verified. Read it to the representative again \
                     ({attempts_left} attempts left)."
                ));
            }
            RelayMsg::Sealed(bytes) => self.on_sealed(env.delivery, env.seq, &bytes),
            RelayMsg::Ended { reason } => {
                self.end(format!("Co-browse ended: {}.", reason.describe()));
            }
            RelayMsg::Error { message, .. } => self.end(format!("Co-browse stopped: {message}.")),
            RelayMsg::Joined { .. } => {}
        }
    }

    fn on_key(&mut self, key: KeyExchange) {
        match (std::mem::replace(&mut self.keys, Keys::None), key) {
            (Keys::Started(handshake), KeyExchange::Spake(theirs)) => {
                match handshake.finish(&theirs) {
                    Ok(agreed) => {
                        self.send_key(KeyExchange::Confirm(agreed.confirmation()));
                        self.keys = Keys::Agreed(agreed);
                    }
                    Err(_) => self.verification_failed(),
                }
            }
            (Keys::Agreed(agreed), KeyExchange::Confirm(theirs)) => match agreed.confirm(&theirs) {
                Ok((sealer, opener)) => {
                    if let Some(s) = &self.socket {
                        s.restart_sequences();
                    }
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
        if let Some(s) = &self.socket {
            s.send_control(CustomerMsg::VerificationFailed);
        }
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

    fn send_key(&self, key: KeyExchange) {
        if let Some(s) = &self.socket {
            s.send_control(CustomerMsg::Key(key));
        }
    }

    fn show_session(&self, status: &str) {
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
                c.borrow().flush();
            }
        });
        let (stream, snapshot) = PageStream::start(document(), 1, flush)?;
        self.stream = Some(stream);
        self.send_page(&CustomerPageMsg::Snapshot(snapshot));
        Ok(())
    }

    fn flush(&self) {
        if let Some(batch) = self.stream.as_ref().and_then(|s| s.take_batch()) {
            self.send_page(&CustomerPageMsg::Mutations(batch));
        }
    }

    /// Page content goes out only sealed, and only once the agent's code is verified.
    fn send_page(&self, msg: &CustomerPageMsg) {
        if let (Some(s), Keys::Ready { sealer, .. }) = (&self.socket, &self.keys) {
            s.send_sealed(sealer, Delivery::Reliable, &encode_payload(msg));
        }
    }

    /// Stops everything and tells the customer why.
    fn end(&mut self, message: String) {
        self.stream = None;
        self.socket = None;
        self.code = None;
        self.keys = Keys::None;
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
