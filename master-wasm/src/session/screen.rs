//! What the customer sees of the session, all of it from here: the widget's views (idle,
//! confirming, connecting, the code with a status line, ended), the status line to go back to
//! after a reconnect, the mode, and the agent's pointer and typing. (The legend of hidden fields
//! follows what the page stream pushes: see `page::ToAgent`.) Events a page API would emit
//! (code shown, agent joined, mode changed, ended) pass here.

use std::cell::RefCell;
use std::rc::Rc;

use shared_protocol::agent_control::Mode;
use shared_protocol::page::Pointer;
use shared_protocol::texts::{Texts, WidgetText};
use web_sys::Element;

use crate::widget::{View, Widget};

/// The mounted widget, shared with the page stream's sink.
pub type SharedWidget = Rc<RefCell<Widget>>;

pub struct Screen {
    widget: Option<SharedWidget>,
    texts: Texts<WidgetText>,
    /// The session's code while there is one: the session views show it.
    code: Option<String>,
    /// The status line to go back to once a dropped connection is resumed.
    status: String,
}

impl Screen {
    pub fn new(texts: Texts<WidgetText>) -> Self {
        Self {
            widget: None,
            texts,
            code: None,
            status: String::new(),
        }
    }

    pub fn attach(&mut self, widget: Widget) {
        self.widget = Some(Rc::new(RefCell::new(widget)));
    }

    pub fn widget(&self) -> Option<SharedWidget> {
        self.widget.clone()
    }

    /// The configured text for `key`, with `{name}`s filled in.
    pub fn text(&self, key: WidgetText, values: &[(&str, &str)]) -> String {
        self.texts.fill(key, values)
    }

    pub fn show(&self, view: View) {
        if let Some(w) = &self.widget {
            w.borrow().show(&view);
        }
    }

    /// The code the session views show (`None`: no session).
    pub fn set_code(&mut self, code: Option<String>) {
        self.code = code;
    }

    /// Shows the session with the status `key` says, the one to return to after a reconnect.
    pub fn session(&mut self, key: WidgetText, values: &[(&str, &str)]) {
        self.status = self.text(key, values);
        self.show_status(&self.status);
    }

    /// Shows the session's status again (resumed, or the agent is back).
    pub fn restore(&self) {
        self.show_status(&self.status);
    }

    /// Shows `key` as the status for now, without making it the one to return to.
    pub fn passing(&self, key: WidgetText) {
        self.show_status(&self.text(key, &[]));
    }

    fn show_status(&self, status: &str) {
        if let Some(code) = &self.code {
            self.show(View::Session {
                code: code.clone(),
                status: status.into(),
            });
        }
    }

    /// The session is over: no legend, no code, and why.
    pub fn ended(&mut self, message: String) {
        if let Some(w) = &self.widget {
            w.borrow().show_hidden_fields("", 0);
        }
        self.code = None;
        self.show(View::Ended { message });
    }

    /// The mode now, and whether the customer is being asked for write mode.
    pub fn mode(&self, mode: Mode, asking: bool) {
        if let Some(w) = &self.widget {
            w.borrow().show_mode(mode, asking);
        }
    }

    /// The mode changed: in pointer mode the agent types nowhere.
    pub fn mode_changed(&self, mode: Mode, asking: bool) {
        if let Some(w) = &self.widget {
            let mut w = w.borrow_mut();
            w.show_mode(mode, asking);
            if mode == Mode::Pointer {
                w.hide_agent_typing();
            }
        }
    }

    pub fn agent_pointer(&self, pointer: Pointer) {
        if let Some(w) = &self.widget {
            w.borrow_mut().show_agent_pointer(pointer);
        }
    }

    pub fn agent_typing(&self, field: &Element) {
        if let Some(w) = &self.widget {
            w.borrow_mut().show_agent_typing(field);
        }
    }
}
