//! The join code's secret part and the sealed channel, end to end in headless Chromium: a wrong
//! code fails verification on both sides and can be corrected; the relay never sees page content.

use cobrowse_e2e::tap::Tap;
use cobrowse_e2e::*;
use thirtyfour::prelude::*;

/// The same routing part with different secret digits.
fn with_wrong_secret(code: &str) -> String {
    let digits: String = code.chars().filter(char::is_ascii_digit).collect();
    let secret: u32 = digits[5..].parse().unwrap();
    format!("{}{:04}", &digits[..5], (secret + 1) % 10_000)
}

async fn wrong_secret_then_right(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    let code = customer_starts(h, customer, "/").await?;
    agent_joins(h, agent, &with_wrong_secret(&code)).await?;
    eventually(
        "the agent to see the verification failure",
        START,
        || async {
            agent_status(agent)
                .await
                .contains("Verification failed")
                .then_some(())
        },
    )
    .await?;
    eventually(
        "the customer to see the verification failure",
        START,
        || async {
            widget_text(customer, "status")
                .await
                .contains("could not be verified")
                .then_some(())
        },
    )
    .await?;
    assert_eq!(
        in_view(agent, "doc.querySelectorAll('h1').length").await,
        0,
        "no page content reaches an agent with a wrong code"
    );
    // The agent corrects the code: the same session continues.
    agent
        .find(By::Css("[data-cobrowse-ui=join-code]"))
        .await?
        .clear()
        .await?;
    agent_joins(h, agent, &code).await?;
    eventually("the agent to see the page", START, || async {
        agent_status(agent).await.contains("viewing").then_some(())
    })
    .await?;
    assert_eq!(
        in_view(agent, "doc.querySelector('h1').textContent").await,
        "Banking that keeps you afloat"
    );
    // The failed join's timers ended with it: only the new session's heartbeat runs (one
    // that outlived it would acknowledge this session's frames with the old one's numbers).
    // The count includes the live heartbeat, so a leaked one would show as a second.
    eventually("one session timer alive", START, || async {
        let live = js(agent, "return window.cobrowseLiveTimers;").await;
        (live == 1).then_some(())
    })
    .await?;
    Ok(())
}

async fn relay_sees_no_page_content(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    let relay_addr = h.started.relay_url.trim_start_matches("http://").parse()?;
    let tap = Tap::start(relay_addr).await;
    let agent_url = h
        .started
        .agent_url
        .replace(&h.started.relay_url, &format!("http://{}", tap.addr));
    let code = customer_starts(h, customer, "/").await?;
    agent_joins_at(&agent_url, agent, &code).await?;
    eventually("the agent to see the page", START, || async {
        agent_status(agent).await.contains("viewing").then_some(())
    })
    .await?;
    let marker = "TAPMARKER-5150-PLAINTEXT";
    customer
        .find(By::Id("username"))
        .await?
        .send_keys(marker)
        .await?;
    eventually("the marker in the agent view", START, || async {
        (in_view(agent, "doc.querySelector('#username').value").await == marker).then_some(())
    })
    .await?;
    let seen = tap.recorded();
    assert!(
        seen.len() > 10_000,
        "the tap saw the console and the frames ({} bytes)",
        seen.len()
    );
    let contains = |needle: &str| seen.windows(needle.len()).any(|w| w == needle.as_bytes());
    // (URL and title are relay-visible by design, for the session history; page content is not.)
    for plaintext in [
        marker,
        "Banking that keeps you afloat",
        "Sign in to online banking",
    ] {
        assert!(
            !contains(plaintext),
            "the relay carried {plaintext:?} in clear"
        );
    }
    Ok(())
}

async fn agent_connection_drop_is_resumed(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    let relay_addr = h.started.relay_url.trim_start_matches("http://").parse()?;
    let tap = Tap::start(relay_addr).await;
    let agent_url = h
        .started
        .agent_url
        .replace(&h.started.relay_url, &format!("http://{}", tap.addr));
    let code = customer_starts(h, customer, "/").await?;
    agent_joins_at(&agent_url, agent, &code).await?;
    eventually("the agent to see the page", START, || async {
        agent_status(agent).await.contains("viewing").then_some(())
    })
    .await?;
    tap.cut();
    eventually("the customer to hear of the drop", START, || async {
        widget_text(customer, "status")
            .await
            .contains("dropped")
            .then_some(())
    })
    .await?;
    // Typed while the agent is away: kept by the relay and replayed on resume.
    customer
        .find(By::Id("username"))
        .await?
        .send_keys("typed-while-away")
        .await?;
    eventually(
        "the agent's view to catch up after the resume",
        START,
        || async {
            (in_view(agent, "doc.querySelector('#username').value").await == "typed-while-away")
                .then_some(())
        },
    )
    .await?;
    eventually("both sides back to normal", START, || async {
        let agent_ok = agent_status(agent).await.contains("viewing");
        let customer_ok = widget_text(customer, "status")
            .await
            .contains("viewing this page");
        (agent_ok && customer_ok).then_some(())
    })
    .await?;
    customer.find(By::Id("add-note")).await?.click().await?;
    eventually("a later change to arrive too", START, || async {
        (in_view(agent, "doc.querySelectorAll('#notes li').length").await == 1).then_some(())
    })
    .await?;
    Ok(())
}

e2e!(
    a_wrong_secret_fails_verification_on_both_sides_then_the_right_code_works,
    wrong_secret_then_right
);
e2e!(
    the_relay_never_carries_page_content_in_clear,
    relay_sees_no_page_content
);
e2e!(
    a_dropped_agent_connection_resumes_without_losing_changes,
    agent_connection_drop_is_resumed
);
