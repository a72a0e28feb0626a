//! The console's root: the settings in the agent's language, loaded again when the agent picks
//! another ([`crate::language_picker`]); the [`App`] under it keeps its session meanwhile.

use std::rc::Rc;

use yew::prelude::*;

use crate::app::App;
use crate::settings::{self, ConsoleSettings};

#[derive(Properties, PartialEq)]
pub struct RootProps {
    pub settings: Rc<ConsoleSettings>,
}

#[function_component(Root)]
pub fn root(props: &RootProps) -> Html {
    let settings = use_state({
        let first = props.settings.clone();
        move || first
    });
    let on_language = {
        let settings = settings.clone();
        Callback::from(move |tag: String| {
            let settings = settings.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let loaded = settings::load(&tag).await;
                // Give the page its language too (screen readers, hyphenation).
                if let Some(root) = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.document_element())
                {
                    let _ = root.set_attribute("lang", &loaded.lang);
                }
                settings.set(Rc::new(loaded));
            });
        })
    };
    html! { <App settings={(*settings).clone()} {on_language} /> }
}
