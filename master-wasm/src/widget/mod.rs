//! The customer's co-browse widget: a button, a consent step, the join code, the session
//! status, the write-mode question and indicator, and the legend of fields hidden from the
//! agent. It lives in an open shadow root on a host marked [`WIDGET_ATTR`], so the page's CSS
//! cannot break it and capture never mirrors it (nor can the agent act on it: only captured
//! elements are targets). Elements carry `data-cobrowse-ui` for tests.
//!
//! [`template`]: the markup and how texts and looks are applied; [`agent`]: what the widget
//! draws for the agent (pointer, clicks, the field being filled); [`avoid`]: moving aside
//! from the field the customer types in.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

use shared_protocol::agent_control::Mode;
use shared_protocol::texts::{Texts, WidgetText};
use shared_protocol::ui_settings::WidgetLook;

use crate::browser::{Listener, Timeout};
use crate::capture::WIDGET_ATTR;

mod agent;
mod avoid;
mod template;

/// What the customer did in the widget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WidgetAction {
    Start,
    Confirm,
    Cancel,
    Exit,
    /// The answer to the agent's request for write mode.
    AllowWrite,
    DenyWrite,
    /// Back to pointer mode.
    StopWrite,
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

#[must_use = "the widget is removed when this is dropped"]
pub struct Widget {
    host: Element,
    root: ShadowRoot,
    texts: Texts<WidgetText>,
    _listeners: Vec<Listener>,
    /// Click ripples still fading, each removed by its timer (at most a few at a time).
    ripples: std::collections::VecDeque<(Element, Timeout)>,
    /// Hides the "filling in this field" frame when the agent stops typing.
    typing: Option<Timeout>,
    /// Moves the widget off the field the customer types in (when it is shown).
    _avoid: Option<avoid::FieldAvoidance>,
    /// Whether the button and the session's views are shown (the page's `ui` option): without
    /// them the page draws its own through the page API. What protects the customer (the
    /// agent's pointer, the frame of the field the agent fills, masked fields' outlines) shows
    /// either way.
    ui: bool,
}

impl Widget {
    /// Adds the widget to `doc`'s body; `on_action` is called for every button press. Without
    /// `ui`, the button and the session's views stay hidden.
    pub fn mount(
        doc: &Document,
        texts: Texts<WidgetText>,
        look: &WidgetLook,
        ui: bool,
        on_action: Rc<dyn Fn(WidgetAction)>,
    ) -> Result<Self, JsValue> {
        let body = doc.body().ok_or("the page has no <body> yet")?;
        let host: HtmlElement = doc.create_element("div")?.unchecked_into();
        host.set_attribute(WIDGET_ATTR, "")?;
        let root = host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))?;
        // Static markup only: nothing from the page or the network goes through innerHTML.
        root.set_inner_html(template::TEMPLATE);
        template::dress(&root, &host, &texts, look)?;
        body.append_child(&host)?;
        let buttons = [
            ("[data-cobrowse-ui=start]", WidgetAction::Start),
            ("[data-cobrowse-ui=confirm]", WidgetAction::Confirm),
            ("[data-part=cancel]", WidgetAction::Cancel),
            ("[data-cobrowse-ui=exit]", WidgetAction::Exit),
            ("[data-cobrowse-ui=write-allow]", WidgetAction::AllowWrite),
            ("[data-cobrowse-ui=write-deny]", WidgetAction::DenyWrite),
            ("[data-cobrowse-ui=write-stop]", WidgetAction::StopWrite),
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
        let cb: HtmlElement = root
            .query_selector(".cb")?
            .ok_or("widget template lost its box")?
            .unchecked_into();
        cb.set_hidden(!ui);
        // A hidden widget has nothing to move aside (and would be shown by the moving).
        let avoid = ui.then(|| avoid::FieldAvoidance::start(cb, look.position));
        Ok(Self {
            host: host.into(),
            root,
            texts,
            _listeners: listeners,
            ripples: Default::default(),
            typing: None,
            _avoid: avoid,
            ui,
        })
    }

    /// Whether the widget shows its button and views (and so asks the customer's consent).
    pub fn has_ui(&self) -> bool {
        self.ui
    }

    /// The configured texts (for the session's status lines).
    pub fn texts(&self) -> &Texts<WidgetText> {
        &self.texts
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
        let connecting = self.texts.get(WidgetText::Connecting).to_string();
        let (code, status, exit) = match view {
            View::Connecting => ("", connecting.as_str(), false),
            View::Session { code, status } => (code.as_str(), status.as_str(), true),
            View::Ended { message } => ("", message.as_str(), false),
            _ => ("", "", false),
        };
        self.set_text("[data-cobrowse-ui=code]", code);
        self.set_hidden("[data-part=code-label]", code.is_empty());
        self.set_text("[data-cobrowse-ui=status]", status);
        self.set_hidden("[data-cobrowse-ui=exit]", !exit);
        if !exit {
            self.show_mode(Mode::Pointer, false);
        }
    }

    /// The write-mode question (while `asking`) or the write-mode notice with its stop button.
    pub fn show_mode(&self, mode: Mode, asking: bool) {
        self.set_hidden("[data-cobrowse-ui=write-request]", !asking);
        self.set_hidden("[data-cobrowse-ui=write-active]", mode != Mode::Write);
        // The question never takes the keyboard focus: keys the customer meant for the page
        // (Space, Enter in a field) must not answer it. A click answers it, or the keyboard
        // once the customer moves the focus there (Tab), as for any button.
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
