//! R1–R3: the relay's routing latency, throughput on one core and memory per idle connection,
//! each side by side with a Node `ws` relay doing the same routing (bench/node/relay.js).
//!
//! Each relay runs as its own process pinned to core 0; the load generator is a thread of this
//! process pinned to core 1 with a runtime of its own. Repetitions alternate ours and Node's,
//! each on a freshly started relay.
//!
//! - [`server`]: starting, pinning and measuring the relay processes;
//! - [`routing`]: R1 and R2 from [`load`], the open-loop generator (sessions, steps, arrivals);
//! - [`idle`]: R3, idle connections and resident memory;
//! - [`nodes`]: R4, the cost of crossing nodes through Redis (two of our nodes, no peer);
//! - [`open`] and [`protocol`]: what the generator says to each relay; [`wire`]: its
//!   WebSocket client;
//! - [`schedule`]: the arithmetic of schedules, ramps, percentiles and verdicts.

mod idle;
mod load;
mod nodes;
mod open;
mod protocol;
mod redis;
mod routing;
mod schedule;
mod server;
mod wire;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use crate::machine::LoadWatch;
use crate::report::Measure;
use crate::{BenchResult, Ctx};
use protocol::Kind;
use schedule::Step;
use server::{on_core, GENERATOR_CORE};

pub(super) const PEER: &str = "Node ws relay";

/// Workload sizes: the issue's, or small ones that check everything runs.
pub(super) struct Plan {
    /// Sessions open during R1 and R2, each a customer and an agent socket.
    pub sessions: usize,
    pub r1: Step,
    /// R2's ramp: first offered rate, growth per step, ceiling; `r2_step` gives the timings.
    pub r2_first: f64,
    pub r2_factor: f64,
    pub r2_max: f64,
    pub r2_step: Step,
    /// R3's idle connections, the batch opened before the first reading, and the pause
    /// before each reading.
    pub idle: usize,
    pub idle_warm: usize,
    pub settle: Duration,
}

impl Plan {
    fn new(quick: bool) -> Self {
        let secs = Duration::from_secs_f64;
        if quick {
            Plan {
                sessions: 100,
                r1: Step {
                    rate: 2_000.0,
                    warmup: secs(0.3),
                    window: secs(1.5),
                    drain: secs(2.0),
                },
                r2_first: 5_000.0,
                r2_factor: 2.0,
                r2_max: 20_000.0,
                r2_step: Step {
                    rate: 0.0,
                    warmup: secs(0.2),
                    window: secs(0.5),
                    drain: secs(1.0),
                },
                idle: 1_000,
                idle_warm: 100,
                settle: secs(0.5),
            }
        } else {
            Plan {
                sessions: 1_000,
                r1: Step {
                    rate: 20_000.0,
                    warmup: secs(2.0),
                    window: secs(10.0),
                    drain: secs(3.0),
                },
                r2_first: 10_000.0,
                r2_factor: 1.25,
                r2_max: 1_000_000.0,
                r2_step: Step {
                    rate: 0.0,
                    warmup: secs(0.5),
                    window: secs(2.0),
                    drain: secs(2.0),
                },
                idle: 10_000,
                idle_warm: 200,
                settle: secs(1.5),
            }
        }
    }
}

pub async fn run(ctx: &Ctx) -> BenchResult<Vec<Measure>> {
    if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
        return Err(
            "the relay benchmarks need two cores: one for the relay, one for the load".into(),
        );
    }
    let plan = Plan::new(ctx.quick);
    // Each idle socket is a descriptor in this process and in the relay.
    server::raise_nofile(plan.idle as u64 * 2 + 4096)?;
    let (r1, r2, r3) = (
        routing::latency(ctx, &plan).await,
        routing::throughput(ctx, &plan).await,
        idle::memory(ctx, &plan).await,
    );
    Ok(vec![
        r1.unwrap_or_else(|e| failed("R1", e)),
        r2.unwrap_or_else(|e| failed("R2", e)),
        r3.unwrap_or_else(|e| failed("R3", e)),
    ])
}

/// R4, two of our nodes sharing a `redis-server`: its own section (`--only nodes`).
pub async fn run_nodes(ctx: &Ctx) -> BenchResult<Vec<Measure>> {
    if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
        return Err(
            "the relay benchmarks need two cores: one for the relays, one for the load".into(),
        );
    }
    let plan = Plan::new(ctx.quick);
    Ok(nodes::crossing(ctx, &plan)
        .await
        .unwrap_or_else(|e| vec![failed("R4", e)]))
}

fn failed(id: &str, e: impl std::fmt::Display) -> Measure {
    Measure::new(id, "relay benchmark failed", "—", "", "—").note(format!("{e}"))
}

/// Starts `kind`, runs `job` on the generator's core against it, stops it. `busy` notes
/// whether anything outside our processes loaded the machine meanwhile.
pub(super) async fn against<T, F>(
    ctx: &Ctx,
    kind: Kind,
    busy: &mut bool,
    job: impl FnOnce(SocketAddr, u32) -> F + Send + 'static,
) -> BenchResult<T>
where
    T: Send + 'static,
    F: Future<Output = BenchResult<T>>,
{
    let watch = LoadWatch::start();
    let mut relay = server::start(ctx, kind).await?;
    let (addr, pid) = (relay.addr, relay.pid);
    let out = on_core(GENERATOR_CORE, move || job(addr, pid)).await;
    relay.check_alive(kind)?;
    *busy |= watch.was_busy();
    out.map_err(|e| format!("{}: {e} (relay log: {})", kind.name(), relay.log_tail()).into())
}
