//! R3: what an idle connection costs a relay. Customers connect and create a session each (the
//! state a customer is in while waiting for an agent), and the relay's resident memory is read
//! from /proc before and after. A first batch is opened before the "before" reading, so one-off
//! costs (the first session's allocations, Node's compiled handlers) are not charged per socket.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{stream, StreamExt, TryStreamExt};

use super::open::{open_customer, SETUP_CONCURRENCY};
use super::protocol::Kind;
use super::server::tree_rss_kib;
use super::{against, Plan, PEER};
use crate::report::{Better, Measure};
use crate::{BenchResult, Ctx};

#[derive(Debug, Clone, Copy)]
pub struct IdleCost {
    pub before_kib: u64,
    pub after_kib: u64,
    pub connections: usize,
}

impl IdleCost {
    pub fn kib_per_connection(&self) -> f64 {
        self.after_kib.saturating_sub(self.before_kib) as f64 / self.connections as f64
    }
}

async fn open(kind: Kind, addr: SocketAddr, n: usize) -> BenchResult<Vec<impl Sized>> {
    stream::iter(0..n)
        .map(|_| open_customer(kind, addr))
        .buffer_unordered(SETUP_CONCURRENCY)
        .try_collect()
        .await
}

/// Opens `warm` then `n` idle customer sessions on the relay at `addr` (process `pid`) and
/// returns its memory before and after the `n`, each read `settle` after the openings, once
/// the relay has finished what they queued (database writes, garbage).
async fn measure(
    kind: Kind,
    addr: SocketAddr,
    pid: u32,
    (warm, n): (usize, usize),
    settle: Duration,
) -> BenchResult<IdleCost> {
    let _warm = open(kind, addr, warm).await?;
    tokio::time::sleep(settle).await;
    let before_kib = tree_rss_kib(pid);
    let _idle = open(kind, addr, n).await?;
    tokio::time::sleep(settle).await;
    let after_kib = tree_rss_kib(pid);
    Ok(IdleCost {
        before_kib,
        after_kib,
        connections: n,
    })
}

pub(super) async fn memory(ctx: &Ctx, plan: &Plan) -> BenchResult<Measure> {
    let (mut ours, mut node, mut busy) = (Vec::new(), Vec::new(), false);
    let mut last = Vec::new();
    for _ in 0..ctx.reps {
        for kind in [Kind::Ours, Kind::Node] {
            let (counts, settle) = ((plan.idle_warm, plan.idle), plan.settle);
            let cost = against(ctx, kind, &mut busy, move |addr, pid| {
                measure(kind, addr, pid, counts, settle)
            })
            .await?;
            match kind {
                Kind::Ours => ours.push(cost.kib_per_connection()),
                Kind::Node => node.push(cost.kib_per_connection()),
            }
            last.push(format!(
                "{} {} → {} MiB",
                kind.name(),
                cost.before_kib / 1024,
                cost.after_kib / 1024
            ));
        }
    }
    let last = last.split_off(last.len().saturating_sub(2)).join(", ");
    Ok(Measure::new(
        "R3",
        "memory per idle connection",
        &format!("{} idle customer connections", plan.idle),
        "KiB",
        "≤ 8 KiB",
    )
    .versus(PEER, &ours, &node)
    .judge(Better::Lower, Some(8.0), None)
    .invalid_if(busy)
    .note(format!(
        "Growth of the relay process's resident memory (VmRSS, with any children) over the \
         connections, each a customer WebSocket that created a session and waits for an agent; \
         {} connections were opened before the first reading to leave out one-off costs. Last \
         repetition: {last}.",
        plan.idle_warm
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_is_the_growth_per_connection() {
        let c = IdleCost {
            before_kib: 10_000,
            after_kib: 90_000,
            connections: 10_000,
        };
        assert_eq!(c.kib_per_connection(), 8.0);
        let shrank = IdleCost {
            after_kib: 9_000,
            ..c
        };
        assert_eq!(shrank.kib_per_connection(), 0.0);
    }
}
