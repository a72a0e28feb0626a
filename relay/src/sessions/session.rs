//! One session: its phase, its two sides and the routing between them. Every change of phase is
//! published on a watch channel that timers and socket loops follow. A side going away and
//! coming back (resuming) is in `presence`.

use std::sync::Mutex;

use shared_protocol::{Delivery, EndReason, Envelope, KeyExchange, RelayMsg, MAX_VERIFY_FAILURES};
use tokio::sync::watch;
use uuid::Uuid;

use super::peer::{CatchUp, Delivered, Peer};
use super::{Frame, Outbox, Outgoing, Phase, Side};

pub struct Session {
    pub id: Uuid,
    pub routing: u32,
    pub created_at: crate::store::Millis,
    pub span: tracing::Span,
    /// The customer's browser and first page, once stored (for other nodes: `cluster::Origin`).
    pub origin: std::sync::OnceLock<crate::cluster::Origin>,
    pub(super) state: Mutex<State>,
    pub(super) phase_tx: watch::Sender<Phase>,
}

pub(super) struct State {
    pub(super) phase: Phase,
    pub(super) verify_failures: u8,
    pub(super) ever_joined: bool,
    pub(super) customer: Peer,
    /// Boxed: most sessions wait for an agent, and each byte here is a byte of every one.
    pub(super) agent: Option<Box<(String, Peer)>>,
    /// Raised with every change other nodes must see (see `cluster::live`).
    pub(super) version: u64,
    /// This node stopped and handed the session to the others: it is no longer ended here.
    pub(super) handed_over: bool,
    /// When the agent in the session joined.
    pub(super) joined_at: Option<crate::store::Millis>,
}

/// What a failed key confirmation led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyOutcome {
    /// The agent was removed; the customer waits for another try.
    Retry { attempts_left: u8 },
    /// Too many failures: the session must end.
    Exhausted,
}

/// What became of a forwarded frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forwarded {
    /// Queued for the other side.
    Delivered,
    /// Kept for the other side, which is away.
    Kept,
    /// An ephemeral frame with no room or nobody connected: dropped, as its class allows.
    Dropped,
    /// There is no other side (no agent yet).
    Nobody,
    /// A reliable frame the relay had already routed.
    Duplicate,
    /// Sealed under keys the other side's new page does not have: sent before this side
    /// answered that page's key exchange.
    Stale,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("routing", &self.routing)
            .field("phase", &self.phase())
            .finish()
    }
}

/// An encoded control frame from the relay (control frames carry sequence number 0).
pub fn control_frame(routing: u32, msg: RelayMsg) -> Vec<u8> {
    Envelope::new(routing, Delivery::Reliable, 0, msg).encode()
}

/// A control frame, queued as such.
pub(super) fn control(routing: u32, msg: RelayMsg) -> Outgoing {
    Outgoing::Frame(control_frame(routing, msg).into())
}

impl Session {
    pub(super) fn new(routing: u32, customer: Outbox) -> Self {
        let id = Uuid::new_v4();
        let (phase_tx, _) = watch::channel(Phase::Waiting);
        Self {
            id,
            routing,
            created_at: crate::store::now_millis(),
            // `node` is filled in by the node that runs it (see `Shared::runs_here`).
            span: tracing::info_span!("session", %id, routing, node = tracing::field::Empty),
            state: Mutex::new(State {
                phase: Phase::Waiting,
                verify_failures: 0,
                ever_joined: false,
                customer: Peer::new(customer),
                agent: None,
                version: 0,
                handed_over: false,
                joined_at: None,
            }),
            origin: Default::default(),
            phase_tx,
        }
    }

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn phase(&self) -> Phase {
        self.lock().phase
    }

    pub fn agent_id(&self) -> Option<String> {
        self.lock().agent.as_deref().map(|(id, _)| id.clone())
    }

    /// Follows the session's phase.
    pub fn phases(&self) -> watch::Receiver<Phase> {
        self.phase_tx.subscribe()
    }

    pub(super) fn set_phase(&self, state: &mut State, phase: Phase) {
        state.phase = phase;
        self.phase_tx.send_replace(phase);
    }

    pub fn customer_resume_token(&self) -> [u8; 16] {
        self.lock().customer.resume_token
    }

    pub fn agent_resume_token(&self) -> Option<[u8; 16]> {
        self.lock().agent.as_deref().map(|(_, p)| p.resume_token)
    }

    /// Whether an agent ever joined (for the never-joined share of sessions).
    pub fn was_joined(&self) -> bool {
        self.lock().ever_joined
    }

    /// Whether `outbox` is the agent currently in this session.
    pub fn is_agent(&self, outbox: &Outbox) -> bool {
        self.lock()
            .agent
            .as_deref()
            .is_some_and(|(_, p)| p.is(outbox))
    }

    pub(super) fn attach_agent(&self, state: &mut State, agent_id: &str, outbox: Outbox) {
        state.agent = Some(Box::new((agent_id.to_string(), Peer::new(outbox))));
        state.ever_joined = true;
        state.joined_at = Some(crate::store::now_millis());
        self.set_phase(state, Phase::Active);
    }

    pub(super) fn peer(state: &mut State, side: Side) -> Option<&mut Peer> {
        match side {
            Side::Customer => Some(&mut state.customer),
            Side::Agent => state.agent.as_deref_mut().map(|(_, p)| p),
        }
    }

    /// Passes a key exchange message from `from` to the other side. The first one `from`
    /// sends after the other side's reload ends its old keys: the socket keeps order, so its
    /// sealed frames before it were under the old keys, and those after it are under the new.
    pub fn key_from(&self, from: Side, key: KeyExchange) {
        let mut state = self.lock();
        if let Some(sender) = Self::peer(&mut state, from) {
            sender.stale_keys = false;
        }
        self.queue(&mut state, from.other(), RelayMsg::Key(key));
    }

    /// Sends a relay message to one side, if it is connected.
    pub fn tell(&self, side: Side, msg: RelayMsg) {
        self.queue(&mut self.lock(), side, msg);
    }

    fn queue(&self, state: &mut State, side: Side, msg: RelayMsg) {
        if let Some(outbox) = Self::peer(state, side).and_then(|p| p.outbox.as_ref()) {
            // A full queue means a stuck peer; heartbeats deal with it.
            let _ = outbox.try_send(control(self.routing, msg));
        }
    }

    /// Forwards a sealed payload from `from` to the other side with the sender's sequence
    /// number and class. Never waits: reliable frames are kept in the receiver's ring and
    /// queued when there is room; a receiver that cannot keep up catches up from the ring later
    /// (see [`Session::catch_up`]); ephemeral frames coalesce to the latest.
    pub fn forward(&self, from: Side, delivery: Delivery, seq: u64, payload: Vec<u8>) -> Forwarded {
        let frame: Frame = Envelope::new(self.routing, delivery, seq, RelayMsg::Sealed(payload))
            .encode()
            .into();
        let mut state = self.lock();
        if let Some(sender) = Self::peer(&mut state, from) {
            if sender.stale_keys {
                return Forwarded::Stale;
            }
            // A frame the relay already has (resent after a resume) is not routed twice.
            if delivery == Delivery::Reliable {
                if seq <= sender.last_from {
                    return Forwarded::Duplicate;
                }
                sender.last_from = seq;
            }
        }
        let Some(to) = Self::peer(&mut state, from.other()) else {
            return Forwarded::Nobody;
        };
        let delivered = match delivery {
            Delivery::Reliable => to.deliver_reliable(seq, frame),
            Delivery::Ephemeral => to.deliver_ephemeral(frame),
        };
        drop(state);
        self.catch_up(from.other());
        match delivered {
            Delivered::Queued => Forwarded::Delivered,
            Delivered::Kept => Forwarded::Kept,
            Delivered::Coalesced | Delivered::Dropped => Forwarded::Dropped,
        }
    }

    /// Lets `side` catch up if it fell behind and its queue has drained. When it missed more
    /// than the ring holds, it is told (`Gap`) and the customer is asked for a fresh snapshot.
    pub fn catch_up(&self, side: Side) {
        let mut state = self.lock();
        let routing = self.routing;
        let Some(peer) = Self::peer(&mut state, side) else {
            return;
        };
        let outcome = peer.catch_up(|| control_frame(routing, RelayMsg::Gap));
        if outcome == Some(CatchUp::Lost) && side == Side::Agent {
            tracing::warn!(parent: &self.span, "agent too slow: frames dropped, asking for a snapshot");
            if let Some(customer) = &state.customer.outbox {
                let _ = customer.try_send(control(routing, RelayMsg::SnapshotNeeded));
            }
        }
    }

    /// `side` has received everything up to `seq` (sent with its heartbeats).
    /// Heartbeats come every few seconds, so a side that fell behind catches up here even when
    /// nothing new is sent to it.
    pub fn acknowledged(&self, side: Side, seq: u64) {
        if let Some(p) = Self::peer(&mut self.lock(), side) {
            p.acknowledged(seq);
        }
        self.catch_up(side);
    }

    /// Whether `outbox` is the customer's current connection.
    pub fn is_customer(&self, outbox: &Outbox) -> bool {
        self.lock().customer.is(outbox)
    }

    /// Counts a failed key confirmation reported by the customer's browser. While attempts
    /// remain, the agent is told, closed and removed, and the session waits again.
    pub fn verification_failed(&self) -> VerifyOutcome {
        let mut state = self.lock();
        if state.phase != Phase::Active {
            return VerifyOutcome::Retry {
                attempts_left: MAX_VERIFY_FAILURES.saturating_sub(state.verify_failures),
            };
        }
        state.verify_failures += 1;
        let left = MAX_VERIFY_FAILURES.saturating_sub(state.verify_failures);
        if left == 0 {
            return VerifyOutcome::Exhausted;
        }
        let notice = RelayMsg::VerificationFailed {
            attempts_left: left,
        };
        if let Some(agent) = state.agent.take().and_then(|a| a.1.outbox) {
            let _ = agent.try_send(control(self.routing, notice.clone()));
            let _ = agent.try_send(Outgoing::close(1008, "verification failed"));
        }
        if let Some(customer) = &state.customer.outbox {
            let _ = customer.try_send(control(self.routing, notice));
        }
        self.set_phase(&mut state, Phase::Waiting);
        VerifyOutcome::Retry {
            attempts_left: left,
        }
    }

    /// Marks the session ended (once) and tells both sides; false if it had already ended.
    pub(super) fn finish(&self, reason: EndReason) -> bool {
        let mut state = self.lock();
        if matches!(state.phase, Phase::Ended(_)) {
            return false;
        }
        self.set_phase(&mut state, Phase::Ended(reason));
        let customer = state.customer.outbox.take();
        let agent = state
            .agent
            .as_deref_mut()
            .and_then(|(_, p)| p.outbox.take());
        for outbox in [customer, agent].into_iter().flatten() {
            let _ = outbox.try_send(control(self.routing, RelayMsg::Ended { reason }));
            let _ = outbox.try_send(Outgoing::close(1000, reason.describe()));
        }
        true
    }

    /// Active with this agent (for the per-agent session limit).
    pub(super) fn is_active_with(&self, agent_id: &str) -> bool {
        let state = self.lock();
        state.phase == Phase::Active && state.agent.as_deref().is_some_and(|(id, _)| id == agent_id)
    }
}
