//! The console's language: the agent's choice among the languages the relay has (kept in this
//! browser), else the browser's own; picked outside a session (the header beside the join
//! form), so that in one the view keeps its room. Choosing one loads the console's settings in it
//! (`/console/settings.json?locale=`): its texts and counted forms follow.

use shared_protocol::texts::ConsoleText;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::settings::ConsoleSettings;

const KEY: &str = "cobrowse.console.language";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// The language to ask the relay for: the agent's saved choice, else the browser's.
pub fn chosen() -> String {
    storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .or_else(|| web_sys::window().and_then(|w| w.navigator().language()))
        .unwrap_or_default()
}

#[derive(Properties, PartialEq)]
pub struct LanguagePickerProps {
    /// A language was chosen (its tag, one of the relay's).
    pub on_change: Callback<String>,
}

/// A picker of the relay's languages (none when it has one only).
#[function_component(LanguagePicker)]
pub fn language_picker(props: &LanguagePickerProps) -> Html {
    let settings = use_context::<std::rc::Rc<ConsoleSettings>>().unwrap_or_default();
    if settings.languages.len() < 2 {
        return html! {};
    }
    let onchange = {
        let on_change = props.on_change.clone();
        let known = settings.languages.clone();
        Callback::from(move |e: Event| {
            let Some(select) = e.target_dyn_into::<HtmlSelectElement>() else {
                return;
            };
            let tag = select.value();
            // Only a language the relay named comes back.
            if !known.contains(&tag) {
                return;
            }
            if let Some(s) = storage() {
                let _ = s.set_item(KEY, &tag);
            }
            on_change.emit(tag);
        })
    };
    html! {
        <label class="theme">
            <span>{settings.text(ConsoleText::Language, &[])}</span>
            <select {onchange} data-cobrowse-ui="language" lang="">
                { for settings.languages.iter().map(|tag| html! {
                    <option value={tag.clone()} lang={tag.clone()} selected={*tag == settings.lang}>
                        {tag.to_uppercase()}
                    </option>
                }) }
            </select>
        </label>
    }
}
