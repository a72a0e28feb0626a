//! Sends each ended session's report to the configured sinks: a JSONL file (one report a
//! line), an HTTP webhook (JSON POST, retried with backoff) and/or a Redis Stream
//! ([`crate::report_stream`], its own task). Reports are queued, so a slow webhook or Redis
//! never holds up a session.

use std::path::PathBuf;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

use crate::report::SessionReport;
use crate::report_stream::{self, StreamSink};

/// Webhook attempts per report, and the wait before the first retry (doubling after).
const WEBHOOK_ATTEMPTS: u32 = 4;
const FIRST_RETRY: Duration = Duration::from_millis(500);

pub struct Reporter {
    tx: std::sync::Mutex<Option<mpsc::UnboundedSender<SessionReport>>>,
}

impl Reporter {
    /// Starts the sink task; with no sink configured, reports are not sent anywhere.
    pub fn start(
        file: Option<PathBuf>,
        webhook: Option<String>,
        stream: Option<StreamSink>,
    ) -> (Self, Option<tokio::task::JoinHandle<()>>) {
        if file.is_none() && webhook.is_none() && stream.is_none() {
            return (
                Self {
                    tx: Default::default(),
                },
                None,
            );
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(run(rx, file, webhook, stream));
        (
            Self {
                tx: std::sync::Mutex::new(Some(tx)),
            },
            Some(task),
        )
    }

    /// A sender for other threads (the store writer); `None` without sinks.
    pub fn sender(&self) -> Option<mpsc::UnboundedSender<SessionReport>> {
        self.tx.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Stops taking reports; the task ends after sending the queued ones.
    pub fn close(&self) {
        self.tx.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

async fn run(
    mut rx: mpsc::UnboundedReceiver<SessionReport>,
    file: Option<PathBuf>,
    webhook: Option<String>,
    stream: Option<StreamSink>,
) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("an HTTP client");
    let stream = stream.map(report_stream::start);
    while let Some(report) = rx.recv().await {
        if let Some((tx, _)) = &stream {
            if tx.try_send(report.clone()).is_err() {
                tracing::error!(session = %report.session_id, "report stream queue full: report dropped");
            }
        }
        if file.is_none() && webhook.is_none() {
            continue;
        }
        let line = match serde_json::to_string(&report) {
            Ok(l) => l,
            Err(e) => {
                tracing::error!(error = %e, "cannot serialize a report");
                continue;
            }
        };
        if let Some(path) = &file {
            if let Err(e) = append_line(path, &line).await {
                tracing::error!(path = %path.display(), error = %e, "cannot write the report file");
            }
        }
        if let Some(url) = &webhook {
            post_with_retries(&client, url, line).await;
        }
    }
    // The stream's task ends once its queue is drained.
    if let Some((tx, task)) = stream {
        drop(tx);
        let _ = task.await;
    }
}

async fn append_line(path: &PathBuf, line: &str) -> std::io::Result<()> {
    let mut f = tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .await?;
    f.write_all(format!("{line}\n").as_bytes()).await?;
    f.flush().await
}

async fn post_with_retries(client: &reqwest::Client, url: &str, body: String) {
    let mut wait = FIRST_RETRY;
    for attempt in 1..=WEBHOOK_ATTEMPTS {
        let result = client
            .post(url)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await;
        match result {
            Ok(r) if r.status().is_success() => return,
            Ok(r) => tracing::warn!(status = %r.status(), attempt, "report webhook refused"),
            Err(e) => tracing::warn!(error = %e.without_url(), attempt, "report webhook failed"),
        }
        if attempt < WEBHOOK_ATTEMPTS {
            tokio::time::sleep(wait).await;
            wait *= 2;
        }
    }
    // A webhook's query may carry its secret.
    let url = crate::stored_text::url_for_log(url);
    tracing::error!(%url, "report dropped after {WEBHOOK_ATTEMPTS} webhook attempts");
}
