//! The join form: the customer's 9-digit code (and the agent token when the console URL did
//! not carry one).

use shared_protocol::texts::ConsoleText;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::settings::ConsoleSettings;

#[derive(Properties, PartialEq)]
pub struct JoinFormProps {
    pub need_token: bool,
    pub busy: bool,
    /// A code from the session link, filled in for the agent to check.
    pub code: Option<String>,
    /// (code as typed, token as typed)
    pub on_join: Callback<(String, String)>,
}

#[function_component(JoinForm)]
pub fn join_form(props: &JoinFormProps) -> Html {
    let settings = use_context::<std::rc::Rc<ConsoleSettings>>().unwrap_or_default();
    let t = |key: ConsoleText| settings.text(key, &[]);
    let code = use_node_ref();
    let token = use_node_ref();
    let onsubmit = {
        let (code, token, on_join) = (code.clone(), token.clone(), props.on_join.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value = |r: &NodeRef| {
                r.cast::<HtmlInputElement>()
                    .map(|i| i.value())
                    .unwrap_or_default()
            };
            on_join.emit((value(&code), value(&token)));
        })
    };
    html! {
        <form class="join" {onsubmit}>
            if props.need_token {
                <label>{t(ConsoleText::TokenLabel)}
                    <input ref={token} type="password" autocomplete="off" data-cobrowse-ui="agent-token" />
                </label>
            }
            <label>{t(ConsoleText::CodeLabel)}
                <input ref={code} inputmode="numeric" autocomplete="off" placeholder="123 456 789"
                       maxlength="15" data-cobrowse-ui="join-code" value={props.code.clone()} />
            </label>
            <button type="submit" disabled={props.busy} data-cobrowse-ui="join">{t(ConsoleText::Join)}</button>
        </form>
    }
}
