//! The customer moves through the site during a session: full page loads and a reload continue
//! the same session (new keys, a new snapshot), single-page-app routes are followed, and the history
//! has every page visited.

use std::time::Duration;

use cobrowse_e2e::*;
use thirtyfour::prelude::*;

async fn page_loads_continue_the_session(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    in_session(h, customer, agent, "/").await?;
    let code = widget_text(customer, "code").await;
    customer
        .find(By::Css(".cards a[href='/account.html']"))
        .await?
        .click()
        .await?;
    eventually(
        "the agent's view to follow to the account page",
        START,
        || async {
            (in_view(
                agent,
                "doc.querySelector('h1') && doc.querySelector('h1').textContent",
            )
            .await
                == "Your accounts")
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
    assert_eq!(
        widget_text(customer, "code").await,
        code,
        "the same session and code"
    );
    // A second page load, then live changes on it.
    customer
        .find(By::Css("main a[href='/apply.html']"))
        .await?
        .click()
        .await?;
    eventually("the apply page in the agent's view", START, || async {
        (in_view(agent, "!!doc.querySelector('#ssn')").await == true).then_some(())
    })
    .await?;
    customer
        .find(By::Id("name"))
        .await?
        .send_keys("Grace Hopper")
        .await?;
    eventually("typing on the new page", Duration::from_secs(5), || async {
        (in_view(agent, "doc.querySelector('#name').value").await == "Grace Hopper").then_some(())
    })
    .await?;
    // A reload: the same session resumes on the same page, with a new snapshot.
    js(
        customer,
        "document.querySelector('h1').dataset.before = 'reload'; return 1",
    )
    .await;
    customer.refresh().await?;
    eventually("the reloaded page in the agent's view", START, || async {
        let fresh = in_view(
            agent,
            "!!doc.querySelector('#ssn') && !doc.querySelector('h1[data-before]')",
        )
        .await;
        (fresh == true && agent_status(agent).await.contains("viewing")).then_some(())
    })
    .await?;
    eventually("the customer back in the session", START, || async {
        widget_text(customer, "status")
            .await
            .contains("viewing this page")
            .then_some(())
    })
    .await?;
    assert_eq!(
        widget_text(customer, "code").await,
        code,
        "the same session after the reload"
    );
    widget(customer, "exit").await?.click().await?;
    let reports = ended_reports(h).await?;
    assert_eq!(
        reports.len(),
        1,
        "one session across three pages and a reload"
    );
    let paths: Vec<&str> = reports[0]["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    // The reload is a page view of its own.
    assert_eq!(
        paths,
        vec!["/", "/account.html", "/apply.html", "/apply.html"]
    );
    assert_eq!(reports[0]["endReason"], "customer_exit");
    Ok(())
}

async fn single_page_routes_are_followed(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    in_session(h, customer, agent, "/help.html").await?;
    customer.find(By::Id("topic-cards")).await?.click().await?;
    eventually("the hash route in the agent's view", START, || async {
        (in_view(agent, "doc.querySelector('#topic h2').textContent").await == "Cards")
            .then_some(())
    })
    .await?;
    customer
        .find(By::Id("topic-contact"))
        .await?
        .click()
        .await?;
    eventually("the pushState route in the agent's view", START, || async {
        (in_view(agent, "doc.querySelector('#topic h2').textContent").await == "Contact us")
            .then_some(())
    })
    .await?;
    // A route change and the exit in one task: the visit still waiting for its title to settle
    // is reported before the exit, not lost.
    js(
        customer,
        "history.pushState({}, '', '#loans'); render();
         document.querySelector('[data-cobrowse-widget]').shadowRoot
           .querySelector('[data-cobrowse-ui=exit]').click();",
    )
    .await;
    let reports = ended_reports(h).await?;
    let visits: Vec<(String, String)> = reports[0]["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["url"].as_str().unwrap().to_string(),
                p["title"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // Each route is a visit of its own; the relay keeps no fragment (tokens travel there), so
    // hash routes differ by their titles.
    let base = format!("{}/help.html", h.demo_url());
    assert_eq!(
        visits,
        [
            "Harbor Trust — Help center",
            "Harbor Trust — Help: Cards",
            "Harbor Trust — Help: Contact us",
            "Harbor Trust — Help: Loans",
        ]
        .map(|title| (base.clone(), title.to_string()))
    );
    Ok(())
}

/// The customer reloads the page as the agent joins: whichever step of the key exchange the
/// old page reached (its confirmation sent or not, received or not), the new page keys again
/// with the agent. (The corpus test hit it: a page load had the console refuse the new page as
/// an impostor, and both waited forever.) The race is a matter of milliseconds, so several
/// rounds with the reload at different moments; `exchange_tests` has each order natively.
async fn a_reload_while_the_agent_joins_keys_again(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    for delay in [0, 0, 5, 15, 40] {
        let code = customer_starts(h, customer, "/").await?;
        agent_joins(h, agent, &code).await?;
        tokio::time::sleep(Duration::from_millis(delay)).await;
        customer.refresh().await?;
        eventually(
            &format!("the view after a reload {delay} ms into the join"),
            START,
            || async {
                let viewing = agent_status(agent).await.contains("viewing")
                    && in_view(agent, "!!doc.querySelector('.cards')").await == true;
                viewing.then_some(())
            },
        )
        .await?;
        widget(customer, "exit").await?.click().await?;
        eventually("the session ended", START, || async {
            widget(customer, "start").await.ok()
        })
        .await?;
    }
    Ok(())
}

e2e!(
    a_page_load_continues_the_same_session,
    page_loads_continue_the_session
);
e2e!(
    a_reload_as_the_agent_joins_keys_again,
    a_reload_while_the_agent_joins_keys_again
);
e2e!(
    single_page_app_routes_are_followed_and_recorded,
    single_page_routes_are_followed
);

/// The customer leaves the site for a while (longer than a dropped connection may take) and
/// comes back: co-browsing paused meanwhile, and goes on with the same session.
async fn leaving_the_site_pauses_the_session(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    in_session(h, customer, agent, "/").await?;
    let code = widget_text(customer, "code").await;
    // Another site: the relay's health page (not instrumented).
    customer
        .goto(&format!("{}/health", h.started.relay_url))
        .await?;
    eventually("the agent to be told", START, || async {
        agent_status(agent)
            .await
            .contains("opening another page")
            .then_some(())
    })
    .await?;
    // A session whose customer's connection merely dropped meanwhile is ended once
    // `disconnect_grace` (1 s here) has passed; this one, whose customer left the page, is not.
    a_dropped_session_ends(h).await?;
    assert!(agent_status(agent).await.contains("opening another page"));
    assert_eq!(
        live_session_state(h, &code).await?.as_deref(),
        Some("active"),
        "the session of the customer who left is still live"
    );
    customer.back().await?;
    eventually("the agent to see the page again", START, || async {
        agent_status(agent).await.contains("viewing").then_some(())
    })
    .await?;
    assert_eq!(
        widget_text(customer, "code").await,
        code,
        "the same session"
    );
    Ok(())
}
e2e!(
    leaving_the_site_pauses_co_browsing_until_the_customer_is_back,
    leaving_the_site_pauses_the_session,
    |c| c.disconnect_grace = Duration::from_secs(1)
);

/// Opens a customer session over a bare WebSocket and lets its connection drop (no page was
/// left: no `Leaving`); returns once the relay has ended it for that.
async fn a_dropped_session_ends(h: &Harness) -> TestResult {
    use futures_util::{SinkExt, StreamExt};
    use shared_protocol::{CustomerMsg, Delivery, Envelope, PageInfo, RelayMsg};
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::Message;

    let url = format!(
        "{}/ws/customer",
        h.started.relay_url.replacen("http", "ws", 1)
    );
    let mut request = url.into_client_request()?;
    let origin = h.demo_url().trim_end_matches('/').to_string();
    request.headers_mut().insert("origin", origin.parse()?);
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await?;
    let create = CustomerMsg::Create {
        page: PageInfo {
            url: format!("{origin}/"),
            title: "dropped".into(),
        },
        user_agent: String::new(),
        first_session: false,
    };
    let frame = Envelope::new(0, Delivery::Reliable, 0, create).encode();
    ws.send(Message::Binary(frame.into())).await?;
    let session_id = loop {
        let Some(Ok(Message::Binary(bytes))) = ws.next().await else {
            return Err("the relay closed before creating the session".into());
        };
        if let Ok(Envelope {
            msg: RelayMsg::Created { session_id, .. },
            ..
        }) = Envelope::<RelayMsg>::decode(&bytes)
        {
            break uuid_text(session_id);
        }
    };
    drop(ws);
    eventually("the dropped session to end", START, || async {
        history_now(h)
            .await?
            .iter()
            .any(|r| r["sessionId"] == session_id.as_str() && !r["endTime"].is_null())
            .then_some(())
    })
    .await
}

/// A session id as the REST API writes it.
fn uuid_text(id: [u8; 16]) -> String {
    let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The live state (`waiting`, `active`) of the session with `code`, `None` once it is gone.
async fn live_session_state(h: &Harness, code: &str) -> TestResult<Option<String>> {
    let routing: String = code.chars().filter(char::is_ascii_digit).take(5).collect();
    let token = h.started.dev_token.clone().expect("the dev token");
    let body = reqwest::Client::new()
        .get(format!("{}/api/v1/sessions", h.started.relay_url))
        .bearer_auth(&token)
        .send()
        .await?
        .text()
        .await?;
    let list: Vec<serde_json::Value> = serde_json::from_str(&body)?;
    Ok(list
        .iter()
        .find(|s| {
            s["token"]
                .as_str()
                .is_some_and(|t| t.trim_start_matches('0') == routing.trim_start_matches('0'))
        })
        .and_then(|s| s["state"].as_str().map(str::to_string)))
}
e2e_engine!(
    a_page_load_in_firefox_continues_the_same_session,
    page_loads_continue_the_session,
    customer_in_firefox
);
e2e_engine!(
    a_page_load_in_webkit_continues_the_same_session,
    page_loads_continue_the_session,
    customer_in_webkit
);
