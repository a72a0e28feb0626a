//! A session as other nodes see it: the record this node writes to Redis while it owns the
//! session, and the session rebuilt from such a record when this node takes it over from a
//! node that died or drained. Rebuilt, both sides are away (their sockets were on the old
//! node) and come back with the resume tokens they already hold.

use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::watch;

use super::peer::Peer;
use super::session::{Session, State};
use super::Phase;
use crate::cluster::LiveRecord;
use crate::store::Millis;

/// By when a side must be back (Unix ms), and whether it was away already.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Due {
    pub at: Millis,
    pub away: bool,
}

/// [`Due`] for each side of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SidesDue {
    pub customer: Due,
    pub agent: Option<Due>,
}

impl SidesDue {
    pub fn of(&self, side: super::Side) -> Option<Due> {
        match side {
            super::Side::Customer => Some(self.customer),
            super::Side::Agent => self.agent,
        }
    }
}

impl Session {
    /// The record for other nodes, with a version newer than the last one made.
    pub fn live_record(&self, owner: &str) -> LiveRecord {
        let mut state = self.lock();
        state.version += 1;
        LiveRecord {
            id: self.id,
            routing: self.routing,
            owner: owner.to_string(),
            created_at: self.created_at,
            active: state.phase == Phase::Active,
            agent: state.agent.as_deref().map(|(id, _)| id.clone()),
            customer_token: state.customer.token_hash,
            agent_token: state.agent.as_deref().map(|(_, p)| p.token_hash),
            verify_failures: state.verify_failures,
            version: state.version,
            origin: self.origin.get().cloned().unwrap_or_default(),
            joined_at: state.joined_at,
        }
    }

    /// The session of `record`, both sides away.
    pub fn restore(record: &LiveRecord) -> Self {
        let phase = if record.active && record.agent_token.is_some() {
            Phase::Active
        } else {
            Phase::Waiting
        };
        let agent = match (&record.agent, record.agent_token) {
            (Some(id), Some(hash)) if phase == Phase::Active => {
                Some((id.clone(), Peer::restored(hash)))
            }
            _ => None,
        };
        let (phase_tx, _) = watch::channel(phase);
        Self {
            id: record.id,
            routing: record.routing,
            created_at: record.created_at,
            span: tracing::info_span!(
                "session",
                id = %record.id,
                routing = record.routing,
                node = tracing::field::Empty
            ),
            state: Mutex::new(State {
                phase,
                verify_failures: record.verify_failures,
                ever_joined: agent.is_some(),
                customer: Peer::restored(record.customer_token),
                agent: agent.map(Box::new),
                version: record.version,
                handed_over: false,
                joined_at: record.joined_at,
            }),
            origin: record.origin.clone().into(),
            phase_tx,
        }
    }

    /// By when each side must be back, were this node to stop `now`: a side away since `t` has
    /// its grace from `t` (`navigation` if it said it was leaving its page, else
    /// `disconnect`), a connected one from `now`.
    pub fn sides_due(&self, now: Millis, disconnect: Duration, navigation: Duration) -> SidesDue {
        let due = |p: &Peer| match p.outbox {
            Some(_) => Due {
                at: now.saturating_add(disconnect.as_millis() as Millis),
                away: false,
            },
            None => {
                let grace = if p.leaving { navigation } else { disconnect };
                Due {
                    at: p.away_since.saturating_add(grace.as_millis() as Millis),
                    away: true,
                }
            }
        };
        let state = self.lock();
        SidesDue {
            customer: due(&state.customer),
            agent: state.agent.as_deref().map(|(_, p)| due(p)),
        }
    }

    /// A session restored from a saved file keeps its sides' due times (under `disconnect`
    /// grace) for the next stop, as if each side had left at `due - disconnect`.
    pub fn keep_due(&self, due: &SidesDue, disconnect: Duration) {
        let grace = disconnect.as_millis() as Millis;
        let mut state = self.lock();
        state.customer.away_since = due.customer.at.saturating_sub(grace);
        if let (Some((_, agent)), Some(d)) = (state.agent.as_deref_mut(), due.agent) {
            agent.away_since = d.at.saturating_sub(grace);
        }
    }

    /// The away epochs of both sides of a restored session, for their grace timers.
    pub fn away_sides(&self) -> Vec<(super::Side, u64)> {
        let state = self.lock();
        let mut sides = Vec::new();
        if state.customer.outbox.is_none() {
            sides.push((super::Side::Customer, state.customer.away_epoch));
        }
        if let Some((_, p)) = state.agent.as_deref() {
            if p.outbox.is_none() {
                sides.push((super::Side::Agent, p.away_epoch));
            }
        }
        sides
    }

    /// This node is stopping: both sides are told to reconnect (`code`, `reason`), which takes
    /// them to another node that takes the session over. From now on it never ends here (no
    /// timer, no store write: the new owner carries it on).
    pub fn hand_over(&self, code: u16, reason: &str) {
        let mut state = self.lock();
        state.handed_over = true;
        let customer = state.customer.outbox.take();
        let agent = state
            .agent
            .as_deref_mut()
            .and_then(|(_, p)| p.outbox.take());
        for outbox in [customer, agent].into_iter().flatten() {
            let _ = outbox.try_send(super::Outgoing::close(code, reason));
        }
    }

    pub fn handed_over(&self) -> bool {
        self.lock().handed_over
    }
}
