//! R1 and R2 from the load generator's steps: the p99 at the steady load, and the
//! highest offered rate each relay carries with every frame delivered and p99 ≤ 10 ms.

use super::protocol::Kind;
use super::schedule::{highest_held, next_rate, Step, StepResult, Verdict};
use super::{against, load, server, Plan, PEER};
use crate::report::{Better, Measure};
use crate::{BenchResult, Ctx};

/// R2's latency bound for a rate to count.
pub(super) const R2_P99_MS: f64 = 10.0;

fn ours_flags() -> String {
    format!("`{}`", server::OUR_FLAGS.join(" "))
}

pub(super) async fn latency(ctx: &Ctx, plan: &Plan) -> BenchResult<Measure> {
    let (mut ours, mut node, mut busy) = (Vec::new(), Vec::new(), false);
    for _ in 0..ctx.reps {
        for kind in [Kind::Ours, Kind::Node] {
            let (sessions, step) = (plan.sessions, plan.r1);
            let mut once = Some(step);
            let r = against(ctx, kind, &mut busy, move |addr, pid| {
                load::drive(kind, (addr, pid), sessions, move |_| once.take())
            })
            .await?;
            let r = r.into_iter().next().ok_or("no step ran")?;
            match kind {
                Kind::Ours => ours.push(r),
                Kind::Node => node.push(r),
            }
        }
    }
    let p99 = |rs: &[StepResult]| rs.iter().map(|r| r.latency.p99).collect::<Vec<_>>();
    let summary = |rs: &[StepResult]| {
        let median = |f: &dyn Fn(&StepResult) -> f64| {
            crate::stats::percentile(&rs.iter().map(f).collect::<Vec<_>>(), 50.0)
        };
        let lost: u64 = rs
            .iter()
            .map(|r| r.expected - r.received.min(r.expected))
            .sum();
        let notices: u64 = rs.iter().map(|r| r.trouble).sum();
        format!(
            "p50 {:.3} ms, max {:.2} ms, {lost} frames lost, {notices} relay notices, relay \
             CPU {:.2} cores, generator send lag p99 {:.3} ms",
            median(&|r| r.latency.p50),
            median(&|r| r.latency.max),
            median(&|r| r.relay_cores),
            median(&|r| r.lag.p99),
        )
    };
    let rate = plan.r1.rate;
    Ok(Measure::new(
        "R1",
        "routing latency, p99 (customer → agent)",
        &format!(
            "{} sessions × {:.0} frames/s × 512 B, open loop, {:.0} s measured",
            plan.sessions,
            rate / plan.sessions as f64,
            plan.r1.window.as_secs_f64()
        ),
        "ms",
        "p99 ≤ 1 ms and ≤ 0.5× Node ws relay",
    )
    .versus(PEER, &p99(&ours), &p99(&node))
    .judge(Better::Lower, Some(1.0), Some(0.5))
    .invalid_if(busy)
    .note(format!(
        "Latency counts from when each frame was due, so generator lateness is included (shown). \
         Ours: {}. Node: {}. Both pinned to core 0, generator on core 1; ours started with {} \
         (sealed reliable frames; agents heartbeat every 10 s as the console does).",
        summary(&ours),
        summary(&node),
        ours_flags()
    )))
}

pub(super) async fn throughput(ctx: &Ctx, plan: &Plan) -> BenchResult<Measure> {
    let (mut ours, mut node, mut busy) = (Vec::new(), Vec::new(), false);
    let (mut ours_end, mut node_end) = (String::new(), String::new());
    let mut generator_bound = Vec::new();
    for _ in 0..ctx.reps {
        for kind in [Kind::Ours, Kind::Node] {
            let (sessions, template) = (plan.sessions, plan.r2_step);
            let (first, factor, max) = (plan.r2_first, plan.r2_factor, plan.r2_max);
            let history = against(ctx, kind, &mut busy, move |addr, pid| {
                load::drive(kind, (addr, pid), sessions, move |h| {
                    next_rate(h, R2_P99_MS, first, factor, max)
                        .map(|rate| Step { rate, ..template })
                })
            })
            .await?;
            let best = highest_held(&history, R2_P99_MS);
            let ended = history
                .iter()
                .find(|r| r.verdict(R2_P99_MS) != Verdict::Held)
                .map_or(format!("held up to the {:.0}k/s ceiling", max / 1e3), |r| {
                    format!("first miss at {}", r.describe())
                });
            if history
                .iter()
                .any(|r| r.verdict(R2_P99_MS) == Verdict::GeneratorBehind)
            {
                generator_bound.push(kind.name());
            }
            let (bests, end) = match kind {
                Kind::Ours => (&mut ours, &mut ours_end),
                Kind::Node => (&mut node, &mut node_end),
            };
            bests.push(best);
            *end = ended;
        }
    }
    let mut note = format!(
        "Offered load ramps ×{} from {:.0}k/s over {} sessions (512 B, {:.1} s measured per \
         step), then one step halfway between the last rate that held and the first that did \
         not; a rate holds when every frame arrives and p99 ≤ {R2_P99_MS} ms. Last repetition, \
         ours: {ours_end}; Node: {node_end}.",
        plan.r2_factor,
        plan.r2_first / 1e3,
        plan.sessions,
        plan.r2_step.window.as_secs_f64(),
    );
    generator_bound.sort();
    generator_bound.dedup();
    if !generator_bound.is_empty() {
        note += &format!(
            " In some repetitions the generator (one core) could not keep the schedule \
             before {} did: those figures are lower bounds.",
            generator_bound.join(" and ")
        );
    }
    Ok(Measure::new(
        "R2",
        "max routed frames/s on one core with p99 ≤ 10 ms",
        &format!(
            "{} sessions, ramped offered load, 512 B frames",
            plan.sessions
        ),
        "frames/s",
        "≥ 2× Node ws relay",
    )
    .versus(PEER, &ours, &node)
    .judge(Better::Higher, None, Some(2.0))
    .invalid_if(busy)
    .note(note))
}
