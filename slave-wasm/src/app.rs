//! The console's root component. What the agent sees is [`Console`], changed only through
//! [`Action`]s; the connection and the rebuilder live beside it (they are not view state).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use shared_protocol::envelope::{decode_payload, encode_payload};
use shared_protocol::page::{AgentPageMsg, CustomerPageMsg, Viewport};
use shared_protocol::{AgentMsg, ErrorCode, JoinCode, RelayMsg};
use web_sys::HtmlIFrameElement;
use yew::prelude::*;

use crate::connection::{ConnEvent, Connection};
use crate::join_form::JoinForm;
use crate::rebuild::Rebuilder;
use crate::viewer::Viewer;

#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Idle,
    Joining,
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
}

pub enum Action {
    Joining,
    Joined,
    PageShown(Viewport),
    Ended(String),
    Failed(String),
}

impl Reducible for Console {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Joining => next.status = Status::Joining,
            Action::Joined => next.status = Status::WaitingForPage,
            Action::PageShown(vp) => {
                next.status = Status::Viewing;
                next.viewport = Some(vp);
            }
            Action::Ended(why) => next.status = Status::Ended(why),
            Action::Failed(why) => next.status = Status::Failed(why),
        }
        Rc::new(next)
    }
}

impl Console {
    fn in_session(&self) -> bool {
        matches!(
            self.status,
            Status::Joining | Status::WaitingForPage | Status::Viewing
        )
    }

    fn status_text(&self) -> String {
        match &self.status {
            Status::Idle => "Enter the code the customer reads to you.".into(),
            Status::Joining => "Joining…".into(),
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

/// Everything a connection's event handler needs.
#[derive(Clone)]
struct Session {
    dispatch: UseReducerDispatcher<Console>,
    conn: Rc<RefCell<Option<Connection>>>,
    rebuilder: Rc<RefCell<Option<Rebuilder>>>,
    frame: NodeRef,
    /// Sequence number of the last applied page frame.
    last_seq: Rc<Cell<u64>>,
    ended: Rc<Cell<bool>>,
}

impl Session {
    fn on_event(&self, event: ConnEvent) {
        match event {
            ConnEvent::Relay { seq, msg, .. } => self.on_relay(seq, msg),
            ConnEvent::BadFrame(why) => self.fail(format!("The server sent a bad frame: {why}")),
            ConnEvent::Closed => {
                if !self.ended.get() {
                    self.fail("The connection to the co-browse server was lost.".into());
                }
            }
        }
    }

    fn on_relay(&self, seq: u64, msg: RelayMsg) {
        match msg {
            RelayMsg::Joined { .. } => self.dispatch.dispatch(Action::Joined),
            RelayMsg::Sealed(bytes) => match decode_payload::<CustomerPageMsg>(&bytes) {
                Ok(page) => self.on_page(seq, page),
                Err(e) => self.resync(format!("undecodable page frame: {e}")),
            },
            RelayMsg::Ended { reason } => {
                self.ended.set(true);
                self.conn.borrow_mut().take();
                self.dispatch
                    .dispatch(Action::Ended(reason.describe().to_string()));
            }
            RelayMsg::Error { code, message } => {
                let text = match code {
                    ErrorCode::UnknownCode => {
                        "No session has this code. Check the digits with the customer.".into()
                    }
                    ErrorCode::Unauthorized => "Your agent token was refused.".into(),
                    _ => format!("The server refused: {message}"),
                };
                self.fail(text);
            }
            RelayMsg::Created { .. } | RelayMsg::AgentJoined => {}
        }
    }

    fn on_page(&self, seq: u64, page: CustomerPageMsg) {
        let mut slot = self.rebuilder.borrow_mut();
        if slot.is_none() {
            let doc = self
                .frame
                .cast::<HtmlIFrameElement>()
                .and_then(|f| f.content_document());
            match doc {
                Some(doc) => *slot = Some(Rebuilder::new(doc)),
                None => return self.fail("The view frame is not ready.".into()),
            }
        }
        let rebuilder = slot.as_mut().expect("set above");
        let result = match &page {
            CustomerPageMsg::Snapshot(snap) => rebuilder.apply_snapshot(snap).map(|_| {
                self.dispatch.dispatch(Action::PageShown(snap.viewport));
            }),
            CustomerPageMsg::Mutations(batch) => {
                if seq != self.last_seq.get() + 1 {
                    drop(slot);
                    return self.resync(format!(
                        "page frame {seq} arrived after {}",
                        self.last_seq.get()
                    ));
                }
                rebuilder.apply_batch(batch)
            }
        };
        drop(slot);
        match result {
            Ok(()) => self.last_seq.set(seq),
            Err(e) => self.resync(e.to_string()),
        }
    }

    /// Asks the customer's browser for a fresh snapshot instead of drifting.
    fn resync(&self, reason: String) {
        // Nothing after this point applies until the new snapshot arrives.
        self.last_seq.set(u64::MAX - 1);
        if let Some(conn) = self.conn.borrow().as_ref() {
            let msg = AgentPageMsg::Resync { reason };
            conn.send(AgentMsg::Sealed(encode_payload(&msg)));
        }
    }

    fn fail(&self, why: String) {
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
    });
    let conn = use_mut_ref(|| None::<Connection>);
    let rebuilder = use_mut_ref(|| None::<Rebuilder>);
    let frame = use_node_ref();

    let on_join = {
        let (console, conn, rebuilder, frame) = (
            console.clone(),
            conn.clone(),
            rebuilder.clone(),
            frame.clone(),
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
                last_seq: Rc::new(Cell::new(0)),
                ended: Rc::new(Cell::new(false)),
            };
            rebuilder.borrow_mut().take();
            let on_event = Callback::from(move |e| session.on_event(e));
            dispatch.dispatch(Action::Joining);
            // The secret part of the code is for the key agreement between the two browsers;
            // only the routing part goes to the relay.
            match Connection::open(token, code.routing, on_event) {
                Ok(c) => *conn.borrow_mut() = Some(c),
                Err(e) => dispatch.dispatch(Action::Failed(e)),
            }
        })
    };
    let on_exit = {
        let conn = conn.clone();
        Callback::from(move |_| {
            if let Some(c) = conn.borrow().as_ref() {
                c.send(AgentMsg::Exit);
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
                <Viewer frame={frame} viewport={console.viewport} />
            </section>
        </main>
    }
}
