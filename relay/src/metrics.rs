//! Counters and histograms for `GET /metrics`, in the Prometheus text format. The names follow
//! what the reference product reports: routing time in the relay (its ServerResponseTime), the
//! agent's render latency (its SlaveRenderLatency) and sessions nobody joined (InactiveSessions).

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use shared_protocol::agent_control::{Refusal, RefusedCounts};

use crate::store::writer::WriterStatus;

/// Upper bounds of the routing latency buckets, in microseconds.
const ROUTING_BUCKETS_US: [u64; 9] = [50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 50_000];
/// Upper bounds of the render latency buckets, in microseconds.
const RENDER_BUCKETS_US: [u64; 10] = [
    500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 250_000, 1_000_000,
];

pub struct Histogram {
    bounds: &'static [u64],
    counts: Vec<AtomicU64>,
    sum: AtomicU64,
    total: AtomicU64,
}

impl Histogram {
    fn new(bounds: &'static [u64]) -> Self {
        Self {
            bounds,
            counts: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            sum: AtomicU64::new(0),
            total: AtomicU64::new(0),
        }
    }

    pub fn observe(&self, micros: u64) {
        if let Some(i) = self.bounds.iter().position(|b| micros <= *b) {
            self.counts[i].fetch_add(1, Ordering::Relaxed);
        }
        self.sum.fetch_add(micros, Ordering::Relaxed);
        self.total.fetch_add(1, Ordering::Relaxed);
    }

    /// Writes the histogram in seconds, as Prometheus expects.
    fn write(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cumulative = 0;
        for (bound, count) in self.bounds.iter().zip(&self.counts) {
            cumulative += count.load(Ordering::Relaxed);
            let le = *bound as f64 / 1e6;
            let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {cumulative}");
        }
        let total = self.total.load(Ordering::Relaxed);
        let sum = self.sum.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(
            out,
            "{name}_bucket{{le=\"+Inf\"}} {total}\n{name}_sum {sum}\n{name}_count {total}"
        );
    }
}

pub struct Metrics {
    pub sessions_created: AtomicU64,
    pub sessions_joined: AtomicU64,
    /// Sessions that ended without an agent ever joining.
    pub sessions_never_joined: AtomicU64,
    pub sessions_ended: AtomicU64,
    /// Sessions this node took over from a node that died or drained.
    pub sessions_taken_over: AtomicU64,
    pub frames_routed: AtomicU64,
    pub bytes_routed: AtomicU64,
    pub frames_dropped: AtomicU64,
    /// Texts masked by the customers' last line of defence, by kind.
    pub auto_masked_cards: AtomicU64,
    pub auto_masked_ssns: AtomicU64,
    pub auto_masked_tokens: AtomicU64,
    /// Agent messages the customers' modules refused, by [`Refusal::ALL`] position.
    pub refused: [AtomicU64; Refusal::ALL.len()],
    /// The store writer's queue and failures (shared with the writer).
    pub store_writer: Arc<WriterStatus>,
    /// Customer messages dropped over their per-session rate: page visits, mode changes.
    pub page_visits_dropped: AtomicU64,
    pub mode_changes_dropped: AtomicU64,
    /// Connections and session creations refused by the per-client limits.
    pub connections_refused: AtomicU64,
    pub sessions_refused: AtomicU64,
    pub routing: Histogram,
    pub render: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            sessions_created: AtomicU64::new(0),
            sessions_joined: AtomicU64::new(0),
            sessions_never_joined: AtomicU64::new(0),
            sessions_ended: AtomicU64::new(0),
            sessions_taken_over: AtomicU64::new(0),
            frames_routed: AtomicU64::new(0),
            bytes_routed: AtomicU64::new(0),
            frames_dropped: AtomicU64::new(0),
            auto_masked_cards: AtomicU64::new(0),
            auto_masked_ssns: AtomicU64::new(0),
            auto_masked_tokens: AtomicU64::new(0),
            refused: Default::default(),
            store_writer: Arc::default(),
            page_visits_dropped: AtomicU64::new(0),
            mode_changes_dropped: AtomicU64::new(0),
            connections_refused: AtomicU64::new(0),
            sessions_refused: AtomicU64::new(0),
            routing: Histogram::new(&ROUTING_BUCKETS_US),
            render: Histogram::new(&RENDER_BUCKETS_US),
        }
    }
}

pub fn bump(counter: &AtomicU64, by: u64) {
    counter.fetch_add(by, Ordering::Relaxed);
}

impl Metrics {
    /// Counts what a customer's last line of defence masked.
    pub fn auto_masked(&self, found: &shared_protocol::AutoMaskedCounts) {
        bump(&self.auto_masked_cards, found.card_numbers.into());
        bump(&self.auto_masked_ssns, found.ssns.into());
        bump(&self.auto_masked_tokens, found.bearer_tokens.into());
    }

    /// Counts agent messages a customer module refused (outside write mode, on restricted
    /// elements, outside the site...).
    pub fn refused(&self, counts: &RefusedCounts) {
        for (reason, n) in counts.iter() {
            let i = Refusal::ALL.iter().position(|r| *r == reason).unwrap_or(0);
            bump(&self.refused[i], n.into());
        }
    }

    /// The Prometheus exposition, with the live gauges given by the caller.
    pub fn render(&self, live: usize, waiting: usize) -> String {
        let mut out = String::new();
        let gauge = |out: &mut String, name: &str, help: &str, v: usize| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        };
        let counter = |out: &mut String, name: &str, help: &str, v: &AtomicU64| {
            let v = v.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}"
            );
        };
        gauge(
            &mut out,
            "cobrowse_sessions_live",
            "Sessions not yet ended.",
            live,
        );
        gauge(
            &mut out,
            "cobrowse_sessions_waiting",
            "Sessions waiting for an agent.",
            waiting,
        );
        counter(
            &mut out,
            "cobrowse_sessions_created_total",
            "Sessions created by customers.",
            &self.sessions_created,
        );
        counter(
            &mut out,
            "cobrowse_sessions_joined_total",
            "Sessions an agent joined.",
            &self.sessions_joined,
        );
        counter(
            &mut out,
            "cobrowse_sessions_ended_total",
            "Sessions ended.",
            &self.sessions_ended,
        );
        counter(
            &mut out,
            "cobrowse_sessions_taken_over_total",
            "Sessions this node took over from a node that died or drained.",
            &self.sessions_taken_over,
        );
        counter(
            &mut out,
            "cobrowse_sessions_never_joined_total",
            "Sessions that ended without an agent (the reference's InactiveSessions).",
            &self.sessions_never_joined,
        );
        counter(
            &mut out,
            "cobrowse_frames_routed_total",
            "Sealed frames forwarded.",
            &self.frames_routed,
        );
        counter(
            &mut out,
            "cobrowse_bytes_routed_total",
            "Bytes of sealed payload forwarded.",
            &self.bytes_routed,
        );
        counter(
            &mut out,
            "cobrowse_frames_dropped_total",
            "Ephemeral frames dropped for a slow receiver.",
            &self.frames_dropped,
        );
        let _ = writeln!(
            out,
            "# HELP cobrowse_auto_masked_total Texts the customer module masked without a rule \
             (they looked like card numbers, SSNs or bearer tokens): mark these fields.\n\
             # TYPE cobrowse_auto_masked_total counter"
        );
        for (kind, v) in [
            ("card_number", &self.auto_masked_cards),
            ("ssn", &self.auto_masked_ssns),
            ("bearer_token", &self.auto_masked_tokens),
        ] {
            let _ = writeln!(
                out,
                "cobrowse_auto_masked_total{{kind=\"{kind}\"}} {}",
                v.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP cobrowse_agent_actions_refused_total Agent messages the customer's browser \
             refused (a modified console, or stale actions), by reason.\n\
             # TYPE cobrowse_agent_actions_refused_total counter"
        );
        for (reason, v) in Refusal::ALL.iter().zip(&self.refused) {
            let _ = writeln!(
                out,
                "cobrowse_agent_actions_refused_total{{reason=\"{}\"}} {}",
                reason.as_str(),
                v.load(Ordering::Relaxed)
            );
        }
        let store = &self.store_writer;
        let _ = writeln!(
            out,
            "# HELP cobrowse_store_writes_shed_total Store writes dropped because the store's \
             queue was full (store_queue).\n\
             # TYPE cobrowse_store_writes_shed_total counter\n\
             cobrowse_store_writes_shed_total {}",
            store.shed()
        );
        gauge(
            &mut out,
            "cobrowse_store_writes_waiting",
            "Store writes queued and not applied yet (at most store_queue); grows while the store is unreachable.",
            store.waiting() as usize,
        );
        gauge(
            &mut out,
            "cobrowse_store_failing",
            "1 while store writes fail because the store (Redis) cannot be reached, else 0.",
            usize::from(store.failing().is_some()),
        );
        let _ = writeln!(
            out,
            "# HELP cobrowse_store_write_retries_total Store writes tried again because the \
             store could not be reached.\n\
             # TYPE cobrowse_store_write_retries_total counter\n\
             cobrowse_store_write_retries_total {}",
            store.retries()
        );
        counter(
            &mut out,
            "cobrowse_connections_refused_total",
            "WebSockets refused because their client had connections_per_ip open.",
            &self.connections_refused,
        );
        counter(
            &mut out,
            "cobrowse_sessions_refused_total",
            "Session creations refused by sessions_per_ip_per_minute or sessions_per_second.",
            &self.sessions_refused,
        );
        let _ = writeln!(
            out,
            "# HELP cobrowse_customer_messages_dropped_total Page visits and mode changes not \
             recorded because their session sent more than page_visits_per_minute or \
             mode_changes_per_minute.\n\
             # TYPE cobrowse_customer_messages_dropped_total counter"
        );
        for (kind, v) in [
            ("page_visit", &self.page_visits_dropped),
            ("mode", &self.mode_changes_dropped),
        ] {
            let _ = writeln!(
                out,
                "cobrowse_customer_messages_dropped_total{{kind=\"{kind}\"}} {}",
                v.load(Ordering::Relaxed)
            );
        }
        self.routing.write(
            &mut out,
            "cobrowse_routing_seconds",
            "Time from a frame's arrival to its hand-off to the receiver (the reference's ServerResponseTime).",
        );
        self.render.write(
            &mut out,
            "cobrowse_agent_render_seconds",
            "Time the agent console took to apply a page frame, as it reports (the reference's SlaveRenderLatency).",
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_in_seconds() {
        let m = Metrics::default();
        m.routing.observe(40);
        m.routing.observe(700);
        m.routing.observe(90_000);
        bump(&m.frames_routed, 3);
        m.auto_masked(&shared_protocol::AutoMaskedCounts {
            card_numbers: 2,
            ssns: 0,
            bearer_tokens: 1,
        });
        bump(&m.store_writer.shed, 2);
        bump(&m.store_writer.waiting, 7);
        m.store_writer.fail("redis down".into());
        bump(&m.page_visits_dropped, 1);
        let text = m.render(2, 1);
        assert!(text.contains("cobrowse_store_writes_shed_total 2"));
        assert!(text.contains("cobrowse_store_writes_waiting 7"));
        assert!(text.contains("cobrowse_store_failing 1"));
        assert!(text.contains("cobrowse_store_write_retries_total 0"));
        assert!(text.contains("cobrowse_customer_messages_dropped_total{kind=\"page_visit\"} 1"));
        assert!(text.contains("cobrowse_auto_masked_total{kind=\"card_number\"} 2"));
        assert!(text.contains("cobrowse_auto_masked_total{kind=\"bearer_token\"} 1"));
        assert!(text.contains("cobrowse_sessions_live 2"));
        assert!(text.contains("cobrowse_sessions_waiting 1"));
        assert!(text.contains("cobrowse_frames_routed_total 3"));
        assert!(text.contains("cobrowse_routing_seconds_bucket{le=\"0.00005\"} 1"));
        assert!(text.contains("cobrowse_routing_seconds_bucket{le=\"0.001\"} 2"));
        assert!(text.contains("cobrowse_routing_seconds_bucket{le=\"+Inf\"} 3"));
        assert!(text.contains("cobrowse_routing_seconds_count 3"));
    }
}
