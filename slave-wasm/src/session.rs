//! One agent session on the console side: the connection's events, sealed page frames into
//! the rebuilder, the pointers both ways. Key exchange in [`crate::session_keys`], numbering,
//! heartbeats and reconnects in [`crate::session_link`].

use shared_protocol::texts::ConsoleText;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use shared_protocol::page::{AgentPageMsg, CustomerPageMsg, Pointer};
use shared_protocol::payload::{decode_payload, encode_payload};
use shared_protocol::{AgentMsg, Delivery, ErrorCode, JoinCode, RelayMsg, MAX_RENDER_SAMPLES};
use web_sys::{HtmlElement, HtmlIFrameElement};
use yew::prelude::*;

use crate::connection::{ConnEvent, Connection};
use crate::debug;
use crate::rebuild::{AllowedFrames, Rebuilder};
use crate::session_tasks::SessionTasks;
use crate::settings::ConsoleSettings;
use crate::state::{Action, Console};
use crate::typing_hold::TypingHold;
use crate::view_config;
use crate::view_sheets::ViewSheets;
use shared_protocol::exchange::{Channel, Keys};
use shared_protocol::link::Link;
use shared_protocol::transport::CLOSE_WEBSOCKET_AVAILABLE;

/// Everything a connection's event handler needs.
#[derive(Clone)]
pub(crate) struct Session {
    pub(crate) dispatch: UseReducerDispatcher<Console>,
    /// This session's connection to the relay (each session has its own).
    pub(crate) conn: Rc<RefCell<Option<Connection>>>,
    /// Its heartbeat and reconnect timers.
    pub(crate) tasks: Rc<RefCell<SessionTasks>>,
    pub(crate) rebuilder: Rc<RefCell<Option<Rebuilder>>>,
    pub(crate) frame: NodeRef,
    /// The code as the agent typed it; its secret part keys the exchange.
    pub(crate) code: JoinCode,
    pub(crate) token: String,
    /// The key exchanges with the customer's browser, and their guard (the exchanges that
    /// failed for the whole session, and the proof a later one must carry once one verified).
    pub(crate) keys: Rc<RefCell<Keys>>,
    pub(crate) ended: Rc<Cell<bool>>,
    /// From `Joined`: lets a new connection take this agent's place after a drop.
    pub(crate) resume_token: Rc<Cell<Option<[u8; 16]>>>,
    /// The relay node that runs the session (`RelayMsg::Node`): reconnections ask for it.
    pub(crate) node: Rc<RefCell<Option<String>>>,
    /// From `Joined`: binds every key exchange to this session.
    pub(crate) session_id: Rc<Cell<[u8; 16]>>,
    /// The customer's write-mode consent while it lasts: shown back when the customer's next
    /// page starts in pointer mode, so write mode continues there.
    pub(crate) write_consent: Rc<Cell<Option<[u8; 16]>>>,
    /// The page's values of fields the agent is typing into, held back meanwhile.
    pub(crate) typing: Rc<RefCell<TypingHold>>,
    /// After a `Gap`: page frames are ignored until a fresh snapshot arrives.
    pub(crate) awaiting_snapshot: Rc<Cell<bool>>,
    /// The customer's pointer marker over the view.
    pub(crate) cursor: NodeRef,
    /// Numbering under the current keys, and the reliable frames kept for a resume.
    pub(crate) sent: Rc<RefCell<Link<AgentMsg>>>,
    pub(crate) reconnects: Rc<Cell<usize>>,
    /// The relay said it is restarting: the status says so while reconnecting.
    pub(crate) restarting: Rc<Cell<bool>>,
    /// How long recent page frames took to apply (µs), reported with the next heartbeat.
    pub(crate) render_micros: Rc<RefCell<Vec<u32>>>,
    /// The fidelity report as last shown.
    pub(crate) unshown: RefCell<Vec<shared_protocol::page_state::Unshown>>,
    /// Texts and what the relay allows.
    pub(crate) settings: Rc<ConsoleSettings>,
}

pub(crate) fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

impl Session {
    pub(crate) fn on_event(&self, event: ConnEvent) {
        match event {
            ConnEvent::Opened(transport) => self.dispatch.dispatch(Action::OwnTransport(transport)),
            ConnEvent::Relay { seq, delivery, msg } => self.on_relay(delivery, seq, msg),
            ConnEvent::BadFrame(why) => self.fail(format!("The server sent a bad frame: {why}")),
            ConnEvent::Closed { code } => {
                if self.ended.get() || self.conn.borrow().is_none() {
                    return;
                }
                self.conn.borrow_mut().take();
                // Said once by a stopping relay; true until a resume succeeds.
                if code == shared_protocol::CLOSE_RESTARTING {
                    self.restarting.set(true);
                }
                if code == CLOSE_WEBSOCKET_AVAILABLE && self.resume_token.get().is_some() {
                    // Polling found the WebSocket working again: resume over it at once.
                    self.reopen();
                } else if self.resume_token.get().is_some() {
                    self.reconnect();
                } else {
                    self.fail("The connection to the co-browse server was lost.".into());
                }
            }
        }
    }

    pub(crate) fn on_relay(&self, delivery: Delivery, seq: u64, msg: RelayMsg) {
        if !matches!(msg, RelayMsg::Sealed(_)) {
            debug::log(&format!("relay: {msg:?}"));
        }
        match msg {
            RelayMsg::Joined {
                session_id,
                resume_token,
            } => {
                self.resume_token.set(Some(resume_token));
                self.session_id.set(session_id);
                self.start_heartbeat();
                self.dispatch.dispatch(Action::Joined);
            }
            // The customer opened another page: its keys for it come with a new exchange.
            RelayMsg::PeerReloaded => {
                self.keys.borrow_mut().reset();
                self.dispatch.dispatch(Action::Interrupted(
                    self.settings.text(ConsoleText::CustomerNavigating, &[]),
                ));
            }
            RelayMsg::Key(key) => self.on_key(key),
            RelayMsg::Sealed(bytes) => self.on_sealed(delivery, seq, &bytes),
            RelayMsg::Resumed {
                last_received,
                lost,
                ..
            } => self.on_resumed(last_received, lost),
            // This console fell too far behind: it does not wait for the relay to ask the
            // customer; it asks itself, and applies nothing until the fresh snapshot.
            RelayMsg::Gap => {
                if let Some(channel) = self.keys.borrow_mut().channel_mut() {
                    channel.opener.accept_gap();
                }
                self.awaiting_snapshot.set(true);
                self.resync("page frames were dropped while this console was behind".into());
            }
            RelayMsg::SnapshotNeeded => {}
            RelayMsg::PeerNavigating => self.dispatch.dispatch(Action::Interrupted(
                self.settings.text(ConsoleText::CustomerNavigating, &[]),
            )),
            RelayMsg::PeerAway => self.dispatch.dispatch(Action::Interrupted(
                self.settings.text(ConsoleText::CustomerLeft, &[]),
            )),
            RelayMsg::PeerBack => self.dispatch.dispatch(Action::Restored),
            RelayMsg::VerificationFailed { attempts_left } => self.fail(self.settings.text(
                ConsoleText::VerificationFailed,
                &[("attempts", &attempts_left.to_string())],
            )),
            RelayMsg::Ended { reason } => {
                self.stop();
                self.dispatch.dispatch(Action::Ended(reason));
            }
            RelayMsg::Error { code, message } => {
                let t = &self.settings;
                let text = match code {
                    ErrorCode::UnknownCode => t.text(ConsoleText::UnknownCode, &[]),
                    ErrorCode::Unauthorized => {
                        t.text(ConsoleText::TokenRefused, &[("why", &message)])
                    }
                    ErrorCode::AgentBusy => t.text(ConsoleText::AgentBusy, &[("limit", &message)]),
                    ErrorCode::RateLimited => t.text(ConsoleText::RateLimited, &[]),
                    _ => format!("The server refused: {message}"),
                };
                self.fail(text);
            }
            RelayMsg::Node(node) => {
                if shared_protocol::node_hint::is_node_name(&node) {
                    *self.node.borrow_mut() = Some(node);
                }
            }
            // For the customer only.
            RelayMsg::Created { .. } | RelayMsg::AgentJoined | RelayMsg::Privacy(_) => {}
        }
    }

    pub(crate) fn on_sealed(&self, delivery: Delivery, seq: u64, bytes: &[u8]) {
        let plain = {
            let mut keys = self.keys.borrow_mut();
            let Some(Channel { opener, .. }) = keys.channel_mut() else {
                return;
            };
            opener.open(self.code.routing, delivery, seq, bytes)
        };
        #[cfg(feature = "test-hooks")]
        if let Ok(plain) = &plain {
            crate::test_hooks::record(plain);
        }
        match plain {
            Ok(plain) => match decode_payload::<CustomerPageMsg>(&plain) {
                Ok(page) => self.on_page(page),
                Err(e) => self.resync(format!("undecodable page frame: {e}")),
            },
            // The channel is authenticated and ordered: a frame that does not open means it
            // was tampered with or lost, and nothing after it can be trusted.
            Err(e) => self.fail(format!("The secure channel broke: {e}.")),
        }
    }

    pub(crate) fn on_page(&self, page: CustomerPageMsg) {
        let mut slot = self.rebuilder.borrow_mut();
        if slot.is_none() {
            let doc = self
                .frame
                .cast::<HtmlIFrameElement>()
                .and_then(|f| f.content_document());
            match doc {
                Some(doc) => {
                    let sheets = ViewSheets::new(view_config::proxy_prefix(), None);
                    let mut rebuilder = Rebuilder::new(doc, sheets);
                    rebuilder.set_labels(
                        AllowedFrames::new(&self.settings.allowed_third_party_domains),
                        self.settings
                            .texts
                            .get(ConsoleText::FrameNotShown)
                            .to_string(),
                        self.settings
                            .texts
                            .get(ConsoleText::CanvasNotShown)
                            .to_string(),
                    );
                    rebuilder.set_private_canvas_label(
                        self.settings
                            .texts
                            .get(ConsoleText::PrivateCanvasNotShown)
                            .to_string(),
                    );
                    *slot = Some(rebuilder);
                }
                None => return self.fail("The view frame is not ready.".into()),
            }
        }
        let rebuilder = slot.as_mut().expect("set above");
        if let (false, Some(patch)) = (rebuilder.sheets.has_patch(), view_config::css_patch()) {
            let doc = rebuilder.doc().clone();
            rebuilder.sheets.set_patch(&doc, patch);
        }
        let started = now_ms();
        match &page {
            CustomerPageMsg::Pointer(p) => {
                if let Some(r) = slot.as_mut() {
                    r.hover_at(p.x, p.y, p.gone);
                }
                drop(slot);
                return self.show_customer_pointer(*p);
            }
            CustomerPageMsg::Scroll(scrolls) => {
                if let Some(r) = slot.as_ref() {
                    r.apply_scrolls(scrolls);
                }
                return;
            }
            CustomerPageMsg::Mode { mode, cause } => {
                drop(slot);
                return self.on_mode(*mode, *cause);
            }
            CustomerPageMsg::Refused(why) => {
                drop(slot);
                return self.on_refused(*why);
            }
            CustomerPageMsg::WriteConsent(token) => {
                self.write_consent.set(Some(*token));
                return;
            }
            CustomerPageMsg::Transport(transport) => {
                drop(slot);
                return self
                    .dispatch
                    .dispatch(Action::CustomerTransport(*transport));
            }
            CustomerPageMsg::Visual(visual) => {
                drop(slot);
                return self.dispatch.dispatch(Action::CustomerVisual(*visual));
            }
            _ => {}
        }
        let snapshot_part = matches!(
            page,
            CustomerPageMsg::Snapshot(_) | CustomerPageMsg::SnapshotNodes(_)
        );
        if self.awaiting_snapshot.get() && !snapshot_part {
            return;
        }
        self.awaiting_snapshot
            .set(matches!(page, CustomerPageMsg::SnapshotNodes(_)));
        let result = match page {
            CustomerPageMsg::SnapshotNodes(part) => rebuilder.add_snapshot_nodes(part),
            CustomerPageMsg::Snapshot(snap) => rebuilder.apply_snapshot(&snap).map(|_| {
                self.typing.borrow_mut().clear();
                self.dispatch.dispatch(Action::PageShown {
                    viewport: snap.viewport,
                    url: snap.url.clone(),
                });
            }),
            CustomerPageMsg::Mutations(batch) => {
                let held = self.typing.borrow_mut().pass(&batch.state.form, now_ms());
                let result = match held {
                    Some(form) => {
                        let mut batch = batch.clone();
                        batch.state.form = form;
                        rebuilder.apply_batch(&batch)
                    }
                    None => rebuilder.apply_batch(&batch),
                };
                result.map(|_| {
                    if let Some(vp) = batch.viewport {
                        self.dispatch.dispatch(Action::Resized(vp));
                    }
                })
            }
            CustomerPageMsg::Pointer(_)
            | CustomerPageMsg::Scroll(_)
            | CustomerPageMsg::Mode { .. }
            | CustomerPageMsg::Refused(_)
            | CustomerPageMsg::WriteConsent(_)
            | CustomerPageMsg::Transport(_)
            | CustomerPageMsg::Visual(_) => Ok(()),
        };
        let unshown = rebuilder.unshown();
        drop(slot);
        if *self.unshown.borrow() != unshown {
            self.unshown.replace(unshown.clone());
            self.dispatch.dispatch(Action::Unshown(unshown));
        }
        let mut samples = self.render_micros.borrow_mut();
        if samples.len() < MAX_RENDER_SAMPLES {
            samples.push(((now_ms() - started) * 1000.0) as u32);
        }
        drop(samples);
        if let Err(e) = result {
            self.resync(e.to_string());
        }
    }

    pub(crate) fn send(&self, msg: AgentMsg) {
        if let Some(conn) = self.conn.borrow().as_ref() {
            conn.send_control(msg);
        }
    }

    pub(crate) fn show_customer_pointer(&self, p: Pointer) {
        let Some(el) = self.cursor.cast::<HtmlElement>() else {
            return;
        };
        el.set_hidden(p.gone);
        let style = el.style();
        let _ = style.set_property("left", &format!("{}px", p.x));
        let _ = style.set_property("top", &format!("{}px", p.y));
        // A click restarts the ring animation.
        let _ = el.class_list().toggle_with_force("clicked", false);
        if p.click {
            let _ = el.offset_width();
            let _ = el.class_list().toggle_with_force("clicked", true);
        }
    }

    /// Sends the agent's pointer to the customer (ephemeral: only the latest matters).
    pub(crate) fn send_pointer(&self, p: Pointer) {
        self.send_sealed_as(
            Delivery::Ephemeral,
            &encode_payload(&AgentPageMsg::Pointer(p)),
        );
    }

    /// Asks the customer's browser for a fresh snapshot instead of drifting.
    pub(crate) fn resync(&self, reason: String) {
        debug::log(&format!("asking for a resync: {reason}"));
        self.send_sealed(&encode_payload(&AgentPageMsg::Resync { reason }));
    }

    pub(crate) fn fail(&self, why: String) {
        debug::log(&format!("failed: {why}"));
        self.stop();
        self.dispatch.dispatch(Action::Failed(why));
    }

    /// Over for this console: its connection closes and its timers stop (a pending reconnect
    /// too), so nothing of it acts on a later session.
    pub(crate) fn stop(&self) {
        self.ended.set(true);
        self.resume_token.set(None);
        self.tasks.borrow_mut().stop();
        self.conn.borrow_mut().take();
    }
}
