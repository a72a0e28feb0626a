//! The agent's view: rebuilding a captured 10k-node page (V1) against rrweb's Replayer, and
//! applying 500-node batches as they arrive (V2).

use super::{interleave, Lab, Pair};
use crate::machine::LoadWatch;
use crate::report::{Better, Measure};
use crate::stats::percentile;
use crate::{BenchResult, Ctx};

pub async fn run(ctx: &Ctx) -> BenchResult<Vec<Measure>> {
    super::in_lab(ctx, async |lab| measure_all(ctx, lab).await).await
}

async fn measure_all(ctx: &Ctx, lab: &Lab) -> BenchResult<Vec<Measure>> {
    let runs = interleave(lab, ctx.reps, |k| format!("rebuild('{k}', 10000)")).await?;
    let rebuild = Pair::of(&runs, "ms")?;
    let v1 = Measure::new(
        "V1",
        "agent rebuild of a snapshot",
        "10k nodes",
        "ms",
        "≤ 0.5× rrweb Replayer, ≤ 100 ms",
    )
    .versus("rrweb Replayer", &rebuild.product, &rebuild.peer)
    .judge(Better::Lower, Some(100.0), Some(0.5))
    .invalid_if(rebuild.busy)
    .note(
        "Product: inflate + decode + rebuild into an iframe, synchronously; rrweb: from \
               `new Replayer(events)` to its `fullsnapshot-rebuilded` event (it rebuilds in a \
               1 ms timeout, which this includes).",
    );

    let batches = if ctx.quick { 40 } else { 200 };
    let (mut p99s, mut busy) = (Vec::new(), false);
    let mut all = Vec::new();
    for _ in 0..ctx.reps.min(5) {
        let watch = LoadWatch::start();
        let v = lab.measure(&format!("incremental({batches})")).await?;
        let times: Vec<f64> = v["times"]
            .as_array()
            .ok_or("no times")?
            .iter()
            .filter_map(|t| t.as_f64())
            .collect();
        p99s.push(percentile(&times, 99.0));
        all.extend(times);
        busy |= watch.was_busy();
    }
    let v2 = Measure::new(
        "V2",
        "incremental apply, p99 per batch",
        "500-node batches",
        "ms",
        "p99 ≤ 4 ms",
    )
    .product(&p99s)
    .judge(Better::Lower, Some(4.0), None)
    .invalid_if(busy)
    .note(format!(
        "{} batches per repetition; over all of them p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms.",
        batches,
        percentile(&all, 50.0),
        percentile(&all, 99.0),
        percentile(&all, 100.0)
    ));
    Ok(vec![v1, v2])
}
