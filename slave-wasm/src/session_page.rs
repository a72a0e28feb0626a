//! The customer's page as one console session sees it: sealed frames opened and decoded, the
//! view's rebuilder made with the first of them, snapshots and change batches applied (nothing
//! but a snapshot after a gap; the agent's own typing held back; how long each took kept for
//! the heartbeat; what the view cannot show reported), and the pointers both ways.

use shared_protocol::exchange::Channel;
use shared_protocol::page::{AgentPageMsg, CustomerPageMsg, Pointer};
use shared_protocol::page_state::Unshown;
use shared_protocol::payload::{decode_payload, encode_plain_payload};
use shared_protocol::texts::ConsoleText;
use shared_protocol::{Delivery, MAX_RENDER_SAMPLES};
use web_sys::{Document, HtmlElement, HtmlIFrameElement};

use crate::debug;
use crate::rebuild::{AllowedFrames, Rebuilder};
use crate::session::{now_ms, Session};
use crate::settings::ConsoleSettings;
use crate::state::Action;
use crate::view_config;
use crate::view_sheets::ViewSheets;

impl Session {
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
            Err(e) => self
                .fail((self.settings).text(ConsoleText::ChannelBroke, &[("why", &e.to_string())])),
        }
    }

    pub(crate) fn on_page(&self, page: CustomerPageMsg) {
        if !self.view_ready() {
            return;
        }
        match page {
            CustomerPageMsg::Pointer(p) => {
                if let Some(r) = self.rebuilder.borrow_mut().as_mut() {
                    r.hover_at(p.x, p.y, p.gone);
                }
                self.show_customer_pointer(p);
            }
            CustomerPageMsg::Scroll(scrolls) => {
                if let Some(r) = self.rebuilder.borrow().as_ref() {
                    r.apply_scrolls(&scrolls);
                    r.rehover();
                }
            }
            CustomerPageMsg::Mode { mode, cause } => self.on_mode(mode, cause),
            CustomerPageMsg::Refused(why) => self.on_refused(why),
            CustomerPageMsg::WriteConsent(token) => self.write_consent.set(Some(token)),
            CustomerPageMsg::Transport(transport) => {
                self.dispatch.dispatch(Action::CustomerTransport(transport))
            }
            CustomerPageMsg::Visual(visual) => {
                self.dispatch.dispatch(Action::CustomerVisual(visual))
            }
            CustomerPageMsg::Snapshot(_)
            | CustomerPageMsg::SnapshotNodes(_)
            | CustomerPageMsg::Mutations(_) => self.apply_page(page),
        }
    }

    /// Makes the view's rebuilder with the first page frame (the view's iframe is mounted by
    /// then) and puts the relay's CSS patch into its document once there is one. False when
    /// the iframe is not there: the session failed.
    fn view_ready(&self) -> bool {
        let mut slot = self.rebuilder.borrow_mut();
        let rebuilder = match slot.as_mut() {
            Some(rebuilder) => rebuilder,
            None => {
                let doc = self
                    .frame
                    .cast::<HtmlIFrameElement>()
                    .and_then(|f| f.content_document());
                let Some(doc) = doc else {
                    drop(slot);
                    self.fail("The view frame is not ready.".into());
                    return false;
                };
                slot.insert(rebuilder_for(doc, &self.settings))
            }
        };
        if let (false, Some(patch)) = (rebuilder.sheets.has_patch(), view_config::css_patch()) {
            let doc = rebuilder.doc().clone();
            rebuilder.sheets.set_patch(&doc, patch);
        }
        true
    }

    /// A snapshot, a part of one, or a batch of changes into the view. After a gap only a
    /// snapshot applies; a batch's values of fields the agent is typing into are held back.
    fn apply_page(&self, page: CustomerPageMsg) {
        let started = now_ms();
        let snapshot_part = matches!(
            page,
            CustomerPageMsg::Snapshot(_) | CustomerPageMsg::SnapshotNodes(_)
        );
        if self.awaiting_snapshot.get() && !snapshot_part {
            return;
        }
        self.awaiting_snapshot
            .set(matches!(page, CustomerPageMsg::SnapshotNodes(_)));
        let mut slot = self.rebuilder.borrow_mut();
        let Some(rebuilder) = slot.as_mut() else {
            return;
        };
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
        self.show_unshown(unshown);
        self.note_render_time(started);
        if let Err(e) = result {
            self.resync(e.to_string());
        }
    }

    /// The fidelity report, when what the view cannot show changed.
    fn show_unshown(&self, unshown: Vec<Unshown>) {
        if *self.unshown.borrow() != unshown {
            self.unshown.replace(unshown.clone());
            self.dispatch.dispatch(Action::Unshown(unshown));
        }
    }

    /// How long a page frame took to apply, for the next heartbeat (at most
    /// [`MAX_RENDER_SAMPLES`] between two).
    fn note_render_time(&self, started: f64) {
        let mut samples = self.render_micros.borrow_mut();
        if samples.len() < MAX_RENDER_SAMPLES {
            samples.push(((now_ms() - started) * 1000.0) as u32);
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
            &encode_plain_payload(&AgentPageMsg::Pointer(p)),
        );
    }

    /// Asks the customer's browser for a fresh snapshot instead of drifting.
    pub(crate) fn resync(&self, reason: String) {
        debug::log(&format!("asking for a resync: {reason}"));
        self.send_sealed(&encode_plain_payload(&AgentPageMsg::Resync { reason }));
    }
}

/// The view's rebuilder for `doc`, with the labels of what it does not show in the agent's
/// language and the frames it may load.
fn rebuilder_for(doc: Document, settings: &ConsoleSettings) -> Rebuilder {
    let sheets = ViewSheets::new(view_config::proxy_prefix(), None);
    let mut rebuilder = Rebuilder::new(doc, sheets);
    let label = |key| settings.texts.get(key).to_string();
    rebuilder.set_labels(
        AllowedFrames::new(&settings.allowed_third_party_domains),
        label(ConsoleText::FrameNotShown),
        label(ConsoleText::CanvasNotShown),
    );
    rebuilder.set_private_canvas_label(label(ConsoleText::PrivateCanvasNotShown));
    rebuilder
}
