//! What `GET /metrics` exposes, in the Prometheus text format, through the `prometheus` crate.
//! The names follow what the reference product reports: routing time in the relay (its
//! ServerResponseTime), the agent's render latency (its SlaveRenderLatency) and sessions nobody
//! joined (InactiveSessions); and Prometheus's conventions (`_total`, `_seconds`, `_bytes`).
//! The process's own (`process_*`: CPU, memory, open descriptors) come with them on Linux.

use std::sync::Arc;

use prometheus::{
    Encoder, HistogramOpts, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};
use shared_protocol::agent_control::{Refusal, RefusedCounts};

use crate::store::writer::WriterStatus;

/// Upper bounds of the routing latency buckets, in seconds.
const ROUTING_BUCKETS: [f64; 9] = [
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.05,
];
/// Upper bounds of the render latency buckets, in seconds.
const RENDER_BUCKETS: [f64; 10] = [
    0.000_5, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0,
];

/// A latency histogram fed in microseconds, exposed in seconds.
pub struct Histogram(prometheus::Histogram);

impl Histogram {
    pub fn observe(&self, micros: u64) {
        self.0.observe(micros as f64 / 1e6);
    }
}

pub struct Metrics {
    registry: Registry,
    pub sessions_created: IntCounter,
    pub sessions_joined: IntCounter,
    /// Sessions that ended without an agent ever joining.
    pub sessions_never_joined: IntCounter,
    pub sessions_ended: IntCounter,
    /// Sessions this node took over from a node that died or drained.
    pub sessions_taken_over: IntCounter,
    pub frames_routed: IntCounter,
    pub bytes_routed: IntCounter,
    pub frames_dropped: IntCounter,
    /// Texts masked by the customers' last line of defence, by kind.
    auto_masked: IntCounterVec,
    /// Agent messages the customers' modules refused, by reason.
    refused: IntCounterVec,
    /// The store writer's queue and failures (shared with the writer), read at each scrape.
    pub store_writer: Arc<WriterStatus>,
    store_shed: IntCounter,
    store_retries: IntCounter,
    store_waiting: IntGauge,
    store_failing: IntGauge,
    /// Customer messages dropped over their per-session rate: page visits, mode changes.
    pub page_visits_dropped: IntCounter,
    pub mode_changes_dropped: IntCounter,
    /// Connections and session creations refused by the per-client limits.
    pub connections_refused: IntCounter,
    pub sessions_refused: IntCounter,
    /// WebSockets open now, by role (`customer`, `agent`).
    pub connections: IntGaugeVec,
    live: IntGauge,
    waiting: IntGauge,
    pub routing: Histogram,
    pub render: Histogram,
}

/// Registers what `make` makes in `registry`. Names and help texts are constants: a failure
/// here is a programming error caught by the tests.
struct Maker<'a>(&'a Registry);

impl Maker<'_> {
    fn counter(&self, name: &str, help: &str) -> IntCounter {
        self.register(IntCounter::new(name, help).expect("a valid counter"))
    }

    fn counters(&self, name: &str, help: &str, label: &str) -> IntCounterVec {
        self.register(IntCounterVec::new(Opts::new(name, help), &[label]).expect("a counter"))
    }

    fn gauge(&self, name: &str, help: &str) -> IntGauge {
        self.register(IntGauge::new(name, help).expect("a valid gauge"))
    }

    fn gauges(&self, name: &str, help: &str, label: &str) -> IntGaugeVec {
        self.register(IntGaugeVec::new(Opts::new(name, help), &[label]).expect("a gauge"))
    }

    fn histogram(&self, name: &str, help: &str, buckets: &[f64]) -> Histogram {
        let opts = HistogramOpts::new(name, help).buckets(buckets.to_vec());
        Histogram(self.register(prometheus::Histogram::with_opts(opts).expect("a histogram")))
    }

    fn register<C: prometheus::core::Collector + Clone + 'static>(&self, c: C) -> C {
        self.0
            .register(Box::new(c.clone()))
            .expect("each metric registered once");
        c
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let registry = Registry::new();
        #[cfg(target_os = "linux")]
        let _ = registry.register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ));
        let m = Maker(&registry);
        let build = m.gauges(
            "cobrowse_build_info",
            "The relay's version (always 1).",
            "version",
        );
        build.with_label_values(&[env!("CARGO_PKG_VERSION")]).set(1);
        let dropped = m.counters(
            "cobrowse_customer_messages_dropped_total",
            "Page visits and mode changes not recorded because their session sent more than \
             page_visits_per_minute or mode_changes_per_minute.",
            "kind",
        );
        let connections = m.gauges(
            "cobrowse_connections",
            "WebSockets open now, by role.",
            "role",
        );
        for role in ["customer", "agent"] {
            connections.with_label_values(&[role]).set(0);
        }
        let metrics = Self {
            sessions_created: m.counter(
                "cobrowse_sessions_created_total",
                "Sessions created by customers.",
            ),
            sessions_joined: m.counter(
                "cobrowse_sessions_joined_total",
                "Sessions an agent joined.",
            ),
            sessions_never_joined: m.counter(
                "cobrowse_sessions_never_joined_total",
                "Sessions that ended without an agent (the reference's InactiveSessions).",
            ),
            sessions_ended: m.counter("cobrowse_sessions_ended_total", "Sessions ended."),
            sessions_taken_over: m.counter(
                "cobrowse_sessions_taken_over_total",
                "Sessions this node took over from a node that died or drained.",
            ),
            frames_routed: m.counter("cobrowse_frames_routed_total", "Sealed frames forwarded."),
            bytes_routed: m.counter(
                "cobrowse_routed_bytes_total",
                "Bytes of sealed payload forwarded.",
            ),
            frames_dropped: m.counter(
                "cobrowse_frames_dropped_total",
                "Ephemeral frames dropped for a slow receiver.",
            ),
            auto_masked: m.counters(
                "cobrowse_auto_masked_total",
                "Texts the customer module masked without a rule (they looked like card \
                 numbers, SSNs or bearer tokens): mark these fields.",
                "kind",
            ),
            refused: m.counters(
                "cobrowse_agent_actions_refused_total",
                "Agent messages the customer's browser refused (a modified console, or stale \
                 actions), by reason.",
                "reason",
            ),
            store_writer: Arc::default(),
            store_shed: m.counter(
                "cobrowse_store_writes_shed_total",
                "Store writes dropped because the store's queue was full (store_queue).",
            ),
            store_retries: m.counter(
                "cobrowse_store_write_retries_total",
                "Store writes tried again because the store could not be reached.",
            ),
            store_waiting: m.gauge(
                "cobrowse_store_writes_waiting",
                "Store writes queued and not applied yet (at most store_queue); grows while \
                 the store is unreachable.",
            ),
            store_failing: m.gauge(
                "cobrowse_store_failing",
                "1 while store writes fail because the store (Redis) cannot be reached, else 0.",
            ),
            page_visits_dropped: dropped.with_label_values(&["page_visit"]),
            mode_changes_dropped: dropped.with_label_values(&["mode"]),
            connections_refused: m.counter(
                "cobrowse_connections_refused_total",
                "WebSockets refused because their client had connections_per_ip open.",
            ),
            sessions_refused: m.counter(
                "cobrowse_sessions_refused_total",
                "Session creations refused by sessions_per_ip_per_minute or sessions_per_second.",
            ),
            connections,
            live: m.gauge("cobrowse_sessions_live", "Sessions not yet ended."),
            waiting: m.gauge(
                "cobrowse_sessions_waiting",
                "Sessions waiting for an agent.",
            ),
            routing: m.histogram(
                "cobrowse_routing_seconds",
                "Time from a frame's arrival to its hand-off to the receiver (the reference's \
                 ServerResponseTime).",
                &ROUTING_BUCKETS,
            ),
            render: m.histogram(
                "cobrowse_agent_render_seconds",
                "Time the agent console took to apply a page frame, as it reports (the \
                 reference's SlaveRenderLatency).",
                &RENDER_BUCKETS,
            ),
            registry,
        };
        // Every label present from the start, at 0, so dashboards see the series.
        for kind in ["card_number", "ssn", "bearer_token"] {
            metrics.auto_masked.with_label_values(&[kind]);
        }
        for reason in Refusal::ALL {
            metrics.refused.with_label_values(&[reason.as_str()]);
        }
        metrics
    }
}

pub fn bump(counter: &IntCounter, by: u64) {
    counter.inc_by(by);
}

impl Metrics {
    /// Counts what a customer's last line of defence masked.
    pub fn auto_masked(&self, found: &shared_protocol::AutoMaskedCounts) {
        for (kind, n) in [
            ("card_number", found.card_numbers),
            ("ssn", found.ssns),
            ("bearer_token", found.bearer_tokens),
        ] {
            self.auto_masked.with_label_values(&[kind]).inc_by(n.into());
        }
    }

    /// Counts agent messages a customer module refused (outside write mode, on restricted
    /// elements, outside the site...).
    pub fn refused(&self, counts: &RefusedCounts) {
        for (reason, n) in counts.iter() {
            let counter = self.refused.with_label_values(&[reason.as_str()]);
            counter.inc_by(n.into());
        }
    }

    /// The Prometheus exposition, with the live gauges given by the caller.
    pub fn render(&self, live: usize, waiting: usize) -> String {
        self.live.set(live as i64);
        self.waiting.set(waiting as i64);
        let store = &self.store_writer;
        // The writer counts in its own atomics; the counters catch up to them here.
        self.store_shed
            .inc_by(store.shed().saturating_sub(self.store_shed.get()));
        self.store_retries
            .inc_by(store.retries().saturating_sub(self.store_retries.get()));
        self.store_waiting.set(store.waiting() as i64);
        self.store_failing.set(i64::from(store.failing().is_some()));
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

#[cfg(test)]
#[path = "metrics_tests.rs"]
mod tests;
