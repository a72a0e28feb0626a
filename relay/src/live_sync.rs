//! Keeps the cluster's records of this node's sessions in step with the sessions (a no-op on a
//! single node): a new session's code is claimed across the cluster before the customer hears
//! it, every change another node would need to take the session over is written (in order, by
//! version), and an ended session's record goes.

use std::sync::Arc;

use crate::cluster::{Cluster, LiveRecord, Origin};
use crate::sessions::{Outbox, Session};
use crate::state::Shared;

/// Attempts at a code free across the cluster: each is random in a space at most half used.
const CLAIM_ATTEMPTS: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("the server has no free session codes; try again shortly")]
    NoFreeCode,
    #[error("the co-browse service cannot start sessions right now; try again shortly")]
    Unavailable,
}

impl Shared {
    /// A new waiting session whose routing code no other live session has, on any node.
    /// Names this node in the session's log lines.
    pub fn runs_here(&self, session: &Session) {
        session.span.record("node", self.node_id.as_str());
    }

    pub async fn create_session(
        &self,
        customer: Outbox,
        origin: Origin,
    ) -> Result<Arc<Session>, CreateError> {
        let Some(cluster) = &self.cluster else {
            let session = self
                .registry
                .create(customer)
                .ok_or(CreateError::NoFreeCode)?;
            let _ = session.origin.set(origin);
            self.runs_here(&session);
            return Ok(session);
        };
        for _ in 0..CLAIM_ATTEMPTS {
            let session = self
                .registry
                .create(customer.clone())
                .ok_or(CreateError::NoFreeCode)?;
            let _ = session.origin.set(origin.clone());
            let record = session.live_record(&cluster.node);
            match cluster.live.claim(&mut cluster.redis(), &record).await {
                Ok(true) => {
                    self.runs_here(&session);
                    return Ok(session);
                }
                // Live on another node: try another code.
                Ok(false) => self.registry.forget(&session),
                Err(e) => {
                    self.registry.forget(&session);
                    tracing::warn!(error = %e, "cannot claim a session code in Redis");
                    return Err(CreateError::Unavailable);
                }
            }
        }
        Err(CreateError::NoFreeCode)
    }

    /// Writes what other nodes know of `session` after a change of phase, agent or tokens.
    pub fn publish(&self, session: &Session) {
        if self.cluster.is_some() {
            let record = self.record(session);
            let (this, span) = (self.cluster.clone(), session.span.clone());
            tokio::spawn(async move { write(this, record, span).await });
        }
    }

    /// [`Shared::publish`], done when it returns: an agent's join counts on every node before
    /// the agent hears it joined.
    pub async fn publish_now(&self, session: &Session) {
        if self.cluster.is_some() {
            let record = self.record(session);
            write(self.cluster.clone(), record, session.span.clone()).await;
        }
    }

    fn record(&self, session: &Session) -> Option<LiveRecord> {
        self.cluster.as_ref().map(|c| session.live_record(&c.node))
    }

    /// How many live sessions `agent` is active in: on every node (this node's count when Redis
    /// cannot tell).
    pub async fn agent_sessions(&self, agent: &str) -> usize {
        if let Some(cluster) = &self.cluster {
            match cluster
                .live
                .agent_sessions(&mut cluster.redis(), agent)
                .await
            {
                Ok(n) => return n,
                Err(e) => tracing::warn!(error = %e, "cannot count the agent's sessions in Redis"),
            }
        }
        self.registry.active_sessions_of(agent)
    }

    /// Takes one join attempt for `agent` and for the code `routing` (`join_attempts_per_minute`
    /// each): across the cluster, or on this node when Redis cannot count.
    pub async fn join_allowed(&self, agent: &str, routing: u32) -> bool {
        let per_minute = self.config.join_attempts_per_minute;
        if let Some(cluster) = &self.cluster {
            let mut redis = cluster.redis();
            let live = &cluster.live;
            let both = async {
                Ok::<_, redis::RedisError>(
                    live.allow(&mut redis.clone(), "join-agent", agent, per_minute)
                        .await?
                        && live
                            .allow(&mut redis, "join-code", &routing.to_string(), per_minute)
                            .await?,
                )
            };
            match both.await {
                Ok(allowed) => return allowed,
                Err(e) => tracing::warn!(error = %e, "cannot count join attempts in Redis"),
            }
        }
        self.agent_joins.allow(agent) && self.code_joins.allow(&routing.to_string())
    }

    /// Frees an ended session's code across the cluster.
    pub(crate) fn release(&self, session: &Session) {
        let Some(cluster) = self.cluster.clone() else {
            return;
        };
        let (routing, id, span) = (session.routing, session.id, session.span.clone());
        tokio::spawn(async move {
            if let Err(e) = cluster
                .live
                .release(&mut cluster.redis(), routing, id)
                .await
            {
                // It expires on its own; until then the code is not reused.
                tracing::warn!(parent: &span, error = %e, "could not release the session's code");
            }
        });
    }
}

/// Writes `record` (newer versions only) and counts an active agent's session.
async fn write(cluster: Option<Arc<Cluster>>, record: Option<LiveRecord>, span: tracing::Span) {
    let (Some(cluster), Some(record)) = (cluster, record) else {
        return;
    };
    let mut redis = cluster.redis();
    match cluster.live.update(&mut redis, &record).await {
        Ok(true) => {
            if let (true, Some(agent)) = (record.active, &record.agent) {
                let added = cluster
                    .live
                    .add_agent_session(&mut redis, agent, record.routing);
                if let Err(e) = added.await {
                    tracing::warn!(parent: &span, error = %e, "could not count the agent's session");
                }
            }
        }
        Ok(false) => tracing::warn!(parent: &span, "another node owns this session now"),
        Err(e) => {
            tracing::warn!(parent: &span, error = %e, "could not update the session's record")
        }
    }
}
