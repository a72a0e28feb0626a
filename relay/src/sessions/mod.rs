//! Live sessions: allocation of routing codes, the waiting → active → ended state machine, and
//! routing of sealed frames between the two sides. The relay never looks inside `Sealed`.
//!
//! - [`session`]: one session and its transitions.
//! - [`peer`]: one side's slot, with the ring of frames kept for a resume;
//! - `restore`: the session as other nodes see it (its Redis record), and rebuilt from it.

mod peer;
mod presence;
mod restore;
mod session;

pub use peer::{RING_BYTES, RING_FRAMES};
pub use presence::{ResumeError, Resumed};
pub use restore::{Due, SidesDue};
pub use session::{control_frame, Forwarded, Session, VerifyOutcome};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rand::Rng;
use shared_protocol::code::ROUTING_SPACE;
use shared_protocol::EndReason;
use tokio::sync::mpsc;

/// A frame as the relay queues it: shared, so the reliable ring keeps the same bytes the
/// queue sends instead of a copy.
pub type Frame = std::sync::Arc<[u8]>;

/// What a connection's send task writes to its socket.
///
/// Two words: every connection's queue allocates its first block of 32 slots up front, so each
/// byte here is 32 bytes of every idle connection (R3 in `make bench`: a 32-byte `Outgoing`
/// cost 1,056 B per connection, this one 544 B).
#[derive(Debug)]
pub enum Outgoing {
    Frame(Frame),
    Close(Box<Closing>),
}

/// A close frame's code and reason (boxed in [`Outgoing`]: closes are rare, slots are not).
#[derive(Debug)]
pub struct Closing {
    pub code: u16,
    pub reason: String,
}

impl Outgoing {
    pub fn close(code: u16, reason: impl Into<String>) -> Self {
        Outgoing::Close(Box::new(Closing {
            code,
            reason: reason.into(),
        }))
    }
}

const _: () = assert!(std::mem::size_of::<Outgoing>() == 16);

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

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::Customer => Side::Agent,
            Side::Agent => Side::Customer,
        }
    }
}

/// All live sessions, by routing code.
#[derive(Default)]
pub struct Registry {
    live: Mutex<HashMap<u32, Arc<Session>>>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JoinError {
    #[error("no live session has this code")]
    UnknownCode,
    #[error("an agent has already joined this session")]
    AlreadyJoined,
}

impl Registry {
    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<u32, Arc<Session>>> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new waiting session with a routing code unique among live sessions, or `None` when
    /// half the code space is in use (random codes must stay hard to hit by chance).
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
        let session = Arc::new(Session::new(routing, customer));
        live.insert(routing, session.clone());
        Some(session)
    }

    /// Adds a session taken over from another node; false if this code is live here already.
    pub fn adopt(&self, session: Arc<Session>) -> bool {
        let mut live = self.live();
        if live.contains_key(&session.routing) {
            return false;
        }
        live.insert(session.routing, session);
        true
    }

    /// Forgets a session whose code another node holds (its claim failed); nobody was told.
    pub fn forget(&self, session: &Session) {
        let mut live = self.live();
        if live
            .get(&session.routing)
            .is_some_and(|s| s.id == session.id)
        {
            live.remove(&session.routing);
        }
    }

    /// Attaches an agent to the waiting session with this routing code.
    pub fn join(
        &self,
        routing: u32,
        agent_id: &str,
        agent: Outbox,
    ) -> Result<Arc<Session>, JoinError> {
        let session = self.get(routing).ok_or(JoinError::UnknownCode)?;
        let mut state = session.lock();
        match state.phase {
            Phase::Waiting => {}
            Phase::Active => return Err(JoinError::AlreadyJoined),
            Phase::Ended(_) => return Err(JoinError::UnknownCode),
        }
        session.attach_agent(&mut state, agent_id, agent);
        drop(state);
        Ok(session)
    }

    /// Ends `session` once: both sides get `Ended` and a close, and its code is free again.
    /// Returns false if it had already ended.
    pub fn end(&self, session: &Session, reason: EndReason) -> bool {
        if !session.finish(reason) {
            return false;
        }
        let mut live = self.live();
        if live
            .get(&session.routing)
            .is_some_and(|s| s.id == session.id)
        {
            live.remove(&session.routing);
        }
        true
    }

    /// How many live sessions `agent_id` is active in.
    pub fn active_sessions_of(&self, agent_id: &str) -> usize {
        let live: Vec<Arc<Session>> = self.live().values().cloned().collect();
        live.iter().filter(|s| s.is_active_with(agent_id)).count()
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
mod tests;
