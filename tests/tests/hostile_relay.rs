//! A relay that turns hostile. Each key exchange it answers with a guess of the 4 secret digits
//! lets it check that guess by whether the customer confirms back, so:
//! - posing as an agent again and again, it gets three guesses at most before the customer's
//!   browser ends the session, whatever the relay says;
//! - with the real code (a genuine agent behind it), it cannot alternate guesses with genuine
//!   exchanges to reset that count, nor make a verified customer key again with it: announcing
//!   a new agent is ignored, and an exchange after a verified one must prove it comes from the
//!   same agent, which the relay cannot.

use axum::extract::ws::WebSocket;
use cobrowse_e2e::hostile::agent::{genuine, Agent};
use cobrowse_e2e::hostile::wire::*;
use cobrowse_e2e::hostile::{under_attack, Attacking, Seen};
use cobrowse_e2e::*;
use shared_protocol::{CustomerMsg, KeyExchange, RelayMsg};
use tokio::sync::oneshot;

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
            let Some((exchange, theirs, _)) = customer_spake(&mut ws, &mut seen).await else {
                break;
            };
            match answer_with_guess(&mut ws, (exchange, &theirs), guess).await {
                Some(confirmed) => {
                    seen.guesses_checked += 1;
                    seen.guess_confirmations += u32::from(confirmed);
                }
                None => break,
            }
        }
        seen
    })
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
                    CustomerMsg::Key(KeyExchange::Spake {
                        exchange, message, ..
                    }) => break Some((exchange, message)),
                    CustomerMsg::VerificationFailed | CustomerMsg::Exit => {
                        seen.gave_up = true;
                        return seen;
                    }
                    _ => continue,
                }
            };
            let Some((exchange, theirs)) = exchange else {
                continue;
            };
            seen.exchanges_after_genuine += 1;
            // Even the right code: without the proof only the verified agent can make, the
            // customer must not confirm (which would also check a wrong guess for the relay).
            match answer_with_guess(&mut ws, (exchange, &theirs), secret).await {
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
    assert_eq!(seen.guesses_checked, 3, "three guesses at most");
    assert_eq!(seen.guess_confirmations, 0, "none of them right");
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
