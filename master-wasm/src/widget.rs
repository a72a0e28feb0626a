//! The customer's co-browse widget: a button, a consent step, the join code, the session
//! status and the legend of fields hidden from the agent. It lives in an open shadow root on a host marked [`WIDGET_ATTR`], so the page's CSS
//! cannot break it and capture never mirrors it. Elements carry `data-cobrowse-ui` for tests.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

use shared_protocol::page::Pointer;

use crate::browser::{Listener, Timeout};
use crate::capture::WIDGET_ATTR;

/// What the customer did in the widget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WidgetAction {
    Start,
    Confirm,
    Cancel,
    Exit,
}

/// What the widget shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    Idle,
    Confirming,
    Connecting,
    /// The code to read out, and a status line.
    Session {
        code: String,
        status: String,
    },
    /// The session is over (or never started): why, and the button to start again.
    Ended {
        message: String,
    },
}

const TEMPLATE: &str = r#"
<style>
  :host { all: initial; }
  .cb { position: fixed; right: 16px; bottom: 16px; z-index: 2147483647; font: 14px/1.4 system-ui, sans-serif;
        color: #14213d; }
  .card { background: #fff; border: 1px solid #c9d2e3; border-radius: 10px; padding: 14px 16px; width: 280px;
          box-shadow: 0 6px 24px rgba(20,33,61,.18); }
  button { font: inherit; border-radius: 6px; border: 1px solid #1d4ed8; padding: 7px 12px; cursor: pointer; }
  .primary { background: #1d4ed8; color: #fff; }
  .secondary { background: #fff; color: #1d4ed8; }
  .code { font: 600 26px/1.2 ui-monospace, monospace; letter-spacing: 2px; margin: 6px 0; }
  .row { display: flex; gap: 8px; margin-top: 10px; flex-wrap: wrap; }
  [hidden] { display: none !important; }
  .agent-pointer { position: fixed; left: 0; top: 0; width: 18px; height: 18px; margin: -9px 0 0 -9px;
                   border-radius: 50%; background: rgba(220, 38, 38, .85); border: 2px solid #fff;
                   box-shadow: 0 0 0 1px rgba(0,0,0,.3); pointer-events: none; z-index: 2147483647; }
  .ripple { position: fixed; width: 36px; height: 36px; margin: -18px 0 0 -18px; border-radius: 50%;
            border: 3px solid rgb(220, 38, 38); pointer-events: none; z-index: 2147483647;
            animation: ripple .6s ease-out forwards; }
  .legend { margin-top: 8px; font-size: 13px; display: flex; align-items: center; gap: 6px; }
  .swatch { display: inline-block; width: 14px; height: 10px; outline: 2px dashed #d93025; outline-offset: -1px; }
  @keyframes ripple { from { transform: scale(.3); opacity: 1; } to { transform: scale(1.6); opacity: 0; } }
</style>
<div class="agent-pointer" data-cobrowse-ui="agent-pointer" aria-hidden="true" hidden></div>
<div class="cb" role="region" aria-label="Co-browse">
  <button class="primary" data-cobrowse-ui="start">Co-browse</button>
  <div class="card" data-part="confirm" hidden>
    <div>A representative will see this page with you. Private fields stay hidden.</div>
    <div class="row">
      <button class="primary" data-cobrowse-ui="confirm">I am on a call with a representative</button>
      <button class="secondary" data-part="cancel">Cancel</button>
    </div>
  </div>
  <div class="card" data-part="session" hidden>
    <div data-part="code-label">Your co-browse code</div>
    <div class="code" data-cobrowse-ui="code" aria-live="polite"></div>
    <div data-cobrowse-ui="status" role="status" aria-live="polite"></div>
    <div class="legend" data-cobrowse-ui="hidden-legend" hidden>
      <span class="swatch" aria-hidden="true"></span><span data-part="hidden-text"></span>
    </div>
    <div class="row"><button class="secondary" data-cobrowse-ui="exit">Exit co-browse</button></div>
  </div>
</div>
"#;

#[must_use = "the widget is removed when this is dropped"]
pub struct Widget {
    host: Element,
    root: ShadowRoot,
    _listeners: Vec<Listener>,
    /// Click ripples still fading, each removed by its timer (at most a few at a time).
    ripples: std::collections::VecDeque<(Element, Timeout)>,
}

impl Widget {
    /// Adds the widget to `doc`'s body; `on_action` is called for every button press.
    pub fn mount(doc: &Document, on_action: Rc<dyn Fn(WidgetAction)>) -> Result<Self, JsValue> {
        let body = doc.body().ok_or("the page has no <body> yet")?;
        let host = doc.create_element("div")?;
        host.set_attribute(WIDGET_ATTR, "")?;
        let root = host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))?;
        // Static markup only: nothing from the page or the network goes through innerHTML.
        root.set_inner_html(TEMPLATE);
        body.append_child(&host)?;
        let buttons = [
            ("[data-cobrowse-ui=start]", WidgetAction::Start),
            ("[data-cobrowse-ui=confirm]", WidgetAction::Confirm),
            ("[data-part=cancel]", WidgetAction::Cancel),
            ("[data-cobrowse-ui=exit]", WidgetAction::Exit),
        ];
        let mut listeners = Vec::new();
        for (selector, action) in buttons {
            let el = root
                .query_selector(selector)?
                .ok_or("widget template lost a button")?;
            let on_action = on_action.clone();
            listeners.push(Listener::new(el.as_ref(), "click", false, move |_| {
                on_action(action)
            }));
        }
        Ok(Self {
            host,
            root,
            _listeners: listeners,
            ripples: Default::default(),
        })
    }

    /// Shows where the agent points (the customer's viewport coordinates), with a ripple for a
    /// click. Drawn over the page; it never takes the customer's clicks.
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

    pub fn show(&self, view: &View) {
        let (start, confirm, session) = match view {
            View::Idle | View::Ended { .. } => (true, false, matches!(view, View::Ended { .. })),
            View::Confirming => (false, true, false),
            View::Connecting | View::Session { .. } => (false, false, true),
        };
        self.set_hidden("[data-cobrowse-ui=start]", !start);
        self.set_hidden("[data-part=confirm]", !confirm);
        self.set_hidden("[data-part=session]", !session);
        let (code, status, exit) = match view {
            View::Connecting => ("", "Connecting to the co-browse server…", false),
            View::Session { code, status } => (code.as_str(), status.as_str(), true),
            View::Ended { message } => ("", message.as_str(), false),
            _ => ("", "", false),
        };
        self.set_text("[data-cobrowse-ui=code]", code);
        self.set_hidden("[data-part=code-label]", code.is_empty());
        self.set_text("[data-cobrowse-ui=status]", status);
        self.set_hidden("[data-cobrowse-ui=exit]", !exit);
    }

    /// The legend for the outlined fields the agent cannot see: `text` (the configured,
    /// localizable indicator text) and how many; hidden when there are none.
    pub fn show_hidden_fields(&self, text: &str, count: u32) {
        self.set_hidden("[data-cobrowse-ui=hidden-legend]", count == 0);
        self.set_text("[data-part=hidden-text]", &format!("{text} ({count})"));
    }

    fn part(&self, selector: &str) -> Option<HtmlElement> {
        self.root
            .query_selector(selector)
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<HtmlElement>().ok())
    }

    fn set_hidden(&self, selector: &str, hidden: bool) {
        if let Some(el) = self.part(selector) {
            el.set_hidden(hidden);
        }
    }

    fn set_text(&self, selector: &str, text: &str) {
        if let Some(el) = self.part(selector) {
            el.set_text_content(Some(text));
        }
    }
}

impl Drop for Widget {
    fn drop(&mut self) {
        self.host.remove();
    }
}
