//! Busy pages over time: a 200-row table re-rendered 20 times a second, as the storm fixture
//! does. C6: how many batches and bytes leave the page per second of it (coalesced: a batch
//! at most every 200 ms once batches are large). C7: memory after an hour of it (72,000
//! renders, run back to back): removed nodes must leave nothing behind.

use super::{num, Lab};
use crate::machine::LoadWatch;
use crate::report::{Better, Measure};
use crate::stats::percentile;
use crate::{BenchResult, Ctx};

pub async fn run(ctx: &Ctx) -> BenchResult<Vec<Measure>> {
    super::in_lab(ctx, async |lab| measure_all(ctx, lab).await).await
}

async fn measure_all(ctx: &Ctx, lab: &Lab) -> BenchResult<Vec<Measure>> {
    let seconds = if ctx.quick { 2 } else { 10 };
    let (mut per_second, mut bytes, mut renders, mut busy) = (Vec::new(), Vec::new(), 0.0, false);
    for _ in 0..ctx.reps.min(3) {
        let watch = LoadWatch::start();
        let v = lab.measure(&format!("storm({seconds})")).await?;
        per_second.push(num(&v, "batches")? / (num(&v, "ms")? / 1000.0));
        bytes.push(num(&v, "bytesPerSecond")?);
        renders = num(&v, "renders")?;
        busy |= watch.was_busy();
    }
    let c5 = Measure::new(
        "C6",
        "batches per second in a mutation storm",
        "200-row table re-rendered every 50 ms",
        "batches/s",
        "≤ 5/s (coalesced)",
    )
    .product(&per_second)
    .judge(Better::Lower, Some(5.0), None)
    .invalid_if(busy)
    .note(format!(
        "{renders:.0} renders in {seconds} s (then 0.4 s for the last hold to end), flushed \
         every animation frame as a session does; without coalescing every render would be a \
         batch (20/s). Bytes sent: median {:.0} B/s.",
        percentile(&bytes, 50.0)
    ));

    let renders: u32 = if ctx.quick { 7_200 } else { 72_000 };
    // One run: an hour of page time takes minutes of real time, run in parts.
    let watch = LoadWatch::start();
    let mut done = num(&lab.measure("hourStart()").await?, "warm")? as u32;
    while done < renders {
        let part = (renders - done).min(12_000);
        done = num(&lab.then(&format!("hourRun({part})")).await?, "renders")? as u32;
    }
    let v = lab.then("hourEnd()").await?;
    let growth = [num(&v, "growth")? / 1024.0];
    let notes = format!(
        "last run: JS heap {:+.0} KiB, wasm memory {:+.0} KiB, {:.0} batches in {:.0} s",
        num(&v, "heap")? / 1024.0,
        num(&v, "wasm")? / 1024.0,
        num(&v, "batches")?,
        num(&v, "ms")? / 1000.0
    );
    let busy = watch.was_busy();
    let c6 = Measure::new(
        "C7",
        "memory growth over an hour of mutations",
        &format!("{renders} renders of a 200-row table"),
        "KiB",
        "≤ 1024 KiB (flat)",
    )
    .product(&growth)
    .judge(Better::Lower, Some(1024.0), None)
    .invalid_if(busy)
    .note(format!(
        "JS heap (after gc()) plus wasm linear memory, after a warm-up of 1,000 renders and \
         after the rest, each flushed as its own batch (the storm hold off, so every node is \
         captured and forgotten); 800 nodes are removed and 800 added per render. {notes}."
    ));
    Ok(vec![c5, c6])
}
