//! The mode indicator and its switch, at the top right of the console as in the reference: in
//! pointer mode a "request write mode" button (absent when the relay's `write_mode_allowed` is
//! off), in write mode a "back to pointer mode" one.

use shared_protocol::agent_control::Mode;
use shared_protocol::texts::ConsoleText;
use yew::prelude::*;

use crate::settings::ConsoleSettings;

#[derive(Properties, PartialEq)]
pub struct ModeToggleProps {
    pub mode: Mode,
    pub asking: bool,
    pub on_request: Callback<()>,
    pub on_pointer: Callback<()>,
}

#[function_component(ModeToggle)]
pub fn mode_toggle(props: &ModeToggleProps) -> Html {
    let settings = use_context::<std::rc::Rc<ConsoleSettings>>().unwrap_or_default();
    let t = |key: ConsoleText| settings.text(key, &[]);
    let (label, class) = match props.mode {
        Mode::Pointer => (t(ConsoleText::ModePointer), "mode pointer"),
        Mode::Write => (t(ConsoleText::ModeWrite), "mode write"),
    };
    let button = match props.mode {
        Mode::Pointer if settings.write_mode_allowed => {
            let on_request = props.on_request.clone();
            html! {
                <button class="mode-switch" disabled={props.asking} data-cobrowse-ui="request-write"
                        onclick={Callback::from(move |_| on_request.emit(()))}>
                    {if props.asking { t(ConsoleText::WriteAsking) } else { t(ConsoleText::RequestWrite) }}
                </button>
            }
        }
        Mode::Pointer => html! {},
        Mode::Write => {
            let on_pointer = props.on_pointer.clone();
            html! {
                <button class="mode-switch" data-cobrowse-ui="back-to-pointer"
                        onclick={Callback::from(move |_| on_pointer.emit(()))}>
                    {t(ConsoleText::BackToPointer)}
                </button>
            }
        }
    };
    html! {
        <div class="mode-box">
            <span class={class} data-cobrowse-ui="mode" data-mode={props.mode.as_str()}>{label}</span>
            {button}
        </div>
    }
}
