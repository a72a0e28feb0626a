//! The arithmetic of the load, kept apart from sockets so it can be tested: when each frame is
//! due, the rates of the throughput ramp, percentiles of the arrivals, and whether a step held.

use std::time::Duration;

/// One stretch of constant offered load.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// Frames per second across all sessions.
    pub rate: f64,
    /// Sent but not measured: connections and caches settle first.
    pub warmup: Duration,
    /// Sent and measured.
    pub window: Duration,
    /// How long frames may take to arrive after the last one was sent before they count as lost.
    pub drain: Duration,
}

/// When the `j`th frame of a step is due, from the step's start. Frames go round-robin over the
/// sessions, so each session sends at `rate / sessions` and the sessions are evenly staggered.
pub fn due(j: u64, rate: f64) -> Duration {
    Duration::from_secs_f64(j as f64 / rate)
}

pub fn session_of(j: u64, sessions: usize) -> usize {
    (j % sessions as u64) as usize
}

/// Frames due within `d` at `rate`.
pub fn frames_in(d: Duration, rate: f64) -> u64 {
    (d.as_secs_f64() * rate).round() as u64
}

/// p50, p99 and max in milliseconds, by nearest rank as in [`crate::stats::percentile`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Quantiles {
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

pub fn quantiles(ns: &mut [u64]) -> Quantiles {
    if ns.is_empty() {
        return Quantiles {
            p50: f64::NAN,
            p99: f64::NAN,
            max: f64::NAN,
        };
    }
    ns.sort_unstable();
    let at = |p: f64| {
        let rank = ((p / 100.0) * ns.len() as f64).ceil() as usize;
        ns[rank.clamp(1, ns.len()) - 1] as f64 / 1e6
    };
    Quantiles {
        p50: at(50.0),
        p99: at(99.0),
        max: at(100.0),
    }
}

/// What one step gave.
#[derive(Debug, Clone, PartialEq)]
pub struct StepResult {
    pub rate: f64,
    /// Measured frames sent.
    pub expected: u64,
    /// Measured frames that arrived before the drain ended.
    pub received: u64,
    /// Customer → agent, from the time each frame was due (not sent).
    pub latency: Quantiles,
    /// How late the generator sent frames relative to their schedule.
    pub lag: Quantiles,
    /// Cores' worth of CPU the relay used while the step's frames were sent.
    pub relay_cores: f64,
    /// Losses and refusals the relay announced (`Gap`, errors), and the first of them.
    pub trouble: u64,
    pub first_trouble: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Held,
    /// Every frame arrived, but the p99 was over the limit.
    Late,
    Lost,
    /// The generator could not send on schedule: the step says nothing about the relay.
    GeneratorBehind,
}

impl StepResult {
    pub fn verdict(&self, p99_limit_ms: f64) -> Verdict {
        if self.lag.p99 > p99_limit_ms / 2.0 {
            Verdict::GeneratorBehind
        } else if self.received < self.expected || self.trouble > 0 {
            Verdict::Lost
        } else if self.latency.p99.is_nan() || self.latency.p99 > p99_limit_ms {
            Verdict::Late
        } else {
            Verdict::Held
        }
    }

    pub fn describe(&self) -> String {
        let mut s = format!(
            "{:.0}k/s: p99 {:.2} ms, {} of {} frames lost, relay CPU {:.2} cores, generator \
             lag p99 {:.2} ms",
            self.rate / 1e3,
            self.latency.p99,
            self.expected - self.received.min(self.expected),
            self.expected,
            self.relay_cores,
            self.lag.p99
        );
        if let Some(t) = &self.first_trouble {
            s += &format!(", {} relay notices (first: {t})", self.trouble);
        }
        s
    }
}

/// The throughput ramp: from `first`, ×`factor` while steps hold (up to `max`); after the first
/// step that does not, one step halfway (geometrically) between it and the last that held.
pub fn next_rate(
    history: &[StepResult],
    p99_limit_ms: f64,
    first: f64,
    factor: f64,
    max: f64,
) -> Option<f64> {
    let Some(last) = history.last() else {
        return Some(first);
    };
    let held = |r: &StepResult| r.verdict(p99_limit_ms) == Verdict::Held;
    let failures = history.iter().filter(|r| !held(r)).count();
    match failures {
        0 => Some(last.rate * factor).filter(|&r| r <= max),
        1 if !held(last) && history.len() >= 2 => {
            let below = history[history.len() - 2].rate;
            let mid = (below * last.rate).sqrt();
            // Not worth a step when the bracket is already tight.
            (mid > below * 1.05).then_some(mid)
        }
        _ => None,
    }
}

/// The highest rate that held, or 0.
pub fn highest_held(history: &[StepResult], p99_limit_ms: f64) -> f64 {
    history
        .iter()
        .filter(|r| r.verdict(p99_limit_ms) == Verdict::Held)
        .map(|r| r.rate)
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(rate: f64, p99: f64, lost: u64, lag: f64) -> StepResult {
        let q = |x| Quantiles {
            p50: x / 2.0,
            p99: x,
            max: x,
        };
        StepResult {
            rate,
            expected: 1000,
            received: 1000 - lost,
            latency: q(p99),
            lag: q(lag),
            relay_cores: 0.5,
            trouble: 0,
            first_trouble: None,
        }
    }

    #[test]
    fn frames_are_evenly_spaced_and_round_robin() {
        assert_eq!(due(0, 20_000.0), Duration::ZERO);
        assert_eq!(due(20_000, 20_000.0), Duration::from_secs(1));
        assert_eq!(due(1, 20_000.0), Duration::from_micros(50));
        // 1,000 sessions at 20k/s: each session every 50 ms, neighbours 50 µs apart.
        let n = 1000;
        let same: Vec<u64> = (0..3000).filter(|&j| session_of(j, n) == 7).collect();
        assert_eq!(same, vec![7, 1007, 2007]);
        assert_eq!(
            due(1007, 20_000.0) - due(7, 20_000.0),
            Duration::from_millis(50)
        );
        assert_eq!(frames_in(Duration::from_millis(2500), 20_000.0), 50_000);
    }

    #[test]
    fn quantiles_by_nearest_rank_in_ms() {
        let mut ns: Vec<u64> = (1..=100).rev().map(|i| i * 1_000_000).collect();
        assert_eq!(
            quantiles(&mut ns),
            Quantiles {
                p50: 50.0,
                p99: 99.0,
                max: 100.0
            }
        );
        assert!(quantiles(&mut []).p99.is_nan());
    }

    #[test]
    fn verdicts_blame_the_generator_first_then_losses_then_lateness() {
        assert_eq!(result(1.0, 2.0, 0, 0.1).verdict(10.0), Verdict::Held);
        assert_eq!(result(1.0, 12.0, 0, 0.1).verdict(10.0), Verdict::Late);
        assert_eq!(result(1.0, 2.0, 1, 0.1).verdict(10.0), Verdict::Lost);
        assert_eq!(
            result(1.0, 50.0, 9, 6.0).verdict(10.0),
            Verdict::GeneratorBehind
        );
        let mut noticed = result(1.0, 2.0, 0, 0.1);
        noticed.trouble = 1;
        assert_eq!(noticed.verdict(10.0), Verdict::Lost);
    }

    #[test]
    fn the_ramp_climbs_then_bisects_once() {
        let next = |h: &[StepResult]| next_rate(h, 10.0, 20e3, 2.0, 1e6);
        let mut h = vec![];
        assert_eq!(next(&h), Some(20e3));
        h.push(result(20e3, 1.0, 0, 0.0));
        assert_eq!(next(&h), Some(40e3));
        h.push(result(40e3, 1.0, 0, 0.0));
        h.push(result(80e3, 30.0, 0, 0.0));
        let mid = next(&h).unwrap();
        assert!((mid - (40e3f64 * 80e3).sqrt()).abs() < 1.0);
        h.push(result(mid, 1.0, 0, 0.0));
        assert_eq!(next(&h), None);
        assert_eq!(highest_held(&h, 10.0), mid);
        // A first step that fails ends the ramp with nothing held.
        let h = vec![result(20e3, 30.0, 0, 0.0)];
        assert_eq!(next(&h), None);
        assert_eq!(highest_held(&h, 10.0), 0.0);
        // The ceiling stops the climb.
        assert_eq!(
            next_rate(&[result(8e5, 1.0, 0, 0.0)], 10.0, 2e4, 2.0, 1e6),
            None
        );
    }
}
