//! The view of the customer's page: an iframe sandboxed without `allow-scripts` (same origin
//! only, so the console can build its document), sized to the customer's viewport and scaled
//! down to fit the panel.

use shared_protocol::page::Viewport;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ViewerProps {
    pub frame: NodeRef,
    pub viewport: Option<Viewport>,
}

#[function_component(Viewer)]
pub fn viewer(props: &ViewerProps) -> Html {
    let stage = use_node_ref();
    {
        let (stage, frame) = (stage.clone(), props.frame.clone());
        use_effect_with(props.viewport, move |viewport| {
            if let (Some(vp), Some(stage), Some(frame)) = (
                viewport,
                stage.cast::<Element>(),
                frame.cast::<HtmlElement>(),
            ) {
                let available = stage.client_width().max(1) as f64;
                let scale = (available / vp.width.max(1) as f64).min(1.0);
                let style = frame.style();
                let _ = style.set_property("width", &format!("{}px", vp.width));
                let _ = style.set_property("height", &format!("{}px", vp.height));
                let _ = style.set_property("transform", &format!("scale({scale})"));
                let _ = stage.set_attribute(
                    "style",
                    &format!("height:{}px", (vp.height as f64 * scale).ceil()),
                );
            }
        });
    }
    html! {
        <div class="stage" ref={stage}>
            <iframe ref={props.frame.clone()} data-cobrowse-ui="view" sandbox="allow-same-origin"
                    title="The customer's page" src="about:blank"></iframe>
        </div>
    }
}
