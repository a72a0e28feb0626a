//! The access log: one line per HTTP request (method, path without its query, status,
//! duration) and one per WebSocket when it closes (its role and how long it was open), under
//! the target `access` (`COBROWSE_LOG=info,access=off` turns it off). The query is never logged:
//! the proxy's carries a customer's stylesheet URL, and the console's fragment never reaches a
//! server anyway.

use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

/// The middleware: wraps every route of a router (`axum::middleware::from_fn(access_log)`).
pub async fn access_log(request: Request, next: Next) -> Response {
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    let start = Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        target: "access",
        %method,
        path,
        status = response.status().as_u16(),
        duration_ms = millis(start),
        "request"
    );
    response
}

fn millis(since: Instant) -> f64 {
    (since.elapsed().as_secs_f64() * 1e6).round() / 1e3
}

/// One WebSocket, counted in `cobrowse_connections{role}` while open and logged when dropped
/// (however its loop ended).
#[must_use = "counted until dropped: keep it for the socket's life"]
pub struct SocketLog {
    role: &'static str,
    opened: Instant,
    open_now: prometheus::IntGauge,
}

impl SocketLog {
    pub fn open(metrics: &crate::metrics::Metrics, role: &'static str) -> Self {
        let open_now = metrics.connections.with_label_values(&[role]);
        open_now.inc();
        Self {
            role,
            opened: Instant::now(),
            open_now,
        }
    }
}

impl Drop for SocketLog {
    fn drop(&mut self) {
        self.open_now.dec();
        tracing::info!(
            target: "access",
            role = self.role,
            duration_ms = millis(self.opened),
            "websocket closed"
        );
    }
}
