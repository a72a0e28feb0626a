//! The customer's side of one co-browse session, as a state machine driven by widget actions
//! and relay messages: idle → confirming → connecting → waiting for the agent (code shown) →
//! verifying the agent's code → streaming the page → ended. A dropped connection is resumed
//! automatically; everything is torn down on the way out, so the host page is left as it was.
//!
//! Where things live:
//! - `customer`: [`Customer`](customer::Customer), the state machine tying the parts below
//!   together, and the one way out ([`Ending`]).
//! - `screen`: everything the customer sees (the widget's views, the status line, the mode).
//! - `outbound`: what is sent and opened (the link, the keys, the routing), shared with the
//!   page stream's sink.
//! - `membership`: the session at the relay (its `ticket`, the `connection` with its
//!   reconnects and heartbeats).
//! - `agent`: the side facing the agent: the key exchange (`keys`), the `page` streamed to it
//!   and its `control`.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::browser::{document, window, Listener};
use crate::persist::Saved;
use crate::settings::Settings;
use crate::widget::{View, Widget, WidgetAction};
use customer::Customer;

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

/// How a session ends: as someone asked (the customer, the agent, the verification limit),
/// or because something failed, which the site hears of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Normal,
    Failure,
}

/// A part's word that the session cannot go on: how it ends, and what the customer is told.
#[derive(Debug)]
pub struct Stop {
    pub ending: Ending,
    pub message: String,
}

impl Stop {
    pub fn failure(message: String) -> Self {
        Self {
            ending: Ending::Failure,
            message,
        }
    }
}

/// What the installed session needs for as long as the page lives.
struct Installed {
    _customer: Rc<RefCell<Customer>>,
    /// Tells the relay when the page is unloaded.
    _leaving: Listener,
}

thread_local! {
    // The installed session lives as long as the page.
    static INSTALLED: RefCell<Option<Installed>> = const { RefCell::new(None) };
}

/// Mounts the widget once per page; a second call is a no-op.
pub fn install(relay_url: &str, settings: Settings) -> Result<(), JsValue> {
    if INSTALLED.with(|i| i.borrow().is_some()) {
        return Ok(());
    }
    let texts = settings.texts.clone();
    let look = settings.look.clone();
    let customer =
        Rc::new_cyclic(|this| RefCell::new(Customer::new(relay_url, settings, this.clone())));
    let weak = Rc::downgrade(&customer);
    let on_action: Rc<dyn Fn(WidgetAction)> = Rc::new(move |action| {
        if let Some(c) = weak.upgrade() {
            c.borrow_mut().on_action(action);
        }
    });
    let widget = Widget::mount(&document(), texts, &look, on_action)?;
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
    INSTALLED.with(|i| {
        *i.borrow_mut() = Some(Installed {
            _customer: customer,
            _leaving: leaving,
        })
    });
    Ok(())
}

/// A JavaScript error's message, for the customer and the site.
fn describe_js(e: &JsValue) -> String {
    e.as_string()
        .or_else(|| {
            e.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| format!("{e:?}"))
}
