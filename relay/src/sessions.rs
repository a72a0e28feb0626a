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
    ended_tx: watch::Sender<bool>,
}

struct State {
    phase: Phase,
    customer: Option<Outbox>,
    agent: Option<Outbox>,
    agent_id: Option<String>,
    /// Sequence numbers of the relay's own messages, per side.
    customer_seq: u64,
    agent_seq: u64,
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

    /// Resolves when the session has ended.
    pub fn ended(&self) -> watch::Receiver<bool> {
        self.ended_tx.subscribe()
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
        let (ended_tx, _) = watch::channel(false);
        let session = Arc::new(Session {
            id,
            routing,
            span: tracing::info_span!("session", %id, routing),
            state: Mutex::new(State {
                phase: Phase::Waiting,
                customer: Some(customer),
                agent: None,
                agent_id: None,
                customer_seq: 0,
                agent_seq: 0,
            }),
            ended_tx,
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
        state.phase = Phase::Active;
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
        state.phase = Phase::Ended(reason);
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
        let _ = session.ended_tx.send(true);
        true
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
