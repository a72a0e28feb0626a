//! A relay that turns hostile, for the end-to-end tests of the secure channel: it serves the
//! real relay's loader and bundles, so the demo site's customer module runs unchanged, and
//! plays an attack of the test's choosing on the customer's WebSocket.
//!
//! - [`wire`]: reading the customer's messages and answering as a relay would;
//! - [`agent`]: a genuine agent's side of the key exchange, as its console runs it;
//! - [`console`]: the same against the agent's console, the relay posing as the customer.

pub mod agent;
pub mod console;
pub mod wire;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use shared_protocol::JoinCode;
use tokio::sync::{mpsc, oneshot, Mutex};

use crate::{consent_asked, eventually, widget, widget_text, Harness, TestResult, START};

/// The routing part of the code the hostile relay hands out.
pub const ROUTING: u32 = 4242;
/// The session id it hands out.
pub const SESSION_ID: [u8; 16] = [5; 16];

/// What the customer's browser gave the hostile relay.
#[derive(Debug, Default)]
pub struct Seen {
    /// Exchanges the relay answered with a guess that the customer answered back (each a
    /// guess checked: a confirmation for a right one, a failure for a wrong one).
    pub guesses_checked: u32,
    /// Confirmations sent in exchanges the relay answered (with a guess, or the right code
    /// without the verified agent's proof).
    pub guess_confirmations: u32,
    /// Exchanges started after the first genuine one (each a chance to guess).
    pub exchanges_after_genuine: u32,
    /// The customer's browser said it gave up (VerificationFailed) or closed.
    pub gave_up: bool,
}

/// An attack under way; it reports what it saw.
pub type Attacking = std::pin::Pin<Box<dyn std::future::Future<Output = Seen> + Send>>;

/// How the relay attacks, given the code the customer reads out (the test reads it off the
/// page, as an agent in league with the relay would hear it).
pub type Attack = fn(WebSocket, oneshot::Receiver<u16>) -> Attacking;

#[derive(Clone)]
struct Evil {
    real_relay: String,
    attack: Attack,
    code: Arc<Mutex<Option<oneshot::Receiver<u16>>>>,
    done: mpsc::Sender<Seen>,
}

async fn customer_ws(ws: WebSocketUpgrade, State(evil): State<Evil>) -> Response {
    let code = evil.code.lock().await.take();
    ws.on_upgrade(move |socket| async move {
        let Some(code) = code else { return };
        let seen = (evil.attack)(socket, code).await;
        let _ = evil.done.send(seen).await;
    })
}

/// Serves `app` on a port of its own on the loopback; its URL.
async fn serve(app: Router) -> TestResult<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}

/// The loader and bundles come from the real relay, unchanged.
async fn proxied(State(evil): State<Evil>, Path(path): Path<String>) -> Response {
    forward(&evil.real_relay, &path).await
}

/// `path` as the real relay at `real_relay` serves it.
async fn forward(real_relay: &str, path: &str) -> Response {
    let url = format!("{real_relay}/{path}");
    match reqwest::get(&url).await {
        Ok(r) => {
            let kind = r
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("application/octet-stream")
                .to_string();
            let body = r.bytes().await.unwrap_or_default();
            (
                [
                    ("content-type", kind),
                    ("access-control-allow-origin", "*".into()),
                ],
                body,
            )
                .into_response()
        }
        Err(_) => axum::http::StatusCode::BAD_GATEWAY.into_response(),
    }
}

/// Serves the demo site with its snippet pointing at a hostile relay running `attack`; the
/// customer starts co-browse and the attack's findings come back when it ends.
pub async fn under_attack(
    h: &Harness,
    customer: &thirtyfour::WebDriver,
    attack: Attack,
) -> TestResult<Seen> {
    let (code_tx, code_rx) = oneshot::channel();
    let (done_tx, mut done_rx) = mpsc::channel(1);
    let evil = Evil {
        real_relay: h.started.relay_url.clone(),
        attack,
        code: Arc::new(Mutex::new(Some(code_rx))),
        done: done_tx,
    };
    let evil_url = serve(
        Router::new()
            .route("/ws/customer", get(customer_ws))
            .route("/{*path}", get(proxied))
            .with_state(evil),
    )
    .await?;
    // The same demo site, with its snippet pointing at the hostile relay.
    let www = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../www");
    let site_url = serve(cobrowse_relay::demo::app(www, evil_url)).await?;

    customer.goto(&format!("{site_url}/")).await?;
    let start = eventually("the co-browse button", START, || async {
        widget(customer, "start").await.ok()
    })
    .await?;
    start.click().await?;
    consent_asked(customer).await?.click().await?;
    let code = eventually("a 9-digit code", START, || async {
        JoinCode::parse(&widget_text(customer, "code").await).ok()
    })
    .await?;
    let _ = code_tx.send(code.secret);
    let seen = tokio::time::timeout(Duration::from_secs(120), done_rx.recv())
        .await?
        .ok_or("the attack ended without a report")?;
    eprintln!("the hostile relay saw {seen:?}");
    Ok(seen)
}
