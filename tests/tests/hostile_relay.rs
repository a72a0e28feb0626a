//! A relay that turns hostile. Each key exchange it answers with a guess of the 4 secret digits
//! lets it check that guess offline against the customer's confirmation, so:
//! - posing as an agent again and again, it gets three guesses at most before the customer's
//!   browser ends the session, whatever the relay says;
//! - with the real code (a genuine agent behind it), it cannot alternate guesses with genuine
//!   exchanges to reset that count, nor make a verified customer key again with it: announcing
//!   a new agent is ignored, and an exchange after a verified one must prove it comes from the
//!   same agent, which the relay cannot.

use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use cobrowse_e2e::*;
use shared_protocol::crypto::{Handshake, Opener};
use shared_protocol::key_guard::KeyGuard;
use shared_protocol::page::CustomerPageMsg;
use shared_protocol::privacy::PrivacyRules;
use shared_protocol::{
    decode_payload, CustomerMsg, Delivery, Envelope, JoinCode, KeyExchange, RelayMsg, Role,
};
use tokio::sync::{mpsc, oneshot, Mutex};

const ROUTING: u32 = 4242;
const SESSION_ID: [u8; 16] = [5; 16];

/// What the customer's browser gave the hostile relay.
#[derive(Debug, Default)]
struct Seen {
    /// Confirmations sent in exchanges the relay answered with a wrong guess.
    guess_confirmations: u32,
    /// Exchanges started after the first genuine one (each a chance to guess).
    exchanges_after_genuine: u32,
    /// The customer's browser said it gave up (VerificationFailed) or closed.
    gave_up: bool,
}

/// An attack under way; it reports what it saw.
type Attacking = std::pin::Pin<Box<dyn std::future::Future<Output = Seen> + Send>>;

/// How the relay attacks, given the code the customer reads out (the test reads it off the
/// page, as an agent in league with the relay would hear it).
type Attack = fn(WebSocket, oneshot::Receiver<u16>) -> Attacking;

#[derive(Clone)]
struct Evil {
    real_relay: String,
    attack: Attack,
    code: std::sync::Arc<Mutex<Option<oneshot::Receiver<u16>>>>,
    done: mpsc::Sender<Seen>,
}

fn frame(msg: RelayMsg) -> Message {
    Message::Binary(
        Envelope::new(ROUTING, Delivery::Reliable, 0, msg)
            .encode()
            .into(),
    )
}

async fn next_envelope(ws: &mut WebSocket) -> Option<Envelope<CustomerMsg>> {
    loop {
        match tokio::time::timeout(Duration::from_secs(15), ws.recv())
            .await
            .ok()??
        {
            Ok(Message::Binary(b)) => {
                let env = Envelope::<CustomerMsg>::decode(&b).ok()?;
                match env.msg {
                    CustomerMsg::Heartbeat { .. } | CustomerMsg::PageVisit(_) => continue,
                    _ => return Some(env),
                }
            }
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

async fn next_customer_msg(ws: &mut WebSocket) -> Option<CustomerMsg> {
    next_envelope(ws).await.map(|e| e.msg)
}

/// Waits for the customer's SPAKE2 message (exchange id, message, proof); `None` when it gave
/// up instead.
async fn customer_spake(ws: &mut WebSocket, seen: &mut Seen) -> Option<(u64, Vec<u8>, Vec<u8>)> {
    loop {
        match next_customer_msg(ws).await {
            Some(CustomerMsg::Key(KeyExchange::Spake {
                exchange,
                message,
                proof,
            })) => return Some((exchange, message, proof)),
            Some(CustomerMsg::VerificationFailed) | Some(CustomerMsg::Exit) | None => {
                seen.gave_up = true;
                return None;
            }
            Some(_) => continue,
        }
    }
}

async fn send(ws: &mut WebSocket, msg: RelayMsg) -> Option<()> {
    ws.send(frame(msg)).await.ok()
}

/// Answers exchange `exchange` as an agent with `guess`, without proof; true when the customer
/// sent its confirmation (an offline guess for the relay).
async fn answer_with_guess(ws: &mut WebSocket, exchange: u64, guess: u16) -> Option<bool> {
    let message = Handshake::start(Role::Agent, guess, SESSION_ID)
        .message()
        .to_vec();
    send(
        ws,
        RelayMsg::Key(KeyExchange::Spake {
            exchange,
            message,
            proof: vec![],
        }),
    )
    .await?;
    loop {
        match next_customer_msg(ws).await? {
            CustomerMsg::Key(KeyExchange::Confirm { .. }) => return Some(true),
            CustomerMsg::VerificationFailed | CustomerMsg::Key(_) => return Some(false),
            // Page frames of a stream still running: not an answer.
            _ => continue,
        }
    }
}

async fn created(ws: &mut WebSocket) -> Option<()> {
    let Some(CustomerMsg::Create { .. }) = next_customer_msg(ws).await else {
        return None;
    };
    send(
        ws,
        RelayMsg::Created {
            session_id: SESSION_ID,
            routing: ROUTING,
            resume_token: [1; 16],
        },
    )
    .await?;
    // As the real relay does: the privacy rules, without which nothing is captured.
    send(ws, RelayMsg::Privacy(vec![PrivacyRules::default()])).await
}

/// Poses as a new agent up to 10 times, each time answering with a guess.
fn guesses_only(mut ws: WebSocket, _code: oneshot::Receiver<u16>) -> Attacking {
    Box::pin(async move {
        let mut seen = Seen::default();
        if created(&mut ws).await.is_none() {
            return seen;
        }
        for guess in 0u16..10 {
            if send(&mut ws, RelayMsg::AgentJoined).await.is_none() {
                break;
            }
            let Some((exchange, ..)) = customer_spake(&mut ws, &mut seen).await else {
                break;
            };
            match answer_with_guess(&mut ws, exchange, guess).await {
                Some(true) => seen.guess_confirmations += 1,
                Some(false) => {}
                None => break,
            }
        }
        seen
    })
}

/// The genuine agent's side, as its console keeps it.
#[derive(Default)]
struct Agent {
    guard: KeyGuard,
    opener: Option<Opener>,
    /// The newest snapshot epoch it opened under the current keys.
    epoch: u32,
}

impl Agent {
    /// Opens a page frame; true when it completes a snapshot newer than any before.
    fn new_snapshot(&mut self, env: &Envelope<CustomerMsg>) -> bool {
        let (Some(opener), CustomerMsg::Sealed(bytes)) = (&mut self.opener, &env.msg) else {
            return false;
        };
        let Ok(plain) = opener.open(env.session, env.delivery, env.seq, bytes) else {
            return false;
        };
        match decode_payload::<CustomerPageMsg>(&plain) {
            Ok(CustomerPageMsg::Snapshot(snap)) if snap.epoch > self.epoch => {
                self.epoch = snap.epoch;
                true
            }
            _ => false,
        }
    }
}

/// With the real code heard by an agent in league: one genuine exchange, then six rounds that
/// each try for a guess and go back to a genuine exchange (which used to wipe the count). Even
/// rounds announce a new agent; odd rounds tell the customer verification failed and the agent
/// is back.
fn alternating(mut ws: WebSocket, code: oneshot::Receiver<u16>) -> Attacking {
    Box::pin(async move {
        let mut seen = Seen::default();
        let mut agent = Agent::default();
        if created(&mut ws).await.is_none() {
            return seen;
        }
        let Ok(secret) = code.await else { return seen };
        if send(&mut ws, RelayMsg::AgentJoined).await.is_none()
            || genuine(&mut ws, secret, &mut agent, &mut seen)
                .await
                .is_none()
        {
            return seen;
        }
        for round in 0u16..6 {
            let trigger = if round % 2 == 0 {
                vec![RelayMsg::AgentJoined]
            } else {
                vec![
                    RelayMsg::VerificationFailed { attempts_left: 2 },
                    RelayMsg::PeerBack,
                ]
            };
            // A snapshot request follows as a marker: a new snapshot before any exchange shows
            // the customer did not answer the trigger with one.
            for msg in trigger.into_iter().chain([RelayMsg::SnapshotNeeded]) {
                if send(&mut ws, msg).await.is_none() {
                    return seen;
                }
            }
            let exchange = loop {
                let Some(env) = next_envelope(&mut ws).await else {
                    seen.gave_up = true;
                    return seen;
                };
                if agent.new_snapshot(&env) {
                    break None;
                }
                match env.msg {
                    CustomerMsg::Key(KeyExchange::Spake { exchange, .. }) => break Some(exchange),
                    CustomerMsg::VerificationFailed | CustomerMsg::Exit => {
                        seen.gave_up = true;
                        return seen;
                    }
                    _ => continue,
                }
            };
            let Some(exchange) = exchange else { continue };
            seen.exchanges_after_genuine += 1;
            let guess = (secret + 1 + round) % 10_000;
            match answer_with_guess(&mut ws, exchange, guess).await {
                Some(true) => seen.guess_confirmations += 1,
                Some(false) => {}
                None => return seen,
            }
            // Back to a genuine exchange: announce the agent (the old code keyed again on that)
            // and say it is back (the new code keys again on that, from no keys).
            for msg in [RelayMsg::AgentJoined, RelayMsg::PeerBack] {
                if send(&mut ws, msg).await.is_none() {
                    return seen;
                }
            }
            if genuine(&mut ws, secret, &mut agent, &mut seen)
                .await
                .is_none()
            {
                return seen;
            }
        }
        seen
    })
}

/// A genuine exchange as the real agent's console runs it (the relay only carries it): the
/// agent's guard checks the customer's proof and proves itself in turn.
async fn genuine(
    ws: &mut WebSocket,
    secret: u16,
    agent: &mut Agent,
    seen: &mut Seen,
) -> Option<()> {
    let (exchange, theirs, proof) = customer_spake(ws, seen).await?;
    agent
        .guard
        .admit(Role::Customer, exchange, &theirs, &proof)
        .ok()?;
    let handshake = Handshake::start(Role::Agent, secret, SESSION_ID);
    let message = handshake.message().to_vec();
    let proof = agent.guard.proof(Role::Agent, exchange, &message);
    let agreed = handshake.finish(&theirs).ok()?;
    send(
        ws,
        RelayMsg::Key(KeyExchange::Spake {
            exchange,
            message,
            proof,
        }),
    )
    .await?;
    agent.guard.confirming();
    let mac = agreed.confirmation();
    send(ws, RelayMsg::Key(KeyExchange::Confirm { exchange, mac })).await?;
    loop {
        match next_customer_msg(ws).await? {
            CustomerMsg::Key(KeyExchange::Confirm { mac, .. }) => {
                let rekey = agreed.rekey_key();
                let (_, opener) = agreed.confirm(&mac).ok()?;
                agent.guard.confirmed(rekey);
                // A new stream under the new keys: its epochs start again.
                agent.opener = Some(opener);
                agent.epoch = 0;
                break;
            }
            CustomerMsg::VerificationFailed => {
                seen.gave_up = true;
                return None;
            }
            _ => continue,
        }
    }
    // The verified page streams its snapshot: once it is in, a newer one can only answer a
    // later request.
    loop {
        if agent.new_snapshot(&next_envelope(ws).await?) {
            return Some(());
        }
    }
}

async fn customer_ws(ws: WebSocketUpgrade, State(evil): State<Evil>) -> Response {
    let code = evil.code.lock().await.take();
    ws.on_upgrade(move |socket| async move {
        let Some(code) = code else { return };
        let seen = (evil.attack)(socket, code).await;
        let _ = evil.done.send(seen).await;
    })
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

/// Serves the demo site with its snippet pointing at a hostile relay running `attack`; the
/// customer starts co-browse and the attack's findings come back when it ends.
async fn under_attack(
    h: &Harness,
    customer: &thirtyfour::WebDriver,
    attack: Attack,
) -> TestResult<Seen> {
    let (code_tx, code_rx) = oneshot::channel();
    let (done_tx, mut done_rx) = mpsc::channel(1);
    let evil = Evil {
        real_relay: h.started.relay_url.clone(),
        attack,
        code: std::sync::Arc::new(Mutex::new(Some(code_rx))),
        done: done_tx,
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

async fn the_session_ends_as_unverifiable(customer: &thirtyfour::WebDriver) -> TestResult {
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
    .await
}

async fn three_guesses_at_most(h: &Harness, customer: &thirtyfour::WebDriver) -> TestResult {
    let seen = under_attack(h, customer, guesses_only).await?;
    assert_eq!(seen.guess_confirmations, 3, "three guesses at most");
    assert!(seen.gave_up, "the customer refused a fourth exchange");
    the_session_ends_as_unverifiable(customer).await
}

async fn no_guess_after_verification(h: &Harness, customer: &thirtyfour::WebDriver) -> TestResult {
    let seen = under_attack(h, customer, alternating).await?;
    assert_eq!(
        seen.guess_confirmations, 0,
        "no confirmation for an exchange the relay answered once keys were verified: {seen:?}"
    );
    assert!(
        seen.exchanges_after_genuine >= 1,
        "the test reached the re-keying path: {seen:?}"
    );
    assert!(
        seen.gave_up,
        "refused exchanges count until the session ends"
    );
    the_session_ends_as_unverifiable(customer).await
}

/// One customer browser against a hostile relay; stopped whether the flow passed or not.
macro_rules! hostile {
    ($name:ident, $flow:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let h = Harness::start().await;
            let customer = h.browser().await;
            let result = $flow(&h, &customer).await;
            h.finish(vec![customer]).await;
            if let Err(e) = result {
                panic!("{e}");
            }
        }
    };
}

hostile!(
    a_hostile_relay_gets_three_guesses_at_most,
    three_guesses_at_most
);
hostile!(
    genuine_exchanges_do_not_buy_a_hostile_relay_more_guesses,
    no_guess_after_verification
);
