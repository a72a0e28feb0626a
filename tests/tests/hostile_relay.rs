//! A relay that turns hostile: it poses as an agent again and again, answering each key
//! exchange with a new guess of the 4 secret digits (each answer lets it check one guess
//! offline against the customer's confirmation). The customer's browser must stop after
//! three unconfirmed exchanges, whatever the relay says, and never send page content.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use cobrowse_e2e::*;
use shared_protocol::crypto::Handshake;
use shared_protocol::{CustomerMsg, Delivery, Envelope, KeyExchange, RelayMsg, Role};

#[derive(Default)]
struct Seen {
    confirmations: u32,
    sealed_frames: u32,
    gave_up: bool,
}

#[derive(Clone)]
struct Evil {
    real_relay: String,
    seen: Arc<Mutex<Seen>>,
}

fn frame(msg: RelayMsg) -> Message {
    Message::Binary(
        Envelope::new(4242, Delivery::Reliable, 0, msg)
            .encode()
            .into(),
    )
}

async fn next_customer_msg(ws: &mut WebSocket) -> Option<CustomerMsg> {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.recv())
            .await
            .ok()??
        {
            Ok(Message::Binary(b)) => {
                return Envelope::<CustomerMsg>::decode(&b).ok().map(|e| e.msg)
            }
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

/// Poses as a new agent up to 10 times; each time answers the customer's exchange with a guess.
async fn attack(mut ws: WebSocket, seen: Arc<Mutex<Seen>>) {
    let session_id = [5u8; 16];
    let Some(CustomerMsg::Create { .. }) = next_customer_msg(&mut ws).await else {
        return;
    };
    let created = RelayMsg::Created {
        session_id,
        routing: 4242,
        resume_token: [1; 16],
    };
    if ws.send(frame(created)).await.is_err() {
        return;
    }
    for guess in 0u16..10 {
        if ws.send(frame(RelayMsg::AgentJoined)).await.is_err() {
            break;
        }
        // The customer's SPAKE2 message, then ours with the guess, then its confirmation.
        let exchange = loop {
            match next_customer_msg(&mut ws).await {
                Some(CustomerMsg::Key(KeyExchange::Spake { exchange, .. })) => {
                    break Some(exchange)
                }
                Some(CustomerMsg::Heartbeat { .. }) => continue,
                Some(CustomerMsg::Sealed(_)) => seen.lock().unwrap().sealed_frames += 1,
                Some(CustomerMsg::VerificationFailed) | Some(CustomerMsg::Exit) | None => {
                    break None
                }
                Some(_) => continue,
            }
        };
        let Some(exchange) = exchange else {
            seen.lock().unwrap().gave_up = true;
            break;
        };
        let ours = Handshake::start(Role::Agent, guess, session_id)
            .message()
            .to_vec();
        let spake = RelayMsg::Key(KeyExchange::Spake {
            exchange,
            message: ours,
        });
        if ws.send(frame(spake)).await.is_err() {
            break;
        }
        if let Some(CustomerMsg::Key(KeyExchange::Confirm { .. })) =
            next_customer_msg(&mut ws).await
        {
            seen.lock().unwrap().confirmations += 1;
        }
        // Never confirm back: just try the next guess.
    }
    let _ = ws.send(Message::Close(None)).await;
}

async fn customer_ws(ws: WebSocketUpgrade, State(evil): State<Evil>) -> Response {
    ws.on_upgrade(move |socket| attack(socket, evil.seen.clone()))
}

/// The loader and bundles come from the real relay, unchanged.
async fn proxied(State(evil): State<Evil>, Path(path): Path<String>) -> Response {
    let url = format!("{}/{path}", evil.real_relay);
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

async fn stops_after_three_unconfirmed_exchanges(
    h: &Harness,
    customer: &thirtyfour::WebDriver,
) -> TestResult {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let evil = Evil {
        real_relay: h.started.relay_url.clone(),
        seen: seen.clone(),
    };
    let evil_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let evil_url = format!("http://{}", evil_listener.local_addr()?);
    let evil_app = Router::new()
        .route("/ws/customer", get(customer_ws))
        .route("/{*path}", get(proxied))
        .with_state(evil);
    tokio::spawn(async move { axum::serve(evil_listener, evil_app).await });
    // The same demo site, with its snippet pointing at the hostile relay.
    let www = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../www");
    let site_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let site_url = format!("http://{}", site_listener.local_addr()?);
    let site = cobrowse_relay::demo::app(www, evil_url);
    tokio::spawn(async move { axum::serve(site_listener, site).await });

    customer.goto(&format!("{site_url}/")).await?;
    let start = eventually("the co-browse button", START, || async {
        widget(customer, "start").await.ok()
    })
    .await?;
    start.click().await?;
    widget(customer, "confirm").await?.click().await?;
    eventually(
        "the customer's browser to end the session",
        START,
        || async {
            widget_text(customer, "status")
                .await
                .contains("could not be verified")
                .then_some(())
        },
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let seen = seen.lock().unwrap();
    assert_eq!(seen.confirmations, 3, "three guesses at most");
    assert_eq!(
        seen.sealed_frames, 0,
        "no page content to an unverified agent"
    );
    assert!(seen.gave_up, "the customer refused a fourth exchange");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_relay_gets_three_guesses_at_most() {
    let h = Harness::start().await;
    let customer = h.browser().await;
    let result = stops_after_three_unconfirmed_exchanges(&h, &customer).await;
    h.finish(vec![customer]).await;
    if let Err(e) = result {
        panic!("{e}");
    }
}
