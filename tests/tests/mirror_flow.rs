//! The walking skeleton's end-to-end flow: a customer on the demo site starts co-browse, the
//! agent joins with the code and sees the page; changes on the customer's page appear in the
//! agent's view; exit on either side ends the session on both, and each side says so; the
//! customer can start another session on the same page.

use std::time::{Duration, Instant};

use cobrowse_e2e::*;
use thirtyfour::prelude::*;

/// How long a change on the customer's page may take to show in the agent's view.
const WITHIN_A_SECOND: Duration = Duration::from_secs(1);

async fn mirrors_then_customer_exits(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    in_session(h, customer, agent, "/").await?;

    // The view is a sandboxed iframe that may not run scripts.
    let sandbox = js(
        agent,
        "return document.querySelector('[data-cobrowse-ui=view]').getAttribute('sandbox')",
    )
    .await;
    assert_eq!(
        sandbox, "allow-same-origin",
        "no allow-scripts in the view's sandbox"
    );

    // Headings, links and form fields of the customer's page.
    assert_eq!(
        in_view(agent, "doc.querySelector('h1').textContent").await,
        "Banking that keeps you afloat"
    );
    assert_eq!(in_view(agent, "doc.title").await, "Harbor Trust — Home");
    let links = in_view(
        agent,
        "[...doc.querySelectorAll('a')].map(a => a.textContent.trim())",
    )
    .await;
    for link in [
        "Accounts",
        "Loans",
        "View your account",
        "Apply now",
        "Savings",
    ] {
        assert!(
            links.as_array().unwrap().iter().any(|l| l == link),
            "link {link} in {links}"
        );
    }
    assert_eq!(
        in_view(agent, "!!doc.querySelector('input#username')").await,
        true
    );
    assert_eq!(
        in_view(
            agent,
            "!!doc.querySelector('input#home-password[type=password]')"
        )
        .await,
        true
    );
    assert_eq!(
        in_view(agent, "doc.querySelector('#signin').textContent").await,
        "Sign in"
    );
    // Scripts never reach the agent; the page's stylesheet does (relative URL resolved).
    assert_eq!(
        in_view(agent, "doc.querySelectorAll('script').length").await,
        0
    );
    demo_stylesheet_shown(agent).await?;
    // The customer's widget is not mirrored.
    assert_eq!(
        in_view(
            agent,
            "doc.querySelectorAll('[data-cobrowse-widget]').length"
        )
        .await,
        0
    );

    // Text typed into a field appears within a second.
    customer
        .find(By::Id("username"))
        .await?
        .send_keys("ada.lovelace")
        .await?;
    let typed = Instant::now();
    eventually(
        "the typed value in the agent view",
        WITHIN_A_SECOND,
        || async {
            (in_view(agent, "doc.querySelector('#username').value").await == "ada.lovelace")
                .then_some(())
        },
    )
    .await?;
    let typing_latency = typed.elapsed();

    // A password is masked before it leaves the customer's page.
    customer
        .find(By::Id("home-password"))
        .await?
        .send_keys("hunter2-secret")
        .await?;
    // Bullets of its length class (14 characters round up to 16): the exact length stays too.
    let expected = "•".repeat(16);
    eventually("the whole password, masked", WITHIN_A_SECOND, || async {
        let v = in_view(agent, "doc.querySelector('#home-password').value").await;
        (v == expected.as_str()).then_some(())
    })
    .await?;
    let view_html = in_view(agent, "doc.documentElement.outerHTML").await;
    assert!(
        !view_html.to_string().contains("hunter2"),
        "the password never reaches the agent"
    );

    // An element added by script appears within a second.
    customer.find(By::Id("add-note")).await?.click().await?;
    let clicked = Instant::now();
    let note = eventually(
        "the added note in the agent view",
        WITHIN_A_SECOND,
        || async {
            let t = in_view(
                agent,
                "doc.querySelector('#notes li') && doc.querySelector('#notes li').textContent",
            )
            .await;
            t.as_str().map(str::to_string)
        },
    )
    .await?;
    assert!(note.starts_with("Note added at"), "{note}");
    eprintln!(
        "latency: typed {typing_latency:?}, added element {:?}",
        clicked.elapsed()
    );

    // The customer exits: both sides say the session ended.
    widget(customer, "exit").await?.click().await?;
    eventually("the customer's end notice", START, || async {
        widget_text(customer, "status")
            .await
            .contains("ended")
            .then_some(())
    })
    .await?;
    eventually("the agent's end notice", START, || async {
        agent_status(agent)
            .await
            .contains("Session ended: the customer ended the session")
            .then_some(())
    })
    .await?;
    assert!(
        widget(customer, "start").await?.is_displayed().await?,
        "the customer can start again"
    );
    // And does, on the same page: a new session whose agent is keyed with as the first was
    // (what the first session verified must not make this page ignore the next agent).
    let code = customer_starts_here(customer).await?;
    agent_joins(h, agent, &code).await?;
    eventually(
        "the agent to see the page in a second session",
        START,
        || async { agent_status(agent).await.contains("viewing").then_some(()) },
    )
    .await?;
    Ok(())
}

async fn agent_exits(h: &Harness, customer: &WebDriver, agent: &WebDriver) -> TestResult {
    in_session(h, customer, agent, "/").await?;
    cobrowse_e2e::session_core::agent_exits(customer, agent).await?;
    // The history has what happened, as the reporting event describes it.
    let reports = ended_reports(h).await?;
    let report = &reports[0];
    assert_eq!(report["endReason"], "agent_exit");
    assert_eq!(report["agentId"], "dev-agent");
    assert_eq!(report["segments"][0]["mode"], "POINTER");
    assert_eq!(report["pages"][0]["url"], format!("{}/", h.demo_url()));
    assert_eq!(report["pages"][0]["title"], "Harbor Trust — Home");
    assert!(report["userAgent"]["agentName"]
        .as_str()
        .unwrap()
        .starts_with("Chrome"));
    assert_eq!(report["userAgent"]["osClass"], "Linux");
    Ok(())
}

async fn wrong_code_is_refused(h: &Harness, customer: &WebDriver, agent: &WebDriver) -> TestResult {
    let code = customer_starts(h, customer, "/").await?;
    // Another routing part than the live session's.
    let digits: String = code.chars().filter(char::is_ascii_digit).collect();
    let routing: u32 = digits[..5].parse()?;
    let wrong = format!("{:05}{}", (routing + 1) % 100_000, &digits[5..]);
    agent_joins(h, agent, &wrong).await?;
    eventually(
        "the agent to be told the code is unknown",
        START,
        || async {
            agent_status(agent)
                .await
                .contains("No session has this code")
                .then_some(())
        },
    )
    .await?;
    // The customer's session is still waiting, unharmed.
    assert!(widget_text(customer, "status")
        .await
        .contains("Read this code"));
    Ok(())
}

/// An agent at its session limit (1) who joins a second customer is told so, and that customer
/// keeps waiting: once the agent has left its first session, the same code joins.
async fn busy_agent_is_refused(h: &Harness, customer: &WebDriver, agent: &WebDriver) -> TestResult {
    in_session(h, customer, agent, "/").await?;
    let (second_customer, second_console) = (h.browser().await, h.browser().await);
    let result = async {
        let code = customer_starts(h, &second_customer, "/").await?;
        agent_joins(h, &second_console, &code).await?;
        eventually("the agent to be told it is at its limit", START, || async {
            let status = agent_status(&second_console).await;
            (status.contains("session limit") && status.contains("still waiting")).then_some(())
        })
        .await?;
        agent
            .find(By::Css("[data-cobrowse-ui=exit]"))
            .await?
            .click()
            .await?;
        eventually("the first session to end", START, || async {
            agent_status(agent)
                .await
                .contains("Session ended")
                .then_some(())
        })
        .await?;
        agent_joins(h, &second_console, &code).await?;
        eventually(
            "the agent to see the second customer's page",
            START,
            || async {
                agent_status(&second_console)
                    .await
                    .contains("viewing")
                    .then_some(())
            },
        )
        .await?;
        eventually("the second customer to be told", START, || async {
            widget_text(&second_customer, "status")
                .await
                .contains("representative is viewing")
                .then_some(())
        })
        .await
    }
    .await;
    let _ = second_customer.quit().await;
    let _ = second_console.quit().await;
    result
}

async fn values_set_by_script_are_mirrored(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    in_session(h, customer, agent, "/apply.html").await?;
    customer.find(By::Id("autofill")).await?.click().await?;
    eventually(
        "the values a script set, in the agent's view",
        WITHIN_A_SECOND,
        || async {
            let v = in_view(
                agent,
                "[doc.querySelector('#name').value, doc.querySelector('#email').value,
              doc.querySelector('#amount').value, doc.querySelector('#consent').checked]",
            )
            .await;
            (v == serde_json::json!(["Ada Lovelace", "ada@example.com", "25000", true]))
                .then_some(())
        },
    )
    .await?;
    Ok(())
}

e2e!(
    customer_page_is_mirrored_and_customer_exit_ends_both,
    mirrors_then_customer_exits
);
e2e!(agent_exit_ends_both, agent_exits);
e2e!(
    a_wrong_code_is_refused_and_the_session_waits,
    wrong_code_is_refused
);
e2e!(
    an_agent_at_its_limit_is_refused_and_the_customer_keeps_waiting,
    busy_agent_is_refused
);
e2e!(
    form_values_set_by_page_scripts_are_mirrored,
    values_set_by_script_are_mirrored
);
