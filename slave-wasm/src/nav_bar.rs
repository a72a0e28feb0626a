//! The navigation bar of write mode: back, forward, reload and an address field. The customer's
//! browser decides: it refuses addresses outside the instrumented site.

use shared_protocol::agent_control::Navigate;
use shared_protocol::texts::ConsoleText;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::settings::ConsoleSettings;

#[derive(Properties, PartialEq)]
pub struct NavBarProps {
    /// The customer's page address, shown until the agent types another.
    pub page_url: String,
    pub on_navigate: Callback<Navigate>,
}

#[function_component(NavBar)]
pub fn nav_bar(props: &NavBarProps) -> Html {
    let settings = use_context::<std::rc::Rc<ConsoleSettings>>().unwrap_or_default();
    let t = |key: ConsoleText| settings.text(key, &[]);
    let address = use_node_ref();
    {
        // The field follows the customer's page.
        let address = address.clone();
        use_effect_with(props.page_url.clone(), move |url| {
            if let Some(input) = address.cast::<HtmlInputElement>() {
                input.set_value(url);
            }
        });
    }
    let nav = |n: Navigate| {
        let on_navigate = props.on_navigate.clone();
        Callback::from(move |_: MouseEvent| on_navigate.emit(n.clone()))
    };
    let onsubmit = {
        let (address, on_navigate) = (address.clone(), props.on_navigate.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(input) = address.cast::<HtmlInputElement>() {
                let to = input.value();
                if !to.trim().is_empty() {
                    on_navigate.emit(Navigate::To(to));
                }
            }
        })
    };
    html! {
        <form class="nav-bar" {onsubmit} data-cobrowse-ui="nav-bar">
            <button type="button" onclick={nav(Navigate::Back)} aria-label={t(ConsoleText::Back)} title={t(ConsoleText::Back)}
                    data-cobrowse-ui="nav-back">{"←"}</button>
            <button type="button" onclick={nav(Navigate::Forward)} aria-label={t(ConsoleText::Forward)}
                    title={t(ConsoleText::Forward)} data-cobrowse-ui="nav-forward">{"→"}</button>
            <button type="button" onclick={nav(Navigate::Reload)} aria-label={t(ConsoleText::Reload)}
                    title={t(ConsoleText::Reload)} data-cobrowse-ui="nav-reload">{"⟳"}</button>
            <label class="address">
                <span class="visually-hidden">{t(ConsoleText::Address)}</span>
                <input ref={address} type="text" inputmode="url" spellcheck="false"
                       data-cobrowse-ui="nav-address" />
            </label>
            <button type="submit" data-cobrowse-ui="nav-go">{t(ConsoleText::Go)}</button>
        </form>
    }
}
