//! What the widget draws for the agent, over the page and never taking the customer's clicks:
//! the agent's pointer, a red ring for each of its clicks, and a frame around the field the
//! agent is filling in (write mode).

use shared_protocol::page::Pointer;
use shared_web::css_number::css_px;
use wasm_bindgen::JsValue;
use web_sys::Element;

use super::Widget;
use crate::browser::Timeout;

/// How long the "filling in this field" frame stays after the agent's last keystroke.
const TYPING_SHOWN_MS: i32 = 2500;

impl Widget {
    /// Shows where the agent points (the customer's viewport coordinates), with a ripple for a
    /// click.
    pub fn show_agent_pointer(&mut self, p: Pointer) {
        let Some(dot) = self.part("[data-cobrowse-ui=agent-pointer]") else {
            return;
        };
        dot.set_hidden(p.gone);
        let style = dot.style();
        let _ = style.set_property("left", &format!("{}px", p.x));
        let _ = style.set_property("top", &format!("{}px", p.y));
        if p.click {
            self.ripple(p.x, p.y);
        }
    }

    fn ripple(&mut self, x: i32, y: i32) {
        let Ok(ring) = self
            .root
            .owner_document()
            .map_or(Err(JsValue::NULL), |d| d.create_element("div"))
        else {
            return;
        };
        ring.set_class_name("ripple");
        let _ = ring.set_attribute("data-cobrowse-ui", "agent-click");
        let _ = ring.set_attribute("style", &format!("left:{x}px;top:{y}px"));
        let _ = self.root.append_child(&ring);
        let gone = ring.clone();
        self.ripples
            .push_back((ring, Timeout::new(700, move || gone.remove())));
        if self.ripples.len() > 8 {
            if let Some((old, _timer)) = self.ripples.pop_front() {
                old.remove();
            }
        }
    }

    /// Frames `field` (which the agent is typing into) for a moment, labelled for the customer.
    pub fn show_agent_typing(&mut self, field: &Element) {
        let Some(frame) = self.part("[data-cobrowse-ui=agent-typing]") else {
            return;
        };
        let r = field.get_bounding_client_rect();
        let _ = frame.set_attribute(
            "style",
            &format!(
                "left:{};top:{};width:{};height:{}",
                css_px(r.left() - 3.0),
                css_px(r.top() - 3.0),
                css_px(r.width() + 6.0),
                css_px(r.height() + 6.0)
            ),
        );
        frame.set_hidden(false);
        self.typing = Some(Timeout::new(TYPING_SHOWN_MS, move || {
            frame.set_hidden(true)
        }));
    }

    /// Takes the typing frame away at once (write mode ended).
    pub fn hide_agent_typing(&mut self) {
        self.typing = None;
        self.set_hidden("[data-cobrowse-ui=agent-typing]", true);
    }
}
