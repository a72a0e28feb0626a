//! The console's theme: the relay's default (`theme`), or the agent's own choice, kept in this
//! browser. `auto` follows the system (dark, and high contrast or forced colours).

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::settings::ConsoleSettings;

const KEY: &str = "cobrowse.console.theme";

/// The agent's saved choice, else the relay's default.
pub fn initial(default: &str) -> String {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .filter(|t| ["auto", "light", "dark", "high-contrast"].contains(&t.as_str()))
        .unwrap_or_else(|| default.to_string())
}

/// Puts `theme` on the console's root element (the stylesheet keys on `data-theme`).
pub fn apply(theme: &str) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("data-theme", theme);
    }
}

#[derive(Properties, PartialEq)]
pub struct ThemePickerProps {
    pub theme: String,
    pub on_change: Callback<String>,
}

#[function_component(ThemePicker)]
pub fn theme_picker(props: &ThemePickerProps) -> Html {
    let settings = use_context::<std::rc::Rc<ConsoleSettings>>().unwrap_or_default();
    let onchange = {
        let on_change = props.on_change.clone();
        Callback::from(move |e: Event| {
            let Some(select) = e.target_dyn_into::<HtmlSelectElement>() else {
                return;
            };
            let theme = select.value();
            if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
                let _ = s.set_item(KEY, &theme);
            }
            on_change.emit(theme);
        })
    };
    let option = |value: &'static str, key: &str| {
        html! { <option {value} selected={props.theme == value}>{settings.text(key, &[])}</option> }
    };
    html! {
        <label class="theme">
            <span>{settings.text("theme", &[])}</span>
            <select {onchange} data-cobrowse-ui="theme">
                {option("auto", "theme_auto")}
                {option("light", "theme_light")}
                {option("dark", "theme_dark")}
                {option("high-contrast", "theme_contrast")}
            </select>
        </label>
    }
}
