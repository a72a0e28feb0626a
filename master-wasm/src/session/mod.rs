//! The customer's side of one co-browse session, as a state machine driven by widget actions
//! and relay messages: idle → confirming → connecting → waiting for the agent (code shown) →
//! verifying the agent's code → streaming the page → ended. A dropped connection is resumed
//! automatically; everything is torn down on the way out, so the host page is left as it was.
//!
//! Where things live:
//! - `customer`: [`Customer`](customer::Customer), the state machine tying the parts below
//!   together, and the one way out (a [`Stop`]'s [`EndCause`]).
//! - `screen`: everything the customer sees (the widget's views, the status line, the mode).
//! - `outbound`: what is sent and opened (the link, the keys, the routing), shared with the
//!   page stream's sink.
//! - `membership`: the session at the relay (its `ticket`, the `connection` with its
//!   reconnects and heartbeats).
//! - `agent`: the side facing the agent: the key exchange (`keys`), the `page` streamed to it
//!   and its `control`.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use shared_protocol::page_api::{ApiState, EndCause};

use crate::browser::{document, window, Listener};
use crate::persist::Saved;
use crate::settings::Settings;
use crate::widget::{View, Widget, WidgetAction};
use customer::Customer;
pub use screen::Notify;

mod agent;
mod connection;
mod control;
mod customer;
mod keys;
mod membership;
mod outbound;
mod page;
mod screen;
mod ticket;

/// A part's word that the session cannot go on: why it ends (as someone asked, or a failure,
/// which the site hears of as an error too), and what the customer is told.
#[derive(Debug)]
pub struct Stop {
    pub cause: EndCause,
    pub message: String,
}

impl Stop {
    pub fn failure(message: String) -> Self {
        Self {
            cause: EndCause::Failed,
            message,
        }
    }
}

/// What the page's API asks of the session (see [`Customer::on_api`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiCall {
    /// Start a session: `confirmed` when the page asked the customer itself; otherwise the
    /// widget asks (an error when the page turned the widget's UI off).
    Start {
        confirmed: bool,
    },
    Exit,
    /// The customer's answer to the agent's request for write mode.
    AnswerWrite(bool),
}

/// The installed session, for the page API: calls go in, events come out through the
/// [`Notify`] given to [`install`]. It holds the session weakly: the page owns it.
#[derive(Clone)]
pub struct Handle(Weak<RefCell<Customer>>);

impl Handle {
    /// Does what the page asked, or says why not.
    pub fn call(&self, call: ApiCall) -> Result<(), String> {
        let customer = self.0.upgrade().ok_or("co-browse is no longer installed")?;
        // A call from inside a session's own work (a listener run synchronously by a page
        // handler the session triggered) is refused rather than run half-way through it.
        let mut customer = customer
            .try_borrow_mut()
            .map_err(|_| "co-browse is busy: call again from a later task".to_string())?;
        customer.on_api(call).map_err(String::from)
    }

    /// The session as the page API tells it.
    pub fn state(&self) -> ApiState {
        self.0
            .upgrade()
            .and_then(|c| c.try_borrow().ok().map(|c| c.screen_state()))
            .unwrap_or_default()
    }
}

/// What the installed session needs for as long as the page lives.
struct Installed {
    customer: Rc<RefCell<Customer>>,
    /// Tells the relay when the page is unloaded.
    _leaving: Listener,
}

thread_local! {
    // The installed session lives as long as the page.
    static INSTALLED: RefCell<Option<Installed>> = const { RefCell::new(None) };
}

/// Mounts the widget (its button and views hidden without `ui`) once per page; the page
/// API's events go to `notify`. A second call returns the first call's session.
pub fn install(
    relay_url: &str,
    settings: Settings,
    ui: bool,
    notify: Notify,
) -> Result<Handle, JsValue> {
    if let Some(customer) = INSTALLED.with(|i| i.borrow().as_ref().map(|i| i.customer.clone())) {
        return Ok(Handle(Rc::downgrade(&customer)));
    }
    let texts = settings.texts.clone();
    let look = settings.look.clone();
    let customer = Rc::new_cyclic(|this| {
        RefCell::new(Customer::new(relay_url, settings, notify, this.clone()))
    });
    let weak = Rc::downgrade(&customer);
    let on_action: Rc<dyn Fn(WidgetAction)> = Rc::new(move |action| {
        if let Some(c) = weak.upgrade() {
            c.borrow_mut().on_action(action);
        }
    });
    let widget = Widget::mount(&document(), texts, &look, ui, on_action)?;
    // The page is being unloaded: the relay waits longer for the next page of the session
    // (the customer may be leaving the site for a while), and the agent is told at once.
    let weak = Rc::downgrade(&customer);
    let leaving = Listener::new(window().as_ref(), "pagehide", false, move |_| {
        if let Some(c) = weak.upgrade() {
            c.borrow_mut().on_leaving();
        }
    });
    // The customer's keys, so the agent never takes the focus from a field they type a secret in.
    crate::agent_control::customer_keys::watch();
    widget.show(&View::Idle);
    customer.borrow_mut().screen().attach(widget);
    // A page load within a session: continue it.
    if let Some(saved) = Saved::load(relay_url) {
        customer.borrow_mut().continue_saved(saved);
    }
    let handle = Handle(Rc::downgrade(&customer));
    INSTALLED.with(|i| {
        *i.borrow_mut() = Some(Installed {
            customer,
            _leaving: leaving,
        })
    });
    Ok(handle)
}

/// A JavaScript error's message, for the customer and the site.
pub(crate) fn describe_js(e: &JsValue) -> String {
    e.as_string()
        .or_else(|| {
            e.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| format!("{e:?}"))
}
