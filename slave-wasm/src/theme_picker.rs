//! The console's theme: the relay's default (`theme`), or the agent's own choice, kept in this
//! browser. `auto` follows the system (dark, and high contrast or forced colours).

use shared_protocol::texts::ConsoleText;
use shared_protocol::ui_settings::Theme;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::settings::ConsoleSettings;

const KEY: &str = "cobrowse.console.theme";

/// The agent's saved choice, else the relay's default.
pub fn initial(default: Theme) -> Theme {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .and_then(|t| Theme::from_name(&t))
        .unwrap_or(default)
}

/// Puts `theme` on the console's root element (the stylesheet keys on `data-theme`).
pub fn apply(theme: Theme) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("data-theme", theme.name());
    }
}

#[derive(Properties, PartialEq)]
pub struct ThemePickerProps {
    pub theme: Theme,
    pub on_change: Callback<Theme>,
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
            // The options' values are the themes' names: nothing else can come back.
            let Some(theme) = Theme::from_name(&select.value()) else {
                return;
            };
            if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
                let _ = s.set_item(KEY, theme.name());
            }
            on_change.emit(theme);
        })
    };
    let option = |theme: Theme| {
        html! {
            <option value={theme.name()} selected={props.theme == theme}>
                {settings.text(theme.label(), &[])}
            </option>
        }
    };
    html! {
        <label class="theme">
            <span>{settings.text(ConsoleText::Theme, &[])}</span>
            <select {onchange} data-cobrowse-ui="theme">
                { for Theme::ALL.into_iter().map(option) }
            </select>
        </label>
    }
}
