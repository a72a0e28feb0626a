//! The console's root component: wires the state ([`crate::state`]) to the session and the
//! child components. The connection, the rebuilder and the write-mode input live beside the
//! state (they are not view state). A `#code=` in the URL (how agent desktops link a session)
//! joins at once when the token is known too.

use shared_protocol::texts::ConsoleText;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use shared_protocol::agent_control::{Mode, Navigate};
use shared_protocol::page::Pointer;
use shared_protocol::ui_settings::Theme;
use shared_protocol::{AgentMsg, JoinCode};
use yew::prelude::*;

use crate::connection::Connection;
use crate::fidelity_report::FidelityReport;
use crate::join_form::JoinForm;
use crate::language_picker::LanguagePicker;
use crate::mode_toggle::ModeToggle;
use crate::nav_bar::NavBar;
use crate::rebuild::Rebuilder;
use crate::session::Session;
use crate::session_link::KEEP_FRAMES;
use crate::session_tasks::CurrentSession;
use crate::settings::ConsoleSettings;
use crate::state::{transport_attr, Action, Console, Status};
use crate::theme_picker::{self, ThemePicker};
use crate::view_input::ViewInput;
use crate::viewer::Viewer;
use shared_protocol::code_attempts::CodeAttempts;
use shared_protocol::exchange::Keys;
use shared_protocol::link::Link;
use shared_protocol::Role;

/// `name=` in the console URL's fragment (`#token=...&code=...`).
fn from_fragment(name: &str) -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let prefix = format!("{name}=");
    hash.trim_start_matches('#')
        .split('&')
        .find_map(|kv| kv.strip_prefix(prefix.as_str()))
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

#[derive(Properties, PartialEq)]
pub struct AppProps {
    pub settings: Rc<ConsoleSettings>,
    /// The agent picked another language (its tag).
    pub on_language: Callback<String>,
}

#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    let settings = props.settings.clone();
    let console = use_reducer({
        let theme = theme_picker::initial(settings.theme);
        move || Console::new(from_fragment("token"), theme)
    });
    let rebuilder = use_mut_ref(|| None::<Rebuilder>);
    let frame = use_node_ref();
    let cursor = use_node_ref();
    // The current session, for the callbacks below.
    let current = use_mut_ref(|| None::<CurrentSession>);
    let input = use_mut_ref(|| None::<ViewInput>);
    // What each code's joins counted, for every later join with it on this page.
    let attempts = use_mut_ref(CodeAttempts::default);
    // Test builds only: one hook for the console's life, acting on the current session.
    #[cfg(feature = "test-hooks")]
    let _craft = use_mut_ref({
        let current = current.clone();
        move || crate::test_hooks::CraftHook::install(current)
    });

    let on_join = {
        let (console, rebuilder, frame, cursor, current, settings) = (
            console.clone(),
            rebuilder.clone(),
            frame.clone(),
            cursor.clone(),
            current.clone(),
            settings.clone(),
        );
        let attempts = attempts.clone();
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
                return dispatch
                    .dispatch(Action::Failed(settings.text(ConsoleText::NeedToken, &[])));
            };
            let mut sent = Link::new(KEEP_FRAMES);
            sent.set_routing(code.routing);
            let session = Session {
                dispatch: dispatch.clone(),
                conn: Rc::default(),
                tasks: Rc::default(),
                rebuilder: rebuilder.clone(),
                frame: frame.clone(),
                code,
                token: token.clone(),
                keys: Rc::new(RefCell::new(Keys::new(
                    Role::Agent,
                    attempts.borrow().guard(&code),
                ))),
                attempts: attempts.clone(),
                ended: Rc::new(Cell::new(false)),
                resume_token: Rc::new(Cell::new(None)),
                node: Rc::default(),
                session_id: Rc::new(Cell::new([0; 16])),
                write_consent: Rc::default(),
                typing: Rc::default(),
                awaiting_snapshot: Rc::new(Cell::new(false)),
                cursor: cursor.clone(),
                sent: Rc::new(RefCell::new(sent)),
                reconnects: Rc::new(Cell::new(0)),
                restarting: Rc::default(),
                render_micros: Rc::new(RefCell::new(Vec::new())),
                unshown: RefCell::default(),
                settings: settings.clone(),
            };
            rebuilder.borrow_mut().take();
            // The previous session (if any) stops here.
            *current.borrow_mut() = Some(CurrentSession::new(session.clone()));
            let conn = session.conn.clone();
            let on_event = Callback::from(move |e| session.on_event(e));
            dispatch.dispatch(Action::Joining);
            // Only the routing part goes to the relay; the secret part keys the exchange.
            let join = AgentMsg::Join {
                token,
                routing: code.routing,
            };
            match Connection::open(code.routing, join, None, on_event) {
                Ok(c) => *conn.borrow_mut() = Some(c),
                Err(e) => dispatch.dispatch(Action::Failed(e)),
            }
        })
    };
    // Framed by an agent desktop: its commands, and the events it is told.
    crate::host_bridge::use_desktop(
        settings.host_origins.clone(),
        console.clone(),
        current.clone(),
        on_join.clone(),
    );
    // A session link (`#code=...`) with a known token joins as soon as the console is up.
    {
        let (on_join, token_known) = (on_join.clone(), console.token.is_some());
        use_effect_with((), move |_| {
            if let (Some(code), true) = (from_fragment("code"), token_known) {
                on_join.emit((code, String::new()));
            }
        });
    }
    // Write mode takes the agent's input on the view; pointer mode lets it go.
    {
        let (current, input) = (current.clone(), input.clone());
        let writing = console.mode == Mode::Write && console.status == Status::Viewing;
        // Again after each snapshot: one can re-open the view's document, losing listeners.
        use_effect_with((writing, console.snapshots), move |(writing, _)| {
            *input.borrow_mut() = match (writing, current.borrow().as_ref()) {
                (true, Some(session)) => session.view_input(),
                _ => None,
            };
        });
    }
    use_effect_with(console.theme, |theme| theme_picker::apply(*theme));

    let with_session = |f: fn(&Session)| {
        let current = current.clone();
        Callback::from(move |_| {
            if let Some(s) = current.borrow().as_ref() {
                f(s);
            }
        })
    };
    let on_exit: Callback<MouseEvent> = {
        let current = current.clone();
        Callback::from(move |_| {
            if let Some(s) = current.borrow().as_ref() {
                s.send(AgentMsg::Exit);
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
    let on_navigate = {
        let current = current.clone();
        Callback::from(move |nav: Navigate| {
            if let Some(s) = current.borrow().as_ref() {
                s.navigate(nav);
            }
        })
    };
    let on_theme = {
        let dispatch = console.dispatcher();
        Callback::from(move |t: Theme| dispatch.dispatch(Action::Theme(t)))
    };
    let in_session = console.in_session();
    let viewing = console.status == Status::Viewing;
    let writing = viewing && console.mode == Mode::Write;
    let t = |key: ConsoleText| settings.text(key, &[]);
    html! {
        <ContextProvider<Rc<ConsoleSettings>> context={settings.clone()}>
        <main class="console">
            <header>
                <h1>{t(ConsoleText::Title)}</h1>
                <p class="status" role="status" aria-live="polite" data-cobrowse-ui="status">
                    {console.status_text(&settings)}
                </p>
                if viewing {
                    <ModeToggle mode={console.mode} asking={console.asking}
                                on_request={with_session(Session::request_write)}
                                on_pointer={with_session(Session::back_to_pointer)} />
                }
                // Chosen before joining: in a session the header keeps its room for the view.
                if !in_session {
                    <LanguagePicker on_change={props.on_language.clone()} />
                }
                <ThemePicker theme={console.theme} on_change={on_theme} />
                if in_session {
                    <button class="exit" onclick={on_exit} data-cobrowse-ui="exit">{t(ConsoleText::Exit)}</button>
                }
            </header>
            if let Some(notice) = &console.notice {
                <p class="notice" role="alert" data-cobrowse-ui="notice">{notice}</p>
            }
            if !in_session {
                <JoinForm need_token={console.token.is_none()} busy={in_session}
                          code={from_fragment("code")} on_join={on_join} />
            }
            if writing {
                <NavBar page_url={console.page_url.clone()} {on_navigate} />
            }
            <section class={classes!("view", (!in_session).then_some("idle"))}>
                <Viewer frame={frame} cursor={cursor} viewport={console.viewport}
                        visual={console.customer_visual} write={writing} {on_pointer} />
            </section>
            if in_session {
                <p class="transport" data-cobrowse-ui="transport"
                   data-own={transport_attr(console.own_transport)}
                   data-customer={transport_attr(console.customer_transport)}>
                    {console.transport_text(&settings)}
                </p>
                <FidelityReport unshown={console.unshown.clone()} />
            }
        </main>
        </ContextProvider<Rc<ConsoleSettings>>>
    }
}
