//! The report `make bench` writes: one [`Measure`] per row of the table, as Markdown
//! for people and JSON for tools, with the machine it ran on.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::machine::MachineInfo;
use crate::next_steps::{next_step, tried};
use crate::stats::{ratios, Summary};

/// Whether lower or higher figures are better, for judging a target.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Better {
    Lower,
    Higher,
}

/// One measured row: the product's figure, the peer's (when there is one), their ratio, and
/// whether the target was met.
#[derive(Debug, Clone, Serialize)]
pub struct Measure {
    pub id: String,
    pub what: String,
    pub workload: String,
    pub unit: String,
    pub product: Option<Summary>,
    pub peer_name: Option<String>,
    pub peer: Option<Summary>,
    /// Product ÷ peer, pairwise over interleaved repetitions.
    pub ratio: Option<Summary>,
    pub target: String,
    pub met: Option<bool>,
    /// False when another process loaded the machine during the run.
    pub valid: bool,
    pub note: String,
    /// The limits [`Measure::judge`] applied, kept to say by how much a target was missed.
    #[serde(skip)]
    limits: Option<(Better, Option<f64>, Option<f64>)>,
    /// By how much a target judged outside [`Measure::judge`] was missed.
    #[serde(skip)]
    gap: Option<String>,
}

impl Measure {
    pub fn new(id: &str, what: &str, workload: &str, unit: &str, target: &str) -> Self {
        Self {
            id: id.into(),
            what: what.into(),
            workload: workload.into(),
            unit: unit.into(),
            product: None,
            peer_name: None,
            peer: None,
            ratio: None,
            target: target.into(),
            met: None,
            valid: true,
            note: String::new(),
            limits: None,
            gap: None,
        }
    }

    /// Product samples alone (no peer has this figure).
    pub fn product(mut self, samples: &[f64]) -> Self {
        self.product = Summary::of(samples);
        self
    }

    /// Product and peer samples from interleaved repetitions.
    pub fn versus(mut self, peer: &str, product: &[f64], peer_samples: &[f64]) -> Self {
        self.product = Summary::of(product);
        self.peer_name = Some(peer.into());
        self.peer = Summary::of(peer_samples);
        self.ratio = Summary::of(&ratios(product, peer_samples));
        self
    }

    /// Judges the target: the product's median against `limit`, and (when given) the median
    /// ratio against `max_ratio` (or `min_ratio` for higher-is-better figures).
    pub fn judge(mut self, better: Better, limit: Option<f64>, ratio_limit: Option<f64>) -> Self {
        self.limits = Some((better, limit, ratio_limit));
        let ok = |v: f64, l: f64| match better {
            Better::Lower => v <= l,
            Better::Higher => v >= l,
        };
        let abs = limit.map(|l| self.product.is_some_and(|p| ok(p.median, l)));
        let rel = ratio_limit.map(|l| self.ratio.is_some_and(|r| ok(r.median, l)));
        self.met = match (abs, rel) {
            (None, None) => None,
            (a, r) => Some(a.unwrap_or(true) && r.unwrap_or(true)),
        };
        self
    }

    /// By how much a missed target was missed, e.g. "4 % over 0.5× rrweb record": the
    /// product's median against each limit it did not reach. `None` when met or not judged.
    pub fn shortfall(&self) -> Option<String> {
        if self.met != Some(false) {
            return None;
        }
        if let Some(gap) = &self.gap {
            return Some(gap.clone());
        }
        let (better, limit, ratio_limit) = self.limits?;
        let missed = |value: f64, target: f64, what: String| {
            let (ok, pct, word) = match better {
                Better::Lower => (value <= target, (value / target - 1.0) * 100.0, "over"),
                Better::Higher => (value >= target, (1.0 - value / target) * 100.0, "short of"),
            };
            (!ok).then(|| format!("{pct:.0} % {word} {what}"))
        };
        let mut gaps = Vec::new();
        if let (Some(l), Some(p)) = (limit, &self.product) {
            gaps.extend(missed(p.median, l, format!("{} {}", short(l), self.unit)));
        }
        if let (Some(l), Some(r)) = (ratio_limit, &self.ratio) {
            let peer = self.peer_name.as_deref().unwrap_or("the peer");
            gaps.extend(missed(r.median, l, format!("{l}× {peer}")));
        }
        Some(gaps.join(" and "))
    }

    /// Judged by the caller (a target no single limit expresses): whether it was met, and if
    /// not, by how much.
    pub fn judged(mut self, met: bool, gap: impl Into<String>) -> Self {
        self.met = Some(met);
        self.gap = (!met).then(|| gap.into());
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = note.into();
        self
    }

    pub fn invalid_if(mut self, busy: bool) -> Self {
        self.valid &= !busy;
        self
    }
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub machine: MachineInfo,
    pub started: String,
    pub command: String,
    pub measures: Vec<Measure>,
}

impl Report {
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(
            dir.join("latest.json"),
            serde_json::to_string_pretty(self).expect("a report serializes"),
        )?;
        std::fs::write(dir.join("latest.md"), self.markdown())
    }

    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let m = &self.machine;
        let _ = writeln!(md, "# Benchmark report\n");
        let _ = writeln!(md, "`{}`, started {}.\n", self.command, self.started);
        let _ = writeln!(
            md,
            "Machine: {} ({} cores, {} MiB), {}; Chromium {}; Node {}; rrweb {}.\n",
            m.cpu, m.cores, m.memory_mib, m.kernel, m.chromium, m.node, m.rrweb
        );
        md.push_str(
            "Ratios are product ÷ peer per interleaved repetition: median (min–max). \
             A run is invalid when other processes used more than a quarter core during it.\n\n",
        );
        md.push_str("| id | what | workload | product | peer | ratio | target | met |\n");
        md.push_str("|---|---|---|---|---|---|---|---|\n");
        for x in &self.measures {
            let met = match (x.valid, x.met) {
                (false, _) => "invalid (machine busy)",
                (true, Some(true)) => "yes",
                (true, Some(false)) => "**no**",
                (true, None) => "—",
            };
            let peer = match (&x.peer_name, &x.peer) {
                (Some(name), Some(s)) => format!("{}: {}", name, fmt(s, &x.unit)),
                _ => "—".into(),
            };
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                x.id,
                x.what,
                x.workload,
                x.product
                    .as_ref()
                    .map_or("not run".into(), |s| fmt(s, &x.unit)),
                peer,
                x.ratio.as_ref().map_or("—".into(), |r| format!(
                    "{:.2}× ({:.2}–{:.2})",
                    r.median, r.min, r.max
                )),
                x.target,
                met
            );
        }
        let notes: Vec<_> = self
            .measures
            .iter()
            .filter(|x| !x.note.is_empty())
            .collect();
        if !notes.is_empty() {
            md.push_str("\n## Notes\n\n");
            for x in notes {
                let _ = writeln!(md, "- **{}**: {}", x.id, x.note);
            }
        }
        let missed: Vec<_> = self
            .measures
            .iter()
            .filter(|x| x.valid)
            .filter_map(|x| Some((x, x.shortfall()?)))
            .collect();
        if !missed.is_empty() {
            md.push_str("\n## Targets not met: by how much, what was tried, what is next\n\n");
            // One entry per measure id: its missed workloads, then what was tried and what is
            // next (the same for all of an id's workloads).
            let mut ids: Vec<&str> = Vec::new();
            for (x, _) in &missed {
                if !ids.contains(&x.id.as_str()) {
                    ids.push(&x.id);
                }
            }
            for id in ids {
                let gaps: Vec<String> = missed
                    .iter()
                    .filter(|(x, _)| x.id == id)
                    .map(|(x, gap)| format!("{}: {gap}", x.workload))
                    .collect();
                let _ = writeln!(md, "- **{id}**: {}.", gaps.join("; "));
                let _ = writeln!(md, "  - Tried: {}", tried(id));
                let _ = writeln!(md, "  - Next: {}", next_step(id));
            }
        }
        md
    }
}

fn short(x: f64) -> String {
    if x >= 1000.0 {
        format!("{:.0}k", x / 1000.0)
    } else {
        format!("{x}")
    }
}

fn fmt(s: &Summary, unit: &str) -> String {
    let v = |x: f64| {
        if x.abs() >= 100.0 {
            format!("{x:.0}")
        } else if x.abs() >= 1.0 {
            format!("{x:.2}")
        } else {
            format!("{x:.3}")
        }
    };
    if s.n == 1 || s.min == s.max {
        format!("{} {unit}", v(s.median))
    } else {
        format!("{} {unit} ({}–{})", v(s.median), v(s.min), v(s.max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missed_target_says_by_how_much_against_each_limit() {
        let m = Measure::new("C1", "snapshot", "1k", "ms", "≤ 0.5× rrweb")
            .versus("rrweb", &[11.0, 11.0, 11.0], &[20.0, 20.0, 20.0])
            .judge(Better::Lower, None, Some(0.5));
        assert_eq!(m.met, Some(false));
        assert_eq!(m.shortfall().as_deref(), Some("10 % over 0.5× rrweb"));

        let m = Measure::new("R2", "frames", "1000", "frames/s", "≥ 100k/s")
            .versus("node", &[40_000.0], &[40_000.0])
            .judge(Better::Higher, Some(100_000.0), Some(2.0));
        assert_eq!(
            m.shortfall().as_deref(),
            Some("60 % short of 100k frames/s and 50 % short of 2× node")
        );
    }

    #[test]
    fn a_met_target_has_no_shortfall() {
        let m = Measure::new("V2", "apply", "500", "ms", "p99 ≤ 4 ms")
            .product(&[3.0])
            .judge(Better::Lower, Some(4.0), None);
        assert_eq!(m.met, Some(true));
        assert_eq!(m.shortfall(), None);
    }
}
