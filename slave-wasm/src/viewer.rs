//! The view of the customer's page: an iframe sandboxed without `allow-scripts` (same origin
//! only, so the console can build its document), sized to the customer's viewport and scaled
//! down to fit the panel. Over it: the part of the page the customer sees when it is not all of
//! it (a phone's pinch zoom or on-screen keyboard), the customer's pointer, and a transparent
//! glass that takes
//! the agent's pointer (in pointer mode the agent cannot act in the page; in write mode it
//! steps aside and the view's own events become actions, see [`crate::view_input`]).

use shared_protocol::page::{Pointer, Viewport};
use shared_protocol::texts::ConsoleText;
use shared_protocol::visual_viewport::VisualViewport;
use shared_web::css_number::{css_number, css_px};
use web_sys::{Element, HtmlElement, MouseEvent};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ViewerProps {
    pub frame: NodeRef,
    /// The customer's pointer marker, moved by the session (not re-rendered per move).
    pub cursor: NodeRef,
    pub viewport: Option<Viewport>,
    /// The part of the page the customer sees, when it is not all of it.
    pub visual: Option<VisualViewport>,
    /// Write mode: the glass steps aside and the view takes the agent's input.
    pub write: bool,
    /// The agent's pointer over the view, in the customer's viewport coordinates.
    pub on_pointer: Callback<Pointer>,
}

/// The agent's pointer in the customer's coordinates: the wrapper is scaled, so divide.
fn to_customer(e: &MouseEvent, wrap: &Element, viewport: Option<Viewport>) -> Option<(i32, i32)> {
    let vp = viewport?;
    let rect = wrap.get_bounding_client_rect();
    let scale = rect.width() / vp.width.max(1) as f64;
    if scale <= 0.0 {
        return None;
    }
    let x = (e.client_x() as f64 - rect.left()) / scale;
    let y = (e.client_y() as f64 - rect.top()) / scale;
    Some((x.round() as i32, y.round() as i32))
}

#[function_component(Viewer)]
pub fn viewer(props: &ViewerProps) -> Html {
    let stage = use_node_ref();
    let wrap = use_node_ref();
    {
        let (stage, wrap) = (stage.clone(), wrap.clone());
        use_effect_with(props.viewport, move |viewport| {
            if let (Some(vp), Some(stage), Some(wrap)) = (
                viewport,
                stage.cast::<Element>(),
                wrap.cast::<HtmlElement>(),
            ) {
                let available = stage.client_width().max(1) as f64;
                let scale = (available / vp.width.max(1) as f64).min(1.0);
                let style = wrap.style();
                let _ = style.set_property("width", &format!("{}px", vp.width));
                let _ = style.set_property("height", &format!("{}px", vp.height));
                let _ = style.set_property("transform", &format!("scale({})", css_number(scale)));
                let height = css_px((vp.height as f64 * scale).ceil());
                let _ = stage.set_attribute("style", &format!("height:{height}"));
            }
        });
    }
    let settings =
        use_context::<std::rc::Rc<crate::settings::ConsoleSettings>>().unwrap_or_default();
    let title = settings.text(ConsoleText::ViewLabel, &[]);
    let wrap_ref = wrap.clone();
    let pointer = |click: bool, gone: bool| {
        let (wrap, viewport, on_pointer) =
            (wrap_ref.clone(), props.viewport, props.on_pointer.clone());
        Callback::from(move |e: MouseEvent| {
            let Some(el) = wrap.cast::<Element>() else {
                return;
            };
            if let Some((x, y)) = to_customer(&e, &el, viewport) {
                on_pointer.emit(Pointer { x, y, click, gone });
            }
        })
    };
    html! {
        <div class="stage" ref={stage}>
            <div class="frame-wrap" ref={wrap}>
                <iframe ref={props.frame.clone()} data-cobrowse-ui="view" sandbox="allow-same-origin"
                        title={title} src="about:blank"></iframe>
                if let Some(v) = props.visual {
                    <div class="customer-visual" data-cobrowse-ui="customer-visual"
                         data-zoom={v.zoom_percent.to_string()}
                         style={format!("left:{}px;top:{}px;width:{}px;height:{}px", v.left, v.top, v.width, v.height)}>
                        <span>{settings.text(ConsoleText::CustomerSees, &[("zoom", &v.zoom_percent.to_string())])}</span>
                    </div>
                }
                <div class="customer-pointer" ref={props.cursor.clone()} data-cobrowse-ui="customer-pointer"
                     aria-hidden="true" hidden=true></div>
                <div class={classes!("glass", props.write.then_some("write"))} data-cobrowse-ui="glass"
                     onmousemove={pointer(false, false)} onmousedown={pointer(true, false)}
                     onmouseleave={pointer(false, true)}></div>
            </div>
        </div>
    }
}
