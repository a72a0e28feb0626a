//! The app: a shop page with a co-browse panel of its own. Co-browse is set up once
//! ([`master_wasm::embed::start`], built-in UI off); its events become [`Action`]s.

use std::rc::Rc;

use master_wasm::embed::{self, ApiEvent, Phase, Session, Settings};
use yew::prelude::*;

/// What changes the app's co-browse panel.
pub enum Action {
    /// Co-browse is set up (or could not be: why).
    Ready(Result<Session, String>),
    /// The customer pressed "Share my screen": ask first.
    Ask,
    /// The customer agreed in the app's own words.
    Agreed,
    /// Something the session said.
    Heard(ApiEvent, Phase),
    /// "Stop sharing".
    Stop,
    /// The crash button: panics, so the test sees whose panic hook runs.
    Crash,
}

#[derive(Default, Clone)]
pub struct Panel {
    session: Option<Session>,
    error: Option<String>,
    asking: bool,
    code: Option<String>,
    phase: Option<Phase>,
    agent: &'static str,
}

impl PartialEq for Panel {
    fn eq(&self, other: &Self) -> bool {
        (self.asking, &self.code, self.phase, self.agent, &self.error)
            == (
                other.asking,
                &other.code,
                other.phase,
                other.agent,
                &other.error,
            )
            && self.session.is_some() == other.session.is_some()
    }
}

impl Reducible for Panel {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Ready(Ok(session)) => next.session = Some(session),
            Action::Ready(Err(why)) => next.error = Some(why),
            Action::Ask => next.asking = true,
            Action::Agreed => {
                next.asking = false;
                if let Some(Err(e)) = next.session.as_ref().map(|s| s.start(true)) {
                    next.error = Some(e.to_string());
                }
            }
            Action::Heard(event, phase) => {
                next.phase = Some(phase);
                match event {
                    ApiEvent::Code { code } => next.code = Some(code),
                    ApiEvent::AgentJoined => next.agent = "an agent sees this page",
                    ApiEvent::WriteModeRequested => {
                        if let Some(s) = &next.session {
                            let _ = s.answer_write(false);
                        }
                    }
                    ApiEvent::Ended { cause, .. } => {
                        next.code = None;
                        next.agent = cause.name();
                    }
                    _ => {}
                }
            }
            Action::Stop => {
                if let Some(s) = &next.session {
                    let _ = s.exit();
                }
            }
            Action::Crash => panic!("the crash button"),
        }
        Rc::new(next)
    }
}

fn relay_from_address() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|q| web_sys::UrlSearchParams::new_with_str(&q).ok())
        .and_then(|p| p.get("relay"))
        .unwrap_or_default()
}

#[function_component(App)]
pub fn app() -> Html {
    let panel = use_reducer(Panel::default);
    {
        let panel = panel.dispatcher();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let settings = Settings {
                    relay_url: relay_from_address(),
                    ui: false,
                    ..Settings::default()
                };
                match embed::start(settings).await {
                    Ok(session) => {
                        let heard = panel.clone();
                        session.on_event(move |event, state| {
                            heard.dispatch(Action::Heard(event.clone(), state.phase))
                        });
                        panel.dispatch(Action::Ready(Ok(session)));
                    }
                    Err(e) => panel.dispatch(Action::Ready(Err(e.to_string()))),
                }
            });
        });
    }
    let on = |action: fn() -> Action| {
        let panel = panel.dispatcher();
        Callback::from(move |_: MouseEvent| panel.dispatch(action()))
    };
    let phase = match panel.phase {
        None | Some(Phase::Idle) => "idle",
        Some(Phase::Waiting) => "waiting",
        Some(Phase::Active) => "active",
    };
    html! {
        <main data-ready={panel.session.is_some().to_string()}>
            <h1 id="title">{ "A shop written in Rust" }</h1>
            <p>{ "Need help? " }
                <button id="share" onclick={on(|| Action::Ask)}>{ "Share my screen" }</button>
            </p>
            if panel.asking {
                <p id="consent">{ "An agent will see this page. " }
                    <button id="yes" onclick={on(|| Action::Agreed)}>{ "Yes, share" }</button>
                </p>
            }
            <p>{ "Your code: " }
                <strong id="code">{ panel.code.clone().unwrap_or_else(|| "none".into()) }</strong>
                { " · " }<span id="phase">{ phase }</span>
                { " · " }<span id="agent">{ panel.agent }</span>
            </p>
            <p id="error">{ panel.error.clone().unwrap_or_default() }</p>
            <button id="stop" onclick={on(|| Action::Stop)}>{ "Stop sharing" }</button>
            <button id="crash" onclick={on(|| Action::Crash)}>{ "Crash" }</button>
            <p id="panicked"></p>
        </main>
    }
}
