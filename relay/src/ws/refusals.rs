//! Refusals: the error a client is told and the close code its socket gets.

use shared_protocol::{ErrorCode, RelayMsg};

use crate::sessions::{control_frame, Outbox, Outgoing};

/// Close codes: normal end, policy (auth, origin), protocol (bad frames).
pub(in crate::ws) const CLOSE_NORMAL: u16 = 1000;
pub(in crate::ws) const CLOSE_PROTOCOL: u16 = 1002;
pub(in crate::ws) const CLOSE_POLICY: u16 = 1008;
pub(in crate::ws) const CLOSE_TOO_BIG: u16 = 1009;

pub(in crate::ws) fn error_frame(session: u32, code: ErrorCode, message: String) -> Outgoing {
    Outgoing::Frame(control_frame(session, RelayMsg::Error { code, message }).into())
}

/// Tells the client why and closes its socket.
pub(in crate::ws) async fn refuse(
    tx: &Outbox,
    session: u32,
    code: ErrorCode,
    message: String,
    close: u16,
) {
    let _ = tx.send(error_frame(session, code, message.clone())).await;
    let _ = tx.send(Outgoing::close(close, message)).await;
}

pub(in crate::ws) async fn bad_frame(tx: &Outbox, session: u32, why: String) {
    tracing::warn!(%why, "bad frame; closing the socket");
    refuse(tx, session, ErrorCode::BadFrame, why, CLOSE_PROTOCOL).await
}
