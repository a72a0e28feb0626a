//! Keeps the cluster's records of this node's sessions in step with the sessions (a no-op on a
//! single node): a new session's code is claimed across the cluster before the customer hears
//! it, every change another node would need to take the session over is written (in order, by
//! version), and an ended session's record goes.

use std::sync::Arc;

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
    pub async fn create_session(&self, customer: Outbox) -> Result<Arc<Session>, CreateError> {
        let Some(cluster) = &self.cluster else {
            return self
                .registry
                .create(customer)
                .ok_or(CreateError::NoFreeCode);
        };
        for _ in 0..CLAIM_ATTEMPTS {
            let session = self
                .registry
                .create(customer.clone())
                .ok_or(CreateError::NoFreeCode)?;
            let record = session.live_record(&cluster.node);
            match cluster.live.claim(&mut cluster.redis(), &record).await {
                Ok(true) => return Ok(session),
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
        let Some(cluster) = self.cluster.clone() else {
            return;
        };
        let record = session.live_record(&cluster.node);
        let span = session.span.clone();
        tokio::spawn(async move {
            match cluster.live.update(&mut cluster.redis(), &record).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(parent: &span, "another node owns this session now");
                }
                Err(e) => {
                    tracing::warn!(parent: &span, error = %e, "could not update the session's record");
                }
            }
        });
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
