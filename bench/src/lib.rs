//! `make bench`: the product measured side by side with its peers in one run on this machine.
//!
//! - [`browser`]: capture (C1–C4, B1–B2) and rebuild (V1–V2) in headless Chromium against
//!   rrweb from npm, the customer bundle's size (C5), a page view without a session and the
//!   start of one (P0a–c), and customer-to-agent latency (E1).
//! - [`relay`]: routing latency, throughput and memory (R1–R3) against a Node `ws` relay.
//! - [`report`], [`stats`], [`machine`]: the figures, their summaries, and the machine;
//!   [`budget`]: the sizes that must not grow unseen (`bench/budget.toml`).
//!
//! Timings are medians over interleaved repetitions (product, peer, product, ...) with min–max,
//! reported as ratios to the peer measured in the same run.

pub mod browser;
pub mod budget;
pub mod machine;
pub mod next_steps;
pub mod relay;
pub mod report;
pub mod stats;

use std::path::PathBuf;

use report::Measure;

/// What every benchmark needs to know about this run.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The repository's root (dist/, bench/, www/ are found from here).
    pub root: PathBuf,
    /// Repetitions of each interleaved pair.
    pub reps: usize,
    /// Smaller workloads and fewer repetitions, to check that the benchmarks run at all.
    pub quick: bool,
    /// Our relay's binary (a release build for figures; `make test` checks with a debug one).
    pub relay_bin: PathBuf,
}

impl Ctx {
    pub fn node_modules(&self) -> PathBuf {
        self.root.join("bench/node/node_modules")
    }
}

/// A group of measures that share a setup (a browser, a relay).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Section {
    Capture,
    View,
    Bundle,
    /// P0a–c: a page view without a session, and the start of one.
    Startup,
    Latency,
    Storm,
    Relay,
    /// R4: two relay nodes sharing Redis.
    Nodes,
}

impl Section {
    pub const ALL: [Section; 8] = [
        Section::Bundle,
        Section::Startup,
        Section::Capture,
        Section::View,
        Section::Latency,
        Section::Storm,
        Section::Relay,
        Section::Nodes,
    ];
}

/// Runs one section; a section that fails reports why in a row of its own rather than losing
/// the figures of the others.
pub async fn run_section(ctx: &Ctx, section: Section) -> Vec<Measure> {
    let result = match section {
        Section::Capture => browser::capture::run(ctx).await,
        Section::View => browser::view::run(ctx).await,
        Section::Bundle => browser::bundle::run(ctx),
        Section::Startup => browser::startup::run(ctx).await,
        Section::Latency => browser::latency::run(ctx).await,
        Section::Storm => browser::storm::run(ctx).await,
        Section::Relay => relay::run(ctx).await,
        Section::Nodes => relay::run_nodes(ctx).await,
    };
    result.unwrap_or_else(|e| {
        vec![
            Measure::new(&format!("{section:?}"), "section failed", "—", "", "—")
                .note(format!("{e}")),
        ]
    })
}

pub type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;
