//! Live sessions: allocation of routing codes, the waiting → active → ended state machine, and
//! routing of sealed frames between the two sides. The relay never looks inside `Sealed`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rand::Rng;
use shared_protocol::code::ROUTING_SPACE;
use shared_protocol::{Delivery, EndReason, Envelope, RelayMsg};
use tokio::sync::{mpsc, watch};
use uuid::Uuid;

/// What a connection's send task writes to its socket.
#[derive(Debug)]
pub enum Outgoing {
    Frame(Vec<u8>),
    Close { code: u16, reason: String },
}

pub type Outbox = mpsc::Sender<Outgoing>;

/// Frames queued per connection before the sender waits (reliable) or drops (ephemeral).
pub const QUEUE_LEN: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Waiting,
    Active,
    Ended(EndReason),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Customer,
    Agent,
}

pub struct Session {
    pub id: Uuid,
    pub routing: u32,
    pub span: tracing::Span,
    state: Mutex<State>,
    /// Every phase change is published here (timers and socket loops wait on it).
    phase_tx: watch::Sender<Phase>,
}

struct State {
    phase: Phase,
    /// Failed key confirmations so far.
    verify_failures: u8,
    customer: Option<Outbox>,
    agent: Option<Outbox>,
    agent_id: Option<String>,
    /// Sequence numbers of the relay's own messages, per side.
    customer_seq: u64,
    agent_seq: u64,
}

/// What a failed key confirmation led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyOutcome {
    /// The agent was removed; the customer waits for another try.
    Retry { attempts_left: u8 },
    /// Too many failures: the session must end.
    Exhausted,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JoinError {
    #[error("no live session has this code")]
    UnknownCode,
    #[error("an agent has already joined this session")]
    AlreadyJoined,
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

impl Session {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn phase(&self) -> Phase {
        self.lock().phase
    }

    pub fn agent_id(&self) -> Option<String> {
        self.lock().agent_id.clone()
    }

    /// Follows the session's phase.
    pub fn phases(&self) -> watch::Receiver<Phase> {
        self.phase_tx.subscribe()
    }

    fn set_phase(&self, state: &mut State, phase: Phase) {
        state.phase = phase;
        self.phase_tx.send_replace(phase);
    }

    /// Whether `outbox` is the agent currently in this session.
    pub fn is_agent(&self, outbox: &Outbox) -> bool {
        self.lock()
            .agent
            .as_ref()
            .is_some_and(|a| a.same_channel(outbox))
    }

    /// Counts a failed key confirmation reported by the customer's browser. While attempts
    /// remain, the agent is told, closed and removed, and the session waits again.
    pub fn verification_failed(&self) -> VerifyOutcome {
        let mut state = self.lock();
        if state.phase != Phase::Active {
            // Nothing to verify against: a stale report.
            return VerifyOutcome::Retry {
                attempts_left: shared_protocol::MAX_VERIFY_FAILURES
                    .saturating_sub(state.verify_failures),
            };
        }
        state.verify_failures += 1;
        let left = shared_protocol::MAX_VERIFY_FAILURES.saturating_sub(state.verify_failures);
        if left == 0 {
            return VerifyOutcome::Exhausted;
        }
        let notice = RelayMsg::VerificationFailed {
            attempts_left: left,
        };
        let frame = self.relay_frame(&mut state, Side::Agent, notice.clone());
        if let Some(agent) = state.agent.take() {
            let _ = agent.try_send(Outgoing::Frame(frame));
            let _ = agent.try_send(Outgoing::Close {
                code: 1008,
                reason: "verification failed".into(),
            });
        }
        state.agent_id = None;
        let frame = self.relay_frame(&mut state, Side::Customer, notice);
        if let Some(customer) = &state.customer {
            let _ = customer.try_send(Outgoing::Frame(frame));
        }
        self.set_phase(&mut state, Phase::Waiting);
        VerifyOutcome::Retry {
            attempts_left: left,
        }
    }

    /// A relay message for one side, stamped with that side's next sequence number.
    fn relay_frame(&self, state: &mut State, side: Side, msg: RelayMsg) -> Vec<u8> {
        let seq = match side {
            Side::Customer => &mut state.customer_seq,
            Side::Agent => &mut state.agent_seq,
        };
        *seq += 1;
        Envelope::new(self.routing, Delivery::Reliable, *seq, msg).encode()
    }

    /// Sends a relay message to one side, if connected.
    pub fn tell(&self, side: Side, msg: RelayMsg) {
        let mut state = self.lock();
        let frame = self.relay_frame(&mut state, side, msg);
        let outbox = match side {
            Side::Customer => state.customer.clone(),
            Side::Agent => state.agent.clone(),
        };
        if let Some(outbox) = outbox {
            // A full queue here means a stuck peer; its own timeouts deal with it.
            let _ = outbox.try_send(Outgoing::Frame(frame));
        }
    }

    /// Forwards a sealed payload from `from` to the other side with the sender's sequence
    /// number and class. Reliable frames wait for queue space (back-pressure on the sender);
    /// ephemeral frames are dropped when the queue is full. Returns false when nobody is there.
    pub async fn forward(
        &self,
        from: Side,
        delivery: Delivery,
        seq: u64,
        payload: Vec<u8>,
    ) -> bool {
        let outbox = {
            let state = self.lock();
            match from {
                Side::Customer => state.agent.clone(),
                Side::Agent => state.customer.clone(),
            }
        };
        let Some(outbox) = outbox else { return false };
        let frame = Envelope::new(self.routing, delivery, seq, RelayMsg::Sealed(payload)).encode();
        match delivery {
            Delivery::Reliable => outbox.send(Outgoing::Frame(frame)).await.is_ok(),
            Delivery::Ephemeral => {
                let _ = outbox.try_send(Outgoing::Frame(frame));
                true
            }
        }
    }
}

/// All live sessions, by routing code.
#[derive(Default)]
pub struct Registry {
    live: Mutex<HashMap<u32, Arc<Session>>>,
}

impl Registry {
    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<u32, Arc<Session>>> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new waiting session with a routing code unique among live sessions, or `None` when
    /// (almost) every code is taken.
    pub fn create(&self, customer: Outbox) -> Option<Arc<Session>> {
        let mut live = self.live();
        if live.len() as u32 >= ROUTING_SPACE / 2 {
            return None;
        }
        let mut rng = rand::thread_rng();
        let routing = loop {
            // Random, not sequential: codes must not be guessable from one another.
            let candidate = rng.gen_range(0..ROUTING_SPACE);
            if !live.contains_key(&candidate) {
                break candidate;
            }
        };
        let id = Uuid::new_v4();
        let (phase_tx, _) = watch::channel(Phase::Waiting);
        let session = Arc::new(Session {
            id,
            routing,
            span: tracing::info_span!("session", %id, routing),
            state: Mutex::new(State {
                phase: Phase::Waiting,
                verify_failures: 0,
                customer: Some(customer),
                agent: None,
                agent_id: None,
                customer_seq: 0,
                agent_seq: 0,
            }),
            phase_tx,
        });
        live.insert(routing, session.clone());
        Some(session)
    }

    /// Attaches an agent to the waiting session with this routing code.
    pub fn join(
        &self,
        routing: u32,
        agent_id: &str,
        agent: Outbox,
    ) -> Result<Arc<Session>, JoinError> {
        let session = self
            .live()
            .get(&routing)
            .cloned()
            .ok_or(JoinError::UnknownCode)?;
        let mut state = session.lock();
        match state.phase {
            Phase::Waiting => {}
            Phase::Active => return Err(JoinError::AlreadyJoined),
            Phase::Ended(_) => return Err(JoinError::UnknownCode),
        }
        session.set_phase(&mut state, Phase::Active);
        state.agent = Some(agent);
        state.agent_id = Some(agent_id.to_string());
        drop(state);
        Ok(session)
    }

    /// Ends `session` once: both sides get `Ended` and a close; returns false if it had already
    /// ended.
    pub fn end(&self, session: &Session, reason: EndReason) -> bool {
        let mut state = session.lock();
        if matches!(state.phase, Phase::Ended(_)) {
            return false;
        }
        session.set_phase(&mut state, Phase::Ended(reason));
        for side in [Side::Customer, Side::Agent] {
            let frame = session.relay_frame(&mut state, side, RelayMsg::Ended { reason });
            let outbox = match side {
                Side::Customer => state.customer.take(),
                Side::Agent => state.agent.take(),
            };
            if let Some(outbox) = outbox {
                let _ = outbox.try_send(Outgoing::Frame(frame));
                let _ = outbox.try_send(Outgoing::Close {
                    code: 1000,
                    reason: reason.describe().into(),
                });
            }
        }
        drop(state);
        let mut live = self.live();
        if live
            .get(&session.routing)
            .is_some_and(|s| s.id == session.id)
        {
            live.remove(&session.routing);
        }
        drop(live);
        true
    }

    /// How many live sessions `agent_id` is active in.
    pub fn active_sessions_of(&self, agent_id: &str) -> usize {
        let live: Vec<Arc<Session>> = self.live().values().cloned().collect();
        live.iter()
            .filter(|s| {
                let state = s.lock();
                state.phase == Phase::Active && state.agent_id.as_deref() == Some(agent_id)
            })
            .count()
    }

    pub fn get(&self, routing: u32) -> Option<Arc<Session>> {
        self.live().get(&routing).cloned()
    }

    pub fn len(&self) -> usize {
        self.live().len()
    }

    pub fn is_empty(&self) -> bool {
        self.live().is_empty()
    }

    /// Every live session, for shutdown.
    pub fn all(&self) -> Vec<Arc<Session>> {
        self.live().values().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outbox() -> (Outbox, mpsc::Receiver<Outgoing>) {
        mpsc::channel(QUEUE_LEN)
    }

    fn decoded(rx: &mut mpsc::Receiver<Outgoing>) -> Vec<RelayMsg> {
        let mut out = Vec::new();
        while let Ok(o) = rx.try_recv() {
            if let Outgoing::Frame(f) = o {
                out.push(Envelope::<RelayMsg>::decode(&f).unwrap().msg);
            }
        }
        out
    }

    #[test]
    fn waiting_then_active_then_ended_and_never_rejoined() {
        let reg = Registry::default();
        let (c, mut crx) = outbox();
        let s = reg.create(c).unwrap();
        assert_eq!(s.phase(), Phase::Waiting);
        let (a, mut arx) = outbox();
        let joined = reg.join(s.routing, "agent-1", a).unwrap();
        assert_eq!(joined.id, s.id);
        assert_eq!(s.phase(), Phase::Active);
        let (a2, _) = outbox();
        assert_eq!(
            reg.join(s.routing, "agent-2", a2).unwrap_err(),
            JoinError::AlreadyJoined
        );
        assert!(reg.end(&s, EndReason::AgentExit));
        assert!(!reg.end(&s, EndReason::CustomerExit), "ends once");
        assert_eq!(s.phase(), Phase::Ended(EndReason::AgentExit));
        let (a3, _) = outbox();
        assert_eq!(
            reg.join(s.routing, "agent-1", a3).unwrap_err(),
            JoinError::UnknownCode
        );
        let ended = RelayMsg::Ended {
            reason: EndReason::AgentExit,
        };
        assert_eq!(decoded(&mut crx), vec![ended.clone()]);
        assert_eq!(decoded(&mut arx), vec![ended]);
        assert!(reg.is_empty());
    }

    #[test]
    fn failed_verifications_remove_the_agent_then_end_the_session() {
        let reg = Registry::default();
        let (c, mut crx) = outbox();
        let s = reg.create(c).unwrap();
        for expected_left in [2u8, 1] {
            let (a, mut arx) = outbox();
            reg.join(s.routing, "agent", a.clone()).unwrap();
            assert!(s.is_agent(&a));
            assert_eq!(
                s.verification_failed(),
                VerifyOutcome::Retry {
                    attempts_left: expected_left
                }
            );
            assert_eq!(s.phase(), Phase::Waiting);
            assert!(!s.is_agent(&a));
            let notice = RelayMsg::VerificationFailed {
                attempts_left: expected_left,
            };
            assert_eq!(decoded(&mut arx), vec![notice.clone()]);
            assert_eq!(decoded(&mut crx), vec![notice]);
        }
        let (a, _arx) = outbox();
        reg.join(s.routing, "agent", a).unwrap();
        assert_eq!(s.verification_failed(), VerifyOutcome::Exhausted);
    }

    #[test]
    fn routing_codes_are_unique_among_live_sessions() {
        let reg = Registry::default();
        let mut seen = std::collections::HashSet::new();
        let mut keep = Vec::new();
        for _ in 0..2000 {
            let (c, rx) = outbox();
            let s = reg.create(c).unwrap();
            assert!(s.routing < ROUTING_SPACE);
            assert!(seen.insert(s.routing));
            keep.push(rx);
        }
        assert_eq!(reg.len(), 2000);
    }

    #[tokio::test]
    async fn sealed_frames_keep_sender_sequence_and_class() {
        let reg = Registry::default();
        let (c, _crx) = outbox();
        let s = reg.create(c).unwrap();
        let (a, mut arx) = outbox();
        reg.join(s.routing, "agent", a).unwrap();
        assert!(
            s.forward(Side::Customer, Delivery::Reliable, 7, vec![1, 2])
                .await
        );
        let Outgoing::Frame(f) = arx.recv().await.unwrap() else {
            panic!("a frame")
        };
        let env = Envelope::<RelayMsg>::decode(&f).unwrap();
        assert_eq!((env.seq, env.delivery), (7, Delivery::Reliable));
        assert_eq!(env.msg, RelayMsg::Sealed(vec![1, 2]));
    }
}
