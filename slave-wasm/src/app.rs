//! The console's root component. What the agent sees is [`Console`], changed only through
//! [`Action`]s; the connection and the rebuilder live beside it (they are not view state).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use shared_protocol::page::{Pointer, Viewport};
use shared_protocol::{AgentMsg, JoinCode};
use yew::prelude::*;

use crate::connection::Connection;
use crate::join_form::JoinForm;
use crate::rebuild::Rebuilder;
use crate::session::Session;
use crate::session_keys::Keys;
use crate::session_link::SentFrames;
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
