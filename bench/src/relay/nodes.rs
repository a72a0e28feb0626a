//! R4: what crossing nodes costs. Two nodes of ours sharing a `redis-server`, all three pinned
//! to the relay core, the generator on its own. R1's and R2's loads twice, in alternation:
//! every session with both sides on node A (Redis in the cluster, not in a frame's path), then
//! every agent on node B (each frame crosses through node B's inbox in Redis). Also what one
//! session start and one routed frame cost Redis, from `INFO commandstats`, for sizing.

use super::load::{self, Target};
use super::open::open_session;
use super::protocol::Kind;
use super::redis::{listing, total, Redis};
use super::routing::R2_P99_MS;
use super::schedule::{highest_held, next_rate, Step, StepResult};
use super::server::{self, on_core, GENERATOR_CORE};
use super::Plan;
use crate::machine::LoadWatch;
use crate::report::{Better, Measure};
use crate::{BenchResult, Ctx};

/// The light load's share of R1's: what crossing adds when the shared core has room.
const LIGHT: f64 = 0.25;

/// One placement's run: R1's step, the light step, then R2's ramp, on the same sessions.
struct Run {
    r1: StepResult,
    light: StepResult,
    best: f64,
    ramp_end: String,
    /// Redis commands in the whole run, and frames that arrived in it.
    commands: Vec<(String, u64)>,
    frames: u64,
}

async fn run(redis: &Redis, target: Target, plan: &Plan) -> BenchResult<Run> {
    let (sessions, r1, template) = (plan.sessions, plan.r1, plan.r2_step);
    let light = Step {
        rate: r1.rate * LIGHT,
        ..r1
    };
    let (first, factor, max) = (plan.r2_first, plan.r2_factor, plan.r2_max);
    redis.reset().await;
    let history: Vec<StepResult> = on_core(GENERATOR_CORE, move || {
        load::drive(
            Kind::Ours,
            target,
            sessions,
            move |h: &[StepResult]| match h.len() {
                0 => Some(r1),
                1 => Some(light),
                _ => next_rate(&h[2..], R2_P99_MS, first, factor, max)
                    .map(|rate| Step { rate, ..template }),
            },
        )
    })
    .await?;
    let commands = redis.commands().await;
    let frames = history.iter().map(|r| r.received).sum();
    let mut steps = history.into_iter();
    let (Some(r1), Some(light)) = (steps.next(), steps.next()) else {
        return Err("the run stopped before its first steps".into());
    };
    let ramp: Vec<StepResult> = steps.collect();
    Ok(Run {
        r1,
        light,
        best: highest_held(&ramp, R2_P99_MS),
        ramp_end: ramp
            .iter()
            .find(|r| r.verdict(R2_P99_MS) != super::schedule::Verdict::Held)
            .map_or("the ceiling held".into(), |r| r.describe()),
        commands,
        frames,
    })
}

pub(super) async fn crossing(ctx: &Ctx, plan: &Plan) -> BenchResult<Vec<Measure>> {
    let watch = LoadWatch::start();
    let redis = Redis::start().await?;
    let node = |name: &str| {
        let url = format!("redis://127.0.0.1:{}", redis.port);
        vec![
            "--redis-url".to_string(),
            url,
            "--node-id".into(),
            name.into(),
        ]
    };
    let a = server::start_with(ctx, Kind::Ours, &node("bench-a")).await?;
    let b = server::start_with(ctx, Kind::Ours, &node("bench-b")).await?;
    let pids = vec![a.pid, b.pid, redis.pid];

    // What one session start costs Redis (create on A, join through B), on its own.
    let starts = 200;
    redis.reset().await;
    let (ca, ab) = (a.addr, b.addr);
    on_core(GENERATOR_CORE, move || async move {
        for _ in 0..starts {
            drop(open_session(Kind::Ours, ca, ab).await?);
        }
        BenchResult::Ok(())
    })
    .await?;
    let per_start = redis.commands().await;
    let per_start_n = total(&per_start) as f64 / starts as f64;

    let (mut same, mut crossed) = (Vec::new(), Vec::new());
    for _ in 0..ctx.reps {
        for agents in [a.addr, b.addr] {
            let target = Target {
                customers: a.addr,
                agents,
                pids: pids.clone(),
            };
            let r = run(&redis, target, plan).await?;
            if agents == b.addr {
                crossed.push(r);
            } else {
                same.push(r);
            }
        }
    }
    let busy = watch.was_busy();
    let load = format!(
        "{} sessions × {:.0} frames/s × 512 B (R1's load); two nodes and redis-server on core 0",
        plan.sessions,
        plan.r1.rate / plan.sessions as f64
    );
    let mut measures = latency(&crossed, &same, &load, busy);
    measures.push(throughput(&crossed, &same, plan, busy));
    let per: Vec<f64> = crossed
        .iter()
        .map(|r| {
            let opening = per_start_n * plan.sessions as f64;
            (total(&r.commands) as f64 - opening).max(0.0) / r.frames.max(1) as f64
        })
        .collect();
    let last = crossed
        .last()
        .map(|r| (r.frames as f64, r.commands.clone()));
    let (last_frames, last) = last.unwrap_or((1.0, Vec::new()));
    measures.push(
        Measure::new(
            "R4b",
            "Redis commands per routed frame across nodes",
            &load,
            "commands",
            "—",
        )
        .product(&per)
        .note(format!(
            "Per session start (customer on A, agent joining through B), {starts} starts: \
             {per_start_n:.1} commands ({}). Per crossing frame, whole run (R1's step, the light \
             step, R2's ramp) minus its session starts (so heartbeats and record renewals are in \
             it), last run: {}.",
            listing(&per_start, starts as f64),
            listing(&last, last_frames),
        )),
    );
    Ok(measures)
}

/// Which step of a [`Run`] a measure reads.
type Pick = fn(&Run) -> &StepResult;

/// R4 at R1's load and at [`LIGHT`] of it: the crossing p99 against the same-node p99.
fn latency(crossed: &[Run], same: &[Run], load: &str, busy: bool) -> Vec<Measure> {
    let p99 = |rs: &[Run], f: Pick| -> Vec<f64> { rs.iter().map(|r| f(r).latency.p99).collect() };
    let added = |f: Pick| -> Vec<f64> {
        p99(crossed, f)
            .iter()
            .zip(p99(same, f))
            .map(|(c, s)| c - s)
            .collect()
    };
    let listed = |ds: &[f64]| {
        ds.iter()
            .map(|d| format!("{d:.3} ms"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let lost = |rs: &[Run], f: Pick| -> u64 {
        rs.iter()
            .map(|r| f(r).expected - f(r).received.min(f(r).expected))
            .sum()
    };
    let cores = |rs: &[Run], f: Pick| {
        rs.iter().map(|r| f(r).relay_cores).sum::<f64>() / rs.len().max(1) as f64
    };
    let steps: [(&str, Pick, String); 2] = [
        ("R4", |r| &r.r1, load.to_string()),
        (
            "R4l",
            |r| &r.light,
            load.replace(
                "(R1's load)",
                &format!("({:.0} % of R1's load)", LIGHT * 100.0),
            ),
        ),
    ];
    steps
        .into_iter()
        .map(|(id, f, load)| {
            let added = added(f);
            let m = Measure::new(
                id,
                "routing latency p99, agent on another node vs the same node (both with Redis)",
                &load,
                "ms",
                "crossing adds ≤ 0.5 ms p99",
            )
            .versus("same node", &p99(crossed, f), &p99(same, f))
            .judge(Better::Lower, None, None)
            .invalid_if(busy)
            .note(format!(
                "Added p99 per repetition (crossing − same): {}. Frames lost: crossing {}, same \
                 {}. Relay CPU (both nodes and Redis): crossing {:.2} cores, same {:.2}.",
                listed(&added),
                lost(crossed, f),
                lost(same, f),
                cores(crossed, f),
                cores(same, f),
            ));
            // The target is on the difference, which no single figure above holds: the worst.
            match added.iter().copied().reduce(f64::max) {
                Some(worst) => m.judged(
                    worst <= 0.5,
                    format!("crossing added up to {worst:.2} ms p99, target 0.5 ms"),
                ),
                None => m,
            }
        })
        .collect()
}

/// R4t: R2's ramp with the agents on the other node against the same node.
fn throughput(crossed: &[Run], same: &[Run], plan: &Plan, busy: bool) -> Measure {
    let best = |rs: &[Run]| rs.iter().map(|r| r.best).collect::<Vec<_>>();
    let end = |rs: &[Run]| rs.last().map_or(String::new(), |r| r.ramp_end.clone());
    Measure::new(
        "R4t",
        "max routed frames/s with p99 ≤ 10 ms, agent on another node vs the same node",
        &format!(
            "{} sessions, ramped offered load, 512 B frames; two nodes and redis-server on core 0",
            plan.sessions
        ),
        "frames/s",
        "—",
    )
    .versus("same node", &best(crossed), &best(same))
    .judge(Better::Higher, None, None)
    .invalid_if(busy)
    .note(format!(
        "R2's ramp (×{} from {:.0}k/s) on the sessions R4 ran. Last repetition, first miss: \
         crossing {}; same node {}.",
        plan.r2_factor,
        plan.r2_first / 1e3,
        end(crossed),
        end(same),
    ))
}
