//! `cobrowse-bench`: parses flags, runs the chosen sections, writes the report.

use std::path::PathBuf;

use clap::Parser;
use cobrowse_bench::machine::MachineInfo;
use cobrowse_bench::report::Report;
use cobrowse_bench::{run_section, Ctx, Section};

#[derive(Parser)]
#[command(about = "Measures co-browse against rrweb and a Node ws relay; writes bench/results/")]
struct Args {
    /// Repetitions of each interleaved product/peer pair.
    #[arg(long, default_value_t = 7)]
    reps: usize,
    /// Small workloads and 2 repetitions: checks that every benchmark runs.
    #[arg(long)]
    quick: bool,
    /// Only these sections (default: all).
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Section>,
    /// Runs one `window.bench.<CALL>` on a fresh bench page, prints its result, and exits
    /// (for looking into a figure; no report is written).
    #[arg(long, value_name = "CALL")]
    eval: Option<String>,
    /// Where latest.md and latest.json go.
    #[arg(long, default_value = "bench/results")]
    out: PathBuf,
    /// Our relay's binary.
    #[arg(long, default_value = "target/release/cobrowse-relay")]
    relay_bin: PathBuf,
    /// Exits with an error when a row has no figure (a section or a benchmark failed); the
    /// figures themselves are not judged. `make test` runs `--quick --check`.
    #[arg(long)]
    check: bool,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let root = std::env::current_dir().expect("a working directory");
    let ctx = Ctx {
        root: root.clone(),
        reps: if args.quick { 2 } else { args.reps.max(1) },
        quick: args.quick,
        relay_bin: root.join(&args.relay_bin),
    };
    if let Some(call) = &args.eval {
        let lab = cobrowse_bench::browser::Lab::start(&ctx)
            .await
            .expect("the bench lab");
        let result = lab.measure(call).await;
        lab.finish().await;
        match result {
            Ok(v) => println!("{v}"),
            Err(e) => {
                eprintln!("bench: {call} failed: {e}");
                std::process::exit(1);
            }
        }
        return;
    }
    let sections = if args.only.is_empty() {
        Section::ALL.to_vec()
    } else {
        args.only
    };
    let mut measures = Vec::new();
    for section in sections {
        eprintln!("bench: {section:?}");
        let got = run_section(&ctx, section).await;
        for m in &got {
            eprintln!(
                "  {} {}: {:?} ratio {:?}",
                m.id,
                m.workload,
                m.product.map(|s| s.median),
                m.ratio.map(|s| s.median)
            );
        }
        measures.extend(got);
    }
    let report = Report {
        machine: MachineInfo::read(&ctx.node_modules().join("rrweb/package.json")),
        started: cobrowse_bench::machine::now_utc(),
        command: std::env::args().collect::<Vec<_>>().join(" "),
        measures,
    };
    report.write(&args.out).expect("write the report");
    println!("{}", report.markdown());
    eprintln!(
        "bench: wrote {}/latest.md and latest.json",
        args.out.display()
    );
    let mut failed = false;
    match cobrowse_bench::budget::read(&root.join("bench/budget.toml")) {
        Ok(budgets) => {
            for row in cobrowse_bench::budget::over(&report.measures, &budgets) {
                eprintln!("bench: over budget: {row}");
                failed = true;
            }
        }
        Err(e) => {
            eprintln!("bench: the budgets cannot be read: {e}");
            failed = true;
        }
    }
    if args.check {
        failed |= !check(&report.measures);
    }
    if failed {
        std::process::exit(1);
    }
}

/// `--check`: every row has a figure, or the run fails naming the rows that have none.
fn check(measures: &[cobrowse_bench::report::Measure]) -> bool {
    let missing: Vec<String> = measures
        .iter()
        .filter(|m| m.product.is_none())
        .map(|m| format!("{} {} ({}): {}", m.id, m.what, m.workload, m.note))
        .collect();
    if missing.is_empty() {
        eprintln!("bench: every one of {} rows has its figure", measures.len());
        return true;
    }
    for row in &missing {
        eprintln!("bench: no figure: {row}");
    }
    false
}
