//! What the relay tells one console session, turned into the session's steps: joined (the
//! heartbeat starts), the customer's page coming and going, key exchanges, sealed page frames,
//! resumes and gaps, the end, and refusals shown in the agent's language.

use shared_protocol::texts::ConsoleText;
use shared_protocol::{Delivery, ErrorCode, RelayMsg};

use crate::debug;
use crate::session::Session;
use crate::state::Action;

impl Session {
    pub(crate) fn on_relay(&self, delivery: Delivery, seq: u64, msg: RelayMsg) {
        if !matches!(msg, RelayMsg::Sealed(_)) {
            debug::log(&format!("relay: {}", msg.name()));
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
            // The customer opened another page: its keys for it come with a new exchange. What
            // this console kept to resend was sealed for the old page, which is gone: resent
            // after a reconnect, the relay would take it for the new keys' frames.
            RelayMsg::PeerReloaded => {
                self.keys.borrow_mut().reset();
                self.sent.borrow_mut().restart_sequences();
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
            RelayMsg::VerificationFailed { attempts_left } => self.fail(self.settings.counted(
                (
                    ConsoleText::VerificationFailedOne,
                    ConsoleText::VerificationFailed,
                ),
                "attempts",
                attempts_left.into(),
            )),
            RelayMsg::Ended { reason } => {
                self.stop();
                self.dispatch.dispatch(Action::Ended(reason));
            }
            RelayMsg::Error { code, message } => self.fail(self.refusal_text(code, &message)),
            RelayMsg::Node(node) => {
                if shared_protocol::node_hint::is_node_name(&node) {
                    *self.node.borrow_mut() = Some(node);
                }
            }
            // For the customer only.
            RelayMsg::Created { .. } | RelayMsg::AgentJoined | RelayMsg::Privacy(_) => {}
        }
    }

    /// What the agent reads when the relay refuses the session (the relay's own words for
    /// codes the console has no text of).
    fn refusal_text(&self, code: ErrorCode, message: &str) -> String {
        let t = &self.settings;
        match code {
            ErrorCode::UnknownCode => t.text(ConsoleText::UnknownCode, &[]),
            ErrorCode::Unauthorized => t.text(ConsoleText::TokenRefused, &[("why", message)]),
            ErrorCode::AgentBusy => t.text(ConsoleText::AgentBusy, &[("limit", message)]),
            ErrorCode::RateLimited => t.text(ConsoleText::RateLimited, &[]),
            _ => t.text(ConsoleText::ServerRefused, &[("why", message)]),
        }
    }
}
