//! The browser side of the benchmarks: a static server for the bench pages, rrweb and the
//! bench bundles, and a [`Lab`] that runs one measurement per fresh page load in headless
//! Chromium.
//!
//! - [`capture`]: C1–C4, B1–B2 (capture time, long tasks, overhead, memory, bytes).
//! - [`view`]: V1–V2 (rebuild and incremental apply in the agent's view).
//! - [`bundle`]: C5 (what the customer's page downloads, brotli).
//! - [`startup`]: P0a–c (a page view without a session; the press to the code).
//! - [`latency`]: E1 (customer mutation to agent paint, through the relay).

pub mod bundle;
pub mod capture;
pub mod latency;
pub mod startup;
pub mod storm;
pub mod view;

use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::extract::{Path as UrlPath, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::Value;
use thirtyfour::{TimeoutConfiguration, WebDriver};
use tokio::net::TcpListener;
use tokio::process::Child;

use crate::{BenchResult, Ctx};

/// Where each URL prefix of the bench server is read from.
#[derive(Clone)]
struct Roots {
    pages: PathBuf,
    node_modules: PathBuf,
    dist: PathBuf,
}

async fn serve(
    State(roots): State<Roots>,
    UrlPath((root, rest)): UrlPath<(String, String)>,
) -> Response {
    let base = match root.as_str() {
        "pages" => &roots.pages,
        "node_modules" => &roots.node_modules,
        "dist" => &roots.dist,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    if rest.split('/').any(|part| part == "..") {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let path = base.join(&rest);
    match tokio::fs::read(&path).await {
        Ok(body) => ([(header::CONTENT_TYPE, mime(&path))], body).into_response(),
        Err(_) => (StatusCode::NOT_FOUND, format!("no {}", path.display())).into_response(),
    }
}

fn mime(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        // rrweb's browser builds end in .cjs.
        "js" | "cjs" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

/// A chromedriver, one Chromium with its own profile, and the bench server.
pub struct Lab {
    pub driver: WebDriver,
    pub base: String,
    _chromedriver: Child,
    _profile: tempfile::TempDir,
    server: tokio::task::JoinHandle<()>,
}

impl Lab {
    pub async fn start(ctx: &Ctx) -> BenchResult<Self> {
        let dist = ctx.root.join("target/bench-dist");
        if !dist.join("master/master_wasm.js").exists() {
            return Err(
                "the bench bundles are missing: run `make bench` (it builds target/bench-dist)"
                    .into(),
            );
        }
        if !ctx.node_modules().join("rrweb/package.json").exists() {
            return Err("rrweb is missing: run `make bench` (npm ci in bench/node)".into());
        }
        let roots = Roots {
            pages: ctx.root.join("bench/pages"),
            node_modules: ctx.node_modules(),
            dist,
        };
        let app = Router::new()
            .route("/{root}/{*rest}", get(serve))
            .with_state(roots);
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let (chromedriver, url) = cobrowse_e2e::start_chromedriver().await;
        let profile = tempfile::tempdir()?;
        // gc() and unrounded heap sizes for the memory figures.
        let flags = ["--js-flags=--expose-gc", "--enable-precise-memory-info"];
        let driver = cobrowse_e2e::chromium(&url, (1280, 900), &flags, profile.path()).await;
        driver
            .update_timeouts(TimeoutConfiguration::new(
                Some(Duration::from_secs(300)),
                Some(Duration::from_secs(60)),
                None,
            ))
            .await?;
        Ok(Self {
            driver,
            base,
            _chromedriver: chromedriver,
            _profile: profile,
            server,
        })
    }

    /// Loads a fresh bench page and runs `window.bench.<call>`, returning what it resolves to.
    pub async fn measure(&self, call: &str) -> BenchResult<Value> {
        self.driver
            .goto(&format!("{}/pages/capture.html", self.base))
            .await?;
        self.then(call).await
    }

    /// Runs `window.bench.<call>` on the page as the last call left it (a long workload in
    /// parts: each WebDriver request must answer within two minutes).
    pub async fn then(&self, call: &str) -> BenchResult<Value> {
        let script = format!(
            "return (async () => {{
               for (let i = 0; i < 500 && !window.bench; i++) await new Promise(r => setTimeout(r, 10));
               if (!window.bench) throw new Error('the bench page did not load');
               return await window.bench.{call};
             }})();"
        );
        let value = self.driver.execute(&script, vec![]).await?;
        Ok(value.json().clone())
    }

    pub async fn finish(self) {
        let _ = self.driver.quit().await;
        self.server.abort();
    }
}

/// The product's and the peer's names in the bench page's calls.
pub const KINDS: [&str; 2] = ["cobrowse", "rrweb"];

/// One figure's samples for the product and the peer, from interleaved repetitions.
#[derive(Default)]
pub struct Pair {
    pub product: Vec<f64>,
    pub peer: Vec<f64>,
    /// Another process loaded the machine during some repetition.
    pub busy: bool,
}

impl Pair {
    pub fn push(&mut self, kind: &str, v: f64) {
        if kind == KINDS[0] {
            self.product.push(v)
        } else {
            self.peer.push(v)
        }
    }

    /// The number `key` out of each run of [`interleave`].
    pub fn of(runs: &Runs, key: &str) -> BenchResult<Self> {
        let mut pair = Self {
            busy: runs.busy,
            ..Self::default()
        };
        for (kind, v) in &runs.results {
            pair.push(kind, num(v, key)?);
        }
        Ok(pair)
    }
}

/// What [`interleave`] gathered: each page result with the kind that produced it.
pub struct Runs {
    pub results: Vec<(&'static str, Value)>,
    pub busy: bool,
}

/// `reps` repetitions of `call(kind)`, the product then the peer each time.
pub async fn interleave(
    lab: &Lab,
    reps: usize,
    call: impl Fn(&str) -> String,
) -> BenchResult<Runs> {
    let mut runs = Runs {
        results: Vec::new(),
        busy: false,
    };
    for _ in 0..reps {
        let watch = crate::machine::LoadWatch::start();
        for kind in KINDS {
            runs.results.push((kind, lab.measure(&call(kind)).await?));
        }
        runs.busy |= watch.was_busy();
    }
    Ok(runs)
}

/// Runs `measure` in a fresh [`Lab`], which is closed whatever the outcome.
pub async fn in_lab(
    ctx: &Ctx,
    measure: impl AsyncFnOnce(&Lab) -> BenchResult<Vec<crate::report::Measure>>,
) -> BenchResult<Vec<crate::report::Measure>> {
    let lab = Lab::start(ctx).await?;
    let result = measure(&lab).await;
    lab.finish().await;
    result
}

/// A number out of a measurement's result.
pub fn num(v: &Value, key: &str) -> BenchResult<f64> {
    v[key]
        .as_f64()
        .ok_or_else(|| format!("the page's result has no number `{key}`: {v}").into())
}
