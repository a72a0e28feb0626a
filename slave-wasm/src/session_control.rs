//! The agent's side of the mode and of write-mode actions: requests and switches sent to the
//! customer's browser, the agent's input on the view sent as actions (named by node id and
//! epoch), and what the customer's browser answers (the mode now, or a refusal) shown as
//! notices. The console decides nothing here: the customer's browser enforces it all.

use shared_protocol::agent_control::{ActionKind, AgentAction, Mode, ModeCause, Navigate, Refusal};
use shared_protocol::page::AgentPageMsg;
use shared_protocol::payload::encode_plain_payload;
use shared_protocol::texts::ConsoleText;
use std::rc::Rc;
use web_sys::HtmlIFrameElement;

use crate::session::{now_ms, Session};
use crate::state::Action;
use crate::typing_hold::HOLD_MS;
use crate::view_input::{ViewEvent, ViewInput};

impl Session {
    pub(crate) fn send_page(&self, msg: &AgentPageMsg) {
        self.send_sealed(&encode_plain_payload(msg));
    }

    pub(crate) fn request_write(&self) {
        self.send_page(&AgentPageMsg::RequestWrite);
        self.dispatch.dispatch(Action::Asking);
    }

    pub(crate) fn back_to_pointer(&self) {
        self.write_consent.set(None);
        self.send_page(&AgentPageMsg::PointerMode);
    }

    pub(crate) fn navigate(&self, nav: Navigate) {
        self.send_page(&AgentPageMsg::Navigate(nav));
    }

    pub(crate) fn on_view_event(&self, event: ViewEvent) {
        match event {
            ViewEvent::Pointer(p) => self.send_pointer(p),
            ViewEvent::Act { target, kind } => {
                let Some(epoch) = self
                    .rebuilder
                    .try_borrow()
                    .ok()
                    .and_then(|r| r.as_ref().and_then(|r| r.epoch()))
                else {
                    return;
                };
                let action = AgentAction {
                    epoch,
                    target,
                    kind,
                };
                crate::debug::log(&match action.target {
                    Some(id) => format!("action on node {id}"),
                    None => "action on the page".to_string(),
                });
                if let (Some(id), ActionKind::Type { .. }) = (action.target, &action.kind) {
                    self.typing.borrow_mut().typed(id, now_ms());
                    self.show_held_values_later();
                }
                self.send_page(&AgentPageMsg::Act(action));
            }
        }
    }

    /// Takes the agent's input on the view (write mode), until the result is dropped.
    pub(crate) fn view_input(&self) -> Option<ViewInput> {
        let doc = self.frame.cast::<HtmlIFrameElement>()?.content_document()?;
        let rebuilder = self.rebuilder.clone();
        let resolve = Rc::new(move |node: &web_sys::Node| {
            rebuilder
                .try_borrow()
                .ok()?
                .as_ref()
                .and_then(|r| r.id_of(node))
        });
        let session = self.clone();
        Some(ViewInput::attach(
            &doc,
            resolve,
            Rc::new(move |e| session.on_view_event(e)),
        ))
    }

    /// Once the agent pauses, the page's newest values of the fields it typed into show.
    fn show_held_values_later(&self) {
        let me = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(HOLD_MS as u32 + 20).await;
            let due = me.typing.borrow_mut().due(now_ms());
            if due.is_empty() {
                return;
            }
            if let Ok(slot) = me.rebuilder.try_borrow() {
                if let Some(r) = slot.as_ref() {
                    // A field gone meanwhile: the next batch says so; nothing to resync for.
                    let _ = r.apply_forms(&due);
                }
            }
        });
    }

    pub(crate) fn on_mode(&self, mode: Mode, cause: ModeCause) {
        let key = match cause {
            ModeCause::Current | ModeCause::Asking | ModeCause::AgentStopped => None,
            ModeCause::Approved => Some(ConsoleText::WriteApproved),
            ModeCause::Denied => Some(ConsoleText::WriteDenied),
            ModeCause::NotAllowed => Some(ConsoleText::WriteNotAllowed),
            ModeCause::TooSoon => Some(ConsoleText::WriteTooSoon),
            ModeCause::CustomerStopped => Some(ConsoleText::CustomerStopped),
        };
        match (mode, cause) {
            // Either side ended write mode: its consent is spent.
            (_, ModeCause::CustomerStopped | ModeCause::AgentStopped) => {
                self.write_consent.set(None)
            }
            // A new page of the customer starts in pointer mode: show the consent to go on.
            (Mode::Pointer, ModeCause::Current) => {
                if let Some(token) = self.write_consent.get() {
                    self.send_page(&AgentPageMsg::ResumeWrite(token));
                }
            }
            _ => {}
        }
        if cause == ModeCause::Asking {
            return self.dispatch.dispatch(Action::Asking);
        }
        let notice = key.map(|k| self.settings.text(k, &[]));
        self.dispatch.dispatch(Action::Mode { mode, notice });
    }

    pub(crate) fn on_refused(&self, why: Refusal) {
        let reason = match why {
            Refusal::ReadOnly => ConsoleText::RefusedReadOnly,
            Refusal::Private => ConsoleText::RefusedPrivate,
            Refusal::OutsideSite => ConsoleText::RefusedOutsideSite,
            Refusal::CustomerTyping => ConsoleText::RefusedCustomerTyping,
            Refusal::PointerMode | Refusal::NoTarget | Refusal::Mismatch => {
                ConsoleText::RefusedOther
            }
        };
        let reason = self.settings.text(reason, &[]);
        let text = self
            .settings
            .text(ConsoleText::Refused, &[("why", &reason)]);
        self.dispatch.dispatch(Action::Notice(text));
    }
}
