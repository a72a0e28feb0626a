//! Opening sessions on either relay: a customer socket that creates a session, an agent socket
//! that joins it, each waiting for the relay's answer. Shared by the load (R1, R2) and by the
//! idle connections (R3).

use std::net::SocketAddr;
use std::time::Duration;

use super::protocol::{Kind, ORIGIN};
use super::wire::{self, Reader, Writer, OP_BINARY, OP_CLOSE};
use crate::BenchResult;

/// Sessions opened at once during setup: quick, without a burst of thousands of handshakes.
pub const SETUP_CONCURRENCY: usize = 64;
/// How long a relay may take to answer a create or a join.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// The next frame's payload from `reader`, skipping pings and the like; `accept` says whether a
/// frame is the awaited answer (`Some`), something to skip (`None`) or a refusal (`Err`).
async fn answer<T>(
    reader: &mut Reader,
    what: &str,
    mut accept: impl FnMut(&[u8]) -> Result<Option<T>, String>,
) -> BenchResult<T> {
    loop {
        let next = tokio::time::timeout(ANSWER_TIMEOUT, reader.next())
            .await
            .map_err(|_| format!("{what}: no answer within {ANSWER_TIMEOUT:?}"))??;
        let Some((op, range)) = next else {
            return Err(format!("{what}: the relay closed the socket").into());
        };
        let bytes = reader.bytes(range);
        match op {
            OP_BINARY => match accept(bytes) {
                Ok(Some(v)) => return Ok(v),
                Ok(None) => {}
                Err(why) => return Err(format!("{what}: {why}").into()),
            },
            OP_CLOSE => {
                let reason = String::from_utf8_lossy(bytes.get(2..).unwrap_or_default());
                return Err(format!("{what}: closed by the relay: {reason}").into());
            }
            _ => {}
        }
    }
}

/// A customer socket with a session created on it: its routing code and both halves.
pub async fn open_customer(kind: Kind, addr: SocketAddr) -> BenchResult<(u32, Reader, Writer)> {
    let (mut r, mut w) = wire::connect(addr, "/ws/customer", Some(ORIGIN)).await?;
    w.send(&kind.create()).await?;
    let routing = answer(&mut r, "create", |f| kind.created(f)).await?;
    Ok((routing, r, w))
}

pub struct Opened {
    pub routing: u32,
    pub customer: (Reader, Writer),
    pub agent: (Reader, Writer),
}

/// A session created by a customer on `customers` and joined by an agent on `agents` (another
/// node of a cluster, or the same relay).
pub async fn open_session(
    kind: Kind,
    customers: SocketAddr,
    agents: SocketAddr,
) -> BenchResult<Opened> {
    let (routing, cr, cw) = open_customer(kind, customers).await?;
    let (mut ar, mut aw) = wire::connect(agents, "/ws/agent", None).await?;
    aw.send(&kind.join(routing)).await?;
    answer(&mut ar, "join", |f| {
        kind.joined(f).map(|ok| ok.then_some(()))
    })
    .await?;
    Ok(Opened {
        routing,
        customer: (cr, cw),
        agent: (ar, aw),
    })
}
