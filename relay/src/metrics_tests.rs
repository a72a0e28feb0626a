//! Tests of the metrics' text exposition.

use super::*;
use std::sync::atomic::Ordering;

#[test]
fn the_exposition_has_every_series_in_seconds() {
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
    m.store_writer.shed.fetch_add(2, Ordering::Relaxed);
    m.store_writer.waiting.fetch_add(7, Ordering::Relaxed);
    m.store_writer.fail("redis down".into());
    bump(&m.page_visits_dropped, 1);
    m.connections.with_label_values(&["agent"]).inc();
    let text = m.render(2, 1);
    for line in [
        "cobrowse_store_writes_shed_total 2",
        "cobrowse_store_writes_waiting 7",
        "cobrowse_store_failing 1",
        "cobrowse_store_write_retries_total 0",
        "cobrowse_customer_messages_dropped_total{kind=\"page_visit\"} 1",
        "cobrowse_auto_masked_total{kind=\"card_number\"} 2",
        "cobrowse_auto_masked_total{kind=\"bearer_token\"} 1",
        "cobrowse_auto_masked_total{kind=\"ssn\"} 0",
        "cobrowse_agent_actions_refused_total{reason=\"pointer_mode\"} 0",
        "cobrowse_sessions_live 2",
        "cobrowse_sessions_waiting 1",
        "cobrowse_frames_routed_total 3",
        "cobrowse_connections{role=\"agent\"} 1",
        "cobrowse_connections{role=\"customer\"} 0",
        "cobrowse_routing_seconds_bucket{le=\"0.00005\"} 1",
        "cobrowse_routing_seconds_bucket{le=\"0.001\"} 2",
        "cobrowse_routing_seconds_bucket{le=\"+Inf\"} 3",
        "cobrowse_routing_seconds_count 3",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "{line} missing in:\n{text}"
        );
    }
    let version = format!(
        "cobrowse_build_info{{version=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION")
    );
    assert!(text.contains(&version), "{text}");
    #[cfg(target_os = "linux")]
    for name in [
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_open_fds",
    ] {
        assert!(text.contains(name), "{name} missing");
    }
    // A second scrape does not count the writer's numbers twice.
    assert!(m
        .render(2, 1)
        .contains("cobrowse_store_writes_shed_total 2\n"));
}
