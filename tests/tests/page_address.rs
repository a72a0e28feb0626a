//! The page's own address end to end: a customer signed in through OAuth
//! (`?account=123#access_token=...`) sends the token neither to the agent (in the sealed
//! snapshot, as the console opens it) nor to the relay (in the session's creation or the page
//! visits of the history), however the page got there: loaded, or a single-page-app route.

use cobrowse_e2e::*;
use thirtyfour::prelude::*;

/// Records every frame the customer's page sends on a WebSocket (what the relay is given).
const TAP_SOCKET: &str = "
    window.sentFrames = [];
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (data) {
      if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
        window.sentFrames.push(Array.from(new Uint8Array(data.buffer || data,
          data.byteOffset || 0, data.byteLength)));
      }
      return send.call(this, data);
    };
    return null;";

/// Everything the customer's page sent the relay, bytes read as text.
async fn relay_was_sent(customer: &WebDriver) -> String {
    let text = js(
        customer,
        "return (window.sentFrames || [])
           .map((b) => new TextDecoder('utf-8').decode(new Uint8Array(b))).join('\\n');",
    )
    .await;
    text.as_str().unwrap_or_default().to_string()
}

/// Everything the agent's console opened, as text.
async fn agent_was_sent(agent: &WebDriver) -> String {
    let text = js(
        agent,
        "const d = new TextDecoder('utf-8');
         return (window.cobrowseRecorded || []).map((b) => d.decode(b)).join('\\n');",
    )
    .await;
    text.as_str().unwrap_or_default().to_string()
}

/// The address parts around each `SECRET` in `text`.
fn tokens_in(text: &str) -> Vec<String> {
    text.match_indices("SECRET")
        .map(|(at, _)| {
            let mut before: Vec<char> = text[..at]
                .chars()
                .rev()
                .take_while(|c| !c.is_control())
                .collect();
            before.reverse();
            before.into_iter().chain("SECRET".chars()).collect()
        })
        .collect()
}

#[tokio::test]
async fn a_token_in_the_address_reaches_neither_the_agent_nor_the_relay() -> TestResult {
    let h = Harness::start().await;
    let (customer, agent) = (h.browser().await, h.browser().await);
    let result = async {
        let page = "/fixtures/hover-menu.html?account=123#access_token=LOAD-SECRET";
        customer.goto(&format!("{}{page}", h.demo_url())).await?;
        js(&customer, TAP_SOCKET).await;
        let start = eventually("the co-browse button", START, || async {
            widget(&customer, "start").await.ok()
        })
        .await?;
        start.click().await?;
        consent_asked(&customer).await?.click().await?;
        let code = eventually("a 9-digit code", START, || async {
            let text = widget_text(&customer, "code").await;
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            (digits.len() == 9).then_some(text)
        })
        .await?;
        let recording = format!("{}&debug=1&record=1", h.started.agent_url);
        agent_joins_at(&recording, &agent, &code).await?;
        eventually("the agent to see the page", START, || async {
            agent_status(&agent).await.contains("viewing").then_some(())
        })
        .await?;
        // A route of the page's own: a page visit for the relay's history.
        js(
            &customer,
            "history.pushState(null, '', '?account=456#access_token=ROUTE-SECRET');
             return null;",
        )
        .await;
        // The marker: the route's visit reached the relay (query values are not masked by
        // default), so everything sent before it was recorded too.
        eventually("the route's page visit", START, || async {
            relay_was_sent(&customer)
                .await
                .contains("account=456")
                .then_some(())
        })
        .await?;
        let relay = relay_was_sent(&customer).await;
        assert!(relay.contains("account=123"), "the creation was recorded");
        assert_eq!(
            tokens_in(&relay),
            Vec::<String>::new(),
            "tokens sent to the relay"
        );
        let opened = agent_was_sent(&agent).await;
        assert!(
            opened.contains("account=123"),
            "the snapshot's address is sent"
        );
        assert_eq!(
            tokens_in(&opened),
            Vec::<String>::new(),
            "tokens sent to the agent"
        );
        Ok(())
    }
    .await;
    h.finish(vec![customer, agent]).await;
    result
}
