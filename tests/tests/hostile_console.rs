//! A relay that turns hostile against the agent's console. Posing as the customer, it gets one
//! check of a guess of the secret digits from each exchange the console answers, and it can
//! end the console's join whenever it likes ("verification failed"), so the agent joins again
//! with the same code. The console counts a code's failed exchanges over all its joins: three
//! guesses at most per code, however often the agent joins.

use std::time::Duration;

use cobrowse_e2e::hostile::console::{start, Join};
use cobrowse_e2e::hostile::ROUTING;
use cobrowse_e2e::*;
use shared_protocol::JoinCode;
use thirtyfour::WebDriver;

async fn joins_of_one_code(h: &Harness, agent: &WebDriver) -> TestResult {
    let (evil_url, mut joins) = start(&h.started.relay_url).await?;
    let console = h.started.agent_url.replace(&h.started.relay_url, &evil_url);
    agent.goto(&console).await?;
    let code = JoinCode {
        routing: ROUTING,
        secret: 1234,
    }
    .to_string();
    let mut seen = Vec::new();
    for _ in 0..4 {
        join_with(agent, &code).await?;
        let outcome = tokio::time::timeout(Duration::from_secs(30), joins.recv())
            .await?
            .ok_or("the hostile relay stopped")?;
        seen.push(outcome);
    }
    // The first three show the relay would see each answer; the fourth join, of the same
    // code, is refused rather than ignored (the console acted on the exchange).
    assert_eq!(
        seen,
        [
            Join::Answered,
            Join::Answered,
            Join::Answered,
            Join::Refused
        ],
        "three guesses of a code at most, however often the agent joins"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_ending_joins_gets_no_more_guesses_of_a_code() {
    let h = Harness::start().await;
    let agent = h.browser().await;
    let result = joins_of_one_code(&h, &agent).await;
    h.finish(vec![agent]).await;
    if let Err(e) = result {
        panic!("{e}");
    }
}
