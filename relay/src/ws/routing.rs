//! What both receive loops do with a session: forward a sealed frame and count it, put a side
//! back in its place on a resume, and tell a side which node runs its session.

use std::sync::Arc;

use shared_protocol::{Delivery, RelayMsg, Resume};

use crate::metrics::bump;
use crate::sessions::{Forwarded, Outbox, Session, Side};
use crate::state::AppState;

/// Forwards a sealed frame and counts it.
pub(in crate::ws) fn route(
    state: &AppState,
    session: &Session,
    from: Side,
    delivery: Delivery,
    seq: u64,
    payload: Vec<u8>,
) -> Forwarded {
    let started = std::time::Instant::now();
    let bytes = payload.len() as u64;
    let outcome = session.forward(from, delivery, seq, payload);
    let m = &state.metrics;
    match outcome {
        Forwarded::Delivered | Forwarded::Kept => {
            bump(&m.frames_routed, 1);
            bump(&m.bytes_routed, bytes);
            m.routing.observe(started.elapsed().as_micros() as u64);
        }
        Forwarded::Dropped => bump(&m.frames_dropped, 1),
        // Under keys the other side's new page does not have: it could not open it.
        Forwarded::Stale => tracing::debug!(?from, "a frame sealed before the new page's keys"),
        Forwarded::Nobody | Forwarded::Duplicate => {}
    }
    outcome
}

/// Puts `tx` back in `side`'s place: `Resumed`, then every frame it missed.
pub(in crate::ws) async fn resume(
    state: &AppState,
    side: Side,
    resume: &Resume,
    tx: &Outbox,
) -> Result<Arc<Session>, String> {
    let session = state
        .registry
        .get(resume.routing)
        .ok_or("no live session has this code")?;
    let resumed = session
        .resume(
            side,
            &resume.resume_token,
            resume.last_received,
            resume.reloaded,
            tx.clone(),
        )
        .map_err(|e| e.to_string())?;
    tracing::info!(parent: &session.span, ?side, reloaded = resume.reloaded, lost = resumed.lost, "resumed");
    tell_node(state, &session, side);
    Ok(session)
}

/// With several nodes: tells `side` which node runs its session, for its next connections.
pub(in crate::ws) fn tell_node(state: &AppState, session: &Session, side: Side) {
    if state.cluster.is_some() {
        session.tell(side, RelayMsg::Node(state.node_id.clone()));
    }
}
