//! The console's root component. What the agent sees is [`Console`], changed only through
//! [`Action`]s; the connection and the rebuilder live beside it (they are not view state).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use shared_protocol::crypto::{Agreed, Handshake, Opener, Sealer};
use shared_protocol::envelope::{decode_payload, encode_payload};
use shared_protocol::page::{AgentPageMsg, CustomerPageMsg, Pointer, Viewport};
use shared_protocol::{
    AgentMsg, Delivery, Envelope, ErrorCode, JoinCode, KeyExchange, RelayMsg, Resume, Role,
    HEARTBEAT_INTERVAL_SECS, MAX_VERIFY_FAILURES,
};
use web_sys::{HtmlElement, HtmlIFrameElement};
use yew::prelude::*;

use crate::connection::{ConnEvent, Connection};
use crate::debug;
use crate::join_form::JoinForm;
use crate::rebuild::Rebuilder;
use crate::view_config;
use crate::view_sheets::ViewSheets;
use crate::viewer::Viewer;

#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Idle,
    Joining,
    /// In the session; the two browsers are checking the code.
    Verifying,
    WaitingForPage,
    Viewing,
    Ended(String),
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Console {
    pub token: Option<String>,
    pub status: Status,
    pub viewport: Option<Viewport>,
    /// A passing interruption (a dropped connection) shown over the status.
    pub note: Option<String>,
}

pub enum Action {
    Joining,
    Joined,
    Verified,
    PageShown(Viewport),
    Resized(Viewport),
    Ended(String),
    Failed(String),
    Interrupted(String),
    Restored,
}

impl Reducible for Console {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Joining => next.status = Status::Joining,
            Action::Joined => next.status = Status::Verifying,
            Action::Verified => next.status = Status::WaitingForPage,
            Action::PageShown(vp) => {
                next.status = Status::Viewing;
                next.viewport = Some(vp);
                next.note = None;
            }
            Action::Ended(why) => {
                next.status = Status::Ended(why);
                next.note = None;
            }
            Action::Failed(why) => {
                next.status = Status::Failed(why);
                next.note = None;
            }
            Action::Resized(vp) => next.viewport = Some(vp),
            Action::Interrupted(why) => next.note = Some(why),
            Action::Restored => next.note = None,
        }
        Rc::new(next)
    }
}

impl Console {
    fn in_session(&self) -> bool {
        matches!(
            self.status,
            Status::Joining | Status::Verifying | Status::WaitingForPage | Status::Viewing
        )
    }

    fn status_text(&self) -> String {
        if let Some(note) = &self.note {
            return note.clone();
        }
        match &self.status {
            Status::Idle => "Enter the code the customer reads to you.".into(),
            Status::Joining => "Joining…".into(),
            Status::Verifying => "Joined. Checking the code with the customer's browser…".into(),
            Status::WaitingForPage => "Connected. Waiting for the customer's page…".into(),
            Status::Viewing => "Connected. You are viewing the customer's page.".into(),
            Status::Ended(why) => format!("Session ended: {why}."),
            Status::Failed(why) => why.clone(),
        }
    }
}

/// `#token=...` in the console URL (how the development URL and agent desktops pass it).
fn token_from_url() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    hash.trim_start_matches('#')
        .split('&')
        .find_map(|kv| kv.strip_prefix("token="))
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// Where the key exchange with the customer's browser stands. The customer starts every
/// exchange; the console answers under the same exchange id and ignores any other.
enum Keys {
    None,
    Agreed { exchange: u64, agreed: Agreed },
    Ready { sealer: Sealer, opener: Opener },
}

/// Everything a connection's event handler needs.
#[derive(Clone)]
struct Session {
    dispatch: UseReducerDispatcher<Console>,
    conn: Rc<RefCell<Option<Connection>>>,
    rebuilder: Rc<RefCell<Option<Rebuilder>>>,
    frame: NodeRef,
    /// The code as the agent typed it; its secret part keys the exchange.
    code: JoinCode,
    token: String,
    keys: Rc<RefCell<Keys>>,
    ended: Rc<Cell<bool>>,
    /// From `Joined`: lets a new connection take this agent's place after a drop.
    resume_token: Rc<Cell<Option<[u8; 16]>>>,
    /// From `Joined`: binds every key exchange to this session.
    session_id: Rc<Cell<[u8; 16]>>,
    /// Confirmations sent in exchanges that never confirmed back: each gave whoever answered
    /// one offline guess at the code, so the console gives up after `MAX_VERIFY_FAILURES`.
    unconfirmed: Rc<Cell<u8>>,
    /// After a `Gap`: page frames are ignored until a fresh snapshot arrives.
    awaiting_snapshot: Rc<Cell<bool>>,
    /// The customer's pointer marker over the view.
    cursor: NodeRef,
    /// Ephemeral frames sent under the current keys.
    ephemeral_seq: Rc<Cell<u64>>,
    sent: Rc<RefCell<SentFrames>>,
    reconnects: Rc<Cell<usize>>,
    /// How long recent page frames took to apply (µs), reported with the next heartbeat.
    render_micros: Rc<RefCell<Vec<u32>>>,
}

/// Render samples kept between heartbeats.
const MAX_RENDER_SAMPLES: usize = 200;

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// Sealed reliable frames sent (numbered from 1 per key exchange), kept for a resend.
#[derive(Default)]
struct SentFrames {
    last_seq: u64,
    frames: VecDeque<(u64, Vec<u8>)>,
}

/// Sent frames kept for a resume (the agent sends few: resync requests).
const KEEP_FRAMES: usize = 64;
/// Reconnect attempts after a drop, with these delays (ms).
const RECONNECT_DELAYS_MS: [u32; 8] = [250, 500, 1000, 2000, 4000, 8000, 8000, 8000];

impl Session {
    fn on_event(&self, event: ConnEvent) {
        match event {
            ConnEvent::Relay { seq, delivery, msg } => self.on_relay(delivery, seq, msg),
            ConnEvent::BadFrame(why) => self.fail(format!("The server sent a bad frame: {why}")),
            ConnEvent::Closed => {
                if self.ended.get() || self.conn.borrow().is_none() {
                    return;
                }
                self.conn.borrow_mut().take();
                if self.resume_token.get().is_some() {
                    self.reconnect();
                } else {
                    self.fail("The connection to the co-browse server was lost.".into());
                }
            }
        }
    }

    fn on_relay(&self, delivery: Delivery, seq: u64, msg: RelayMsg) {
        if !matches!(msg, RelayMsg::Sealed(_)) {
            debug::log(&format!("relay: {msg:?}"));
        }
        match msg {
            RelayMsg::Joined {
                session_id,
                resume_token,
            } => {
                self.resume_token.set(Some(resume_token));
                self.session_id.set(session_id);
                self.start_heartbeat();
                self.dispatch.dispatch(Action::Joined);
            }
            // The customer opened another page: its keys for it come with a new exchange.
            RelayMsg::PeerReloaded => {
                *self.keys.borrow_mut() = Keys::None;
                self.dispatch.dispatch(Action::Interrupted(
                    "The customer is opening another page…".into(),
                ));
            }
            RelayMsg::Key(key) => self.on_key(key),
            RelayMsg::Sealed(bytes) => self.on_sealed(delivery, seq, &bytes),
            RelayMsg::Resumed {
                last_received,
                lost,
                ..
            } => self.on_resumed(last_received, lost),
            // This console fell too far behind: it does not wait for the relay to ask the
            // customer; it asks itself, and applies nothing until the fresh snapshot.
            RelayMsg::Gap => {
                if let Keys::Ready { opener, .. } = &mut *self.keys.borrow_mut() {
                    opener.accept_gap();
                }
                self.awaiting_snapshot.set(true);
                self.resync("page frames were dropped while this console was behind".into());
            }
            RelayMsg::SnapshotNeeded => {}
            RelayMsg::PeerAway => self.dispatch.dispatch(Action::Interrupted(
                "The customer's connection dropped. Waiting for it to come back…".into(),
            )),
            RelayMsg::PeerBack => self.dispatch.dispatch(Action::Restored),
            RelayMsg::VerificationFailed { attempts_left } => self.fail(format!(
                "Verification failed: the code does not match. Check the digits with the \
                 customer ({attempts_left} attempts left)."
            )),
            RelayMsg::Ended { reason } => {
                self.ended.set(true);
                self.resume_token.set(None);
                self.conn.borrow_mut().take();
                self.dispatch
                    .dispatch(Action::Ended(reason.describe().to_string()));
            }
            RelayMsg::Error { code, message } => {
                let text = match code {
                    ErrorCode::UnknownCode => {
                        "No session has this code. Check the digits with the customer.".into()
                    }
                    ErrorCode::Unauthorized => format!("Your agent token was refused: {message}."),
                    ErrorCode::AgentBusy => format!(
                        "You are at your session limit ({message}); the customer was told you are busy."
                    ),
                    ErrorCode::RateLimited => "Too many join attempts. Wait a minute.".into(),
                    _ => format!("The server refused: {message}"),
                };
                self.fail(text);
            }
            RelayMsg::Created { .. } | RelayMsg::AgentJoined => {}
        }
    }

    fn on_key(&self, key: KeyExchange) {
        match key {
            // A new exchange from the customer (a join, a new page): answer it.
            KeyExchange::Spake { exchange, message } => {
                if self.unconfirmed.get() >= MAX_VERIFY_FAILURES {
                    return self
                        .fail("Verification failed too many times; the session is closed.".into());
                }
                let handshake =
                    Handshake::start(Role::Agent, self.code.secret, self.session_id.get());
                let ours = handshake.message().to_vec();
                self.send(AgentMsg::Key(KeyExchange::Spake {
                    exchange,
                    message: ours,
                }));
                match handshake.finish(&message) {
                    Ok(agreed) => {
                        let mac = agreed.confirmation();
                        self.unconfirmed.set(self.unconfirmed.get() + 1);
                        self.send(AgentMsg::Key(KeyExchange::Confirm { exchange, mac }));
                        *self.keys.borrow_mut() = Keys::Agreed { exchange, agreed };
                    }
                    Err(_) => self.verification_failed(),
                }
            }
            KeyExchange::Confirm { exchange, mac } => {
                let current = std::mem::replace(&mut *self.keys.borrow_mut(), Keys::None);
                match current {
                    Keys::Agreed {
                        exchange: ours,
                        agreed,
                    } if ours == exchange => match agreed.confirm(&mac) {
                        Ok((sealer, opener)) => {
                            self.unconfirmed.set(0);
                            *self.sent.borrow_mut() = SentFrames::default();
                            self.awaiting_snapshot.set(false);
                            self.ephemeral_seq.set(0);
                            *self.keys.borrow_mut() = Keys::Ready { sealer, opener };
                            self.dispatch.dispatch(Action::Verified);
                        }
                        Err(_) => self.verification_failed(),
                    },
                    // Another exchange's, or out of turn: ignored.
                    other => *self.keys.borrow_mut() = other,
                }
            }
        }
    }

    /// The customer's browser reports the failure to the relay, which removes this agent; the
    /// console says so at once.
    fn verification_failed(&self) {
        self.dispatch.dispatch(Action::Failed(
            "Verification failed: the code does not match. Check the digits with the customer."
                .into(),
        ));
    }

    fn on_sealed(&self, delivery: Delivery, seq: u64, bytes: &[u8]) {
        let plain = {
            let mut keys = self.keys.borrow_mut();
            let Keys::Ready { opener, .. } = &mut *keys else {
                return;
            };
            opener.open(self.code.routing, delivery, seq, bytes)
        };
        match plain {
            Ok(plain) => match decode_payload::<CustomerPageMsg>(&plain) {
                Ok(page) => self.on_page(page),
                Err(e) => self.resync(format!("undecodable page frame: {e}")),
            },
            // The channel is authenticated and ordered: a frame that does not open means it
            // was tampered with or lost, and nothing after it can be trusted.
            Err(e) => self.fail(format!("The secure channel broke: {e}.")),
        }
    }

    fn on_page(&self, page: CustomerPageMsg) {
        let mut slot = self.rebuilder.borrow_mut();
        if slot.is_none() {
            let doc = self
                .frame
                .cast::<HtmlIFrameElement>()
                .and_then(|f| f.content_document());
            match doc {
                Some(doc) => {
                    let sheets = ViewSheets::new(view_config::proxy_prefix(), None);
                    *slot = Some(Rebuilder::new(doc, sheets));
                }
                None => return self.fail("The view frame is not ready.".into()),
            }
        }
        let rebuilder = slot.as_mut().expect("set above");
        if let (false, Some(patch)) = (rebuilder.sheets.has_patch(), view_config::css_patch()) {
            let doc = rebuilder.doc().clone();
            rebuilder.sheets.set_patch(&doc, patch);
        }
        let started = now_ms();
        match &page {
            CustomerPageMsg::Pointer(p) => {
                if let Some(r) = slot.as_mut() {
                    r.hover_at(p.x, p.y, p.gone);
                }
                drop(slot);
                return self.show_customer_pointer(*p);
            }
            CustomerPageMsg::Scroll(scrolls) => {
                if let Some(r) = slot.as_ref() {
                    r.apply_scrolls(scrolls);
                }
                return;
            }
            _ => {}
        }
        if self.awaiting_snapshot.get() && !matches!(page, CustomerPageMsg::Snapshot(_)) {
            return;
        }
        self.awaiting_snapshot.set(false);
        let result = match &page {
            CustomerPageMsg::Snapshot(snap) => rebuilder.apply_snapshot(snap).map(|_| {
                self.dispatch.dispatch(Action::PageShown(snap.viewport));
            }),
            CustomerPageMsg::Mutations(batch) => rebuilder.apply_batch(batch).map(|_| {
                if let Some(vp) = batch.viewport {
                    self.dispatch.dispatch(Action::Resized(vp));
                }
            }),
            CustomerPageMsg::Pointer(_) | CustomerPageMsg::Scroll(_) => Ok(()),
        };
        drop(slot);
        let mut samples = self.render_micros.borrow_mut();
        if samples.len() < MAX_RENDER_SAMPLES {
            samples.push(((now_ms() - started) * 1000.0) as u32);
        }
        drop(samples);
        if let Err(e) = result {
            self.resync(e.to_string());
        }
    }

    fn send(&self, msg: AgentMsg) {
        if let Some(conn) = self.conn.borrow().as_ref() {
            conn.send_control(msg);
        }
    }

    fn show_customer_pointer(&self, p: Pointer) {
        let Some(el) = self.cursor.cast::<HtmlElement>() else {
            return;
        };
        el.set_hidden(p.gone);
        let style = el.style();
        let _ = style.set_property("left", &format!("{}px", p.x));
        let _ = style.set_property("top", &format!("{}px", p.y));
        // A click restarts the ring animation.
        let _ = el.class_list().toggle_with_force("clicked", false);
        if p.click {
            let _ = el.offset_width();
            let _ = el.class_list().toggle_with_force("clicked", true);
        }
    }

    /// Sends the agent's pointer to the customer (ephemeral: only the latest matters).
    fn send_pointer(&self, p: Pointer) {
        let keys = self.keys.borrow();
        let Keys::Ready { sealer, .. } = &*keys else {
            return;
        };
        let seq = self.ephemeral_seq.get() + 1;
        self.ephemeral_seq.set(seq);
        let plain = encode_payload(&AgentPageMsg::Pointer(p));
        let sealed = sealer.seal(self.code.routing, Delivery::Ephemeral, seq, &plain);
        let msg = AgentMsg::Sealed(sealed);
        if let Some(conn) = self.conn.borrow().as_ref() {
            conn.send_frame(
                Envelope::new(self.code.routing, Delivery::Ephemeral, seq, msg).encode(),
            );
        }
    }

    /// Seals a page message for the customer and keeps it until a resume confirms delivery.
    fn send_sealed(&self, plaintext: &[u8]) {
        let keys = self.keys.borrow();
        let Keys::Ready { sealer, .. } = &*keys else {
            return;
        };
        let mut sent = self.sent.borrow_mut();
        sent.last_seq += 1;
        let seq = sent.last_seq;
        let sealed = sealer.seal(self.code.routing, Delivery::Reliable, seq, plaintext);
        let frame = Envelope::new(
            self.code.routing,
            Delivery::Reliable,
            seq,
            AgentMsg::Sealed(sealed),
        )
        .encode();
        if let Some(conn) = self.conn.borrow().as_ref() {
            conn.send_frame(frame.clone());
        }
        sent.frames.push_back((seq, frame));
        if sent.frames.len() > KEEP_FRAMES {
            sent.frames.pop_front();
        }
    }

    fn last_received(&self) -> u64 {
        match &*self.keys.borrow() {
            Keys::Ready { opener, .. } => opener.last_reliable(),
            _ => 0,
        }
    }

    fn start_heartbeat(&self) {
        let me = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            loop {
                gloo_timers::future::TimeoutFuture::new(HEARTBEAT_INTERVAL_SECS * 1000).await;
                if me.ended.get() || me.resume_token.get().is_none() {
                    break;
                }
                me.send(AgentMsg::Heartbeat {
                    last_received: me.last_received(),
                });
                let micros = std::mem::take(&mut *me.render_micros.borrow_mut());
                if !micros.is_empty() {
                    me.send(AgentMsg::RenderLatency { micros });
                }
            }
        });
    }

    /// Opens a new connection that takes this agent's place back.
    fn reconnect(&self) {
        let attempt = self.reconnects.get();
        let Some(delay) = RECONNECT_DELAYS_MS.get(attempt) else {
            return self.fail("The connection to the co-browse server was lost.".into());
        };
        self.reconnects.set(attempt + 1);
        self.dispatch
            .dispatch(Action::Interrupted("Connection lost. Reconnecting…".into()));
        let me = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(*delay).await;
            let Some(resume_token) = me.resume_token.get() else {
                return;
            };
            let resume = AgentMsg::Resume {
                token: me.token.clone(),
                resume: Resume {
                    routing: me.code.routing,
                    resume_token,
                    last_received: me.last_received(),
                    reloaded: false,
                },
            };
            let handler = me.clone();
            let on_event = Callback::from(move |e| handler.on_event(e));
            match Connection::open(me.code.routing, resume, on_event) {
                Ok(c) => *me.conn.borrow_mut() = Some(c),
                Err(_) => me.reconnect(),
            }
        });
    }

    fn on_resumed(&self, last_received: u64, lost: bool) {
        self.reconnects.set(0);
        {
            let sent = self.sent.borrow();
            if let Some(conn) = self.conn.borrow().as_ref() {
                for (_, frame) in sent.frames.iter().filter(|(seq, _)| *seq > last_received) {
                    conn.send_frame(frame.clone());
                }
            }
        }
        self.dispatch.dispatch(Action::Restored);
        if lost {
            if let Keys::Ready { opener, .. } = &mut *self.keys.borrow_mut() {
                opener.accept_gap();
            }
            self.resync("frames were lost while the connection was down".into());
        }
    }

    /// Asks the customer's browser for a fresh snapshot instead of drifting.
    fn resync(&self, reason: String) {
        debug::log(&format!("asking for a resync: {reason}"));
        self.send_sealed(&encode_payload(&AgentPageMsg::Resync { reason }));
    }

    fn fail(&self, why: String) {
        debug::log(&format!("failed: {why}"));
        self.conn.borrow_mut().take();
        self.dispatch.dispatch(Action::Failed(why));
    }
}

#[function_component(App)]
pub fn app() -> Html {
    let console = use_reducer(|| Console {
        token: token_from_url(),
        status: Status::Idle,
        viewport: None,
        note: None,
    });
    let conn = use_mut_ref(|| None::<Connection>);
    let rebuilder = use_mut_ref(|| None::<Rebuilder>);
    let frame = use_node_ref();
    let cursor = use_node_ref();
    // The current session, for the pointer callback.
    let current = use_mut_ref(|| None::<Session>);

    let on_join = {
        let (console, conn, rebuilder, frame, cursor, current) = (
            console.clone(),
            conn.clone(),
            rebuilder.clone(),
            frame.clone(),
            cursor.clone(),
            current.clone(),
        );
        Callback::from(move |(code, typed_token): (String, String)| {
            let dispatch = console.dispatcher();
            let code = match JoinCode::parse(&code) {
                Ok(code) => code,
                Err(e) => return dispatch.dispatch(Action::Failed(format!("{e}."))),
            };
            let Some(token) = console.token.clone().or_else(|| {
                let t = typed_token.trim().to_string();
                (!t.is_empty()).then_some(t)
            }) else {
                return dispatch.dispatch(Action::Failed("Enter your agent token.".into()));
            };
            let session = Session {
                dispatch: dispatch.clone(),
                conn: conn.clone(),
                rebuilder: rebuilder.clone(),
                frame: frame.clone(),
                code,
                token: token.clone(),
                keys: Rc::new(RefCell::new(Keys::None)),
                ended: Rc::new(Cell::new(false)),
                resume_token: Rc::new(Cell::new(None)),
                session_id: Rc::new(Cell::new([0; 16])),
                unconfirmed: Rc::new(Cell::new(0)),
                awaiting_snapshot: Rc::new(Cell::new(false)),
                cursor: cursor.clone(),
                ephemeral_seq: Rc::new(Cell::new(0)),
                sent: Rc::new(RefCell::new(SentFrames::default())),
                reconnects: Rc::new(Cell::new(0)),
                render_micros: Rc::new(RefCell::new(Vec::new())),
            };
            rebuilder.borrow_mut().take();
            *current.borrow_mut() = Some(session.clone());
            let on_event = Callback::from(move |e| session.on_event(e));
            dispatch.dispatch(Action::Joining);
            // Only the routing part goes to the relay; the secret part keys the exchange.
            let join = AgentMsg::Join {
                token,
                routing: code.routing,
            };
            match Connection::open(code.routing, join, on_event) {
                Ok(c) => *conn.borrow_mut() = Some(c),
                Err(e) => dispatch.dispatch(Action::Failed(e)),
            }
        })
    };
    let on_exit = {
        let conn = conn.clone();
        Callback::from(move |_| {
            if let Some(c) = conn.borrow().as_ref() {
                c.send_control(AgentMsg::Exit);
            }
        })
    };

    let on_pointer = {
        let current = current.clone();
        Callback::from(move |p: Pointer| {
            if let Some(s) = current.borrow().as_ref() {
                s.send_pointer(p);
            }
        })
    };
    let in_session = console.in_session();
    html! {
        <main class="console">
            <header>
                <h1>{"Co-browse agent console"}</h1>
                <p class="status" role="status" aria-live="polite" data-cobrowse-ui="status">
                    {console.status_text()}
                </p>
                if in_session {
                    <button class="exit" onclick={on_exit} data-cobrowse-ui="exit">{"Exit session"}</button>
                }
            </header>
            if !in_session {
                <JoinForm need_token={console.token.is_none()} busy={in_session} on_join={on_join} />
            }
            <section class={classes!("view", (!in_session).then_some("idle"))}>
                <Viewer frame={frame} cursor={cursor} viewport={console.viewport} {on_pointer} />
            </section>
        </main>
    }
}
