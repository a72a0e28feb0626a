//! Privacy end to end: a page with a secret in every place leaks none of them (in any frame
//! the agent's console opened, or in its view), a hostile page runs nothing in the console,
//! and the rules from the relay (global and per URL), the page object and attributes combine
//! as documented, with the customer shown what is hidden.

use std::sync::{Arc, Mutex};

use cobrowse_e2e::console::metric;
use cobrowse_e2e::engine::Engine;
use cobrowse_e2e::firefox::Firefox;
use cobrowse_e2e::webkit::WebKit;
use cobrowse_e2e::*;
use shared_protocol::privacy::PrivacyRules;
use thirtyfour::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn rules(url: Option<&str>, mask: &[&str]) -> PrivacyRules {
    PrivacyRules {
        url: url.map(str::to_string),
        mask: mask.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

/// Waits until the agent's view has `text` in its body.
async fn view_has_text(agent: &WebDriver, text: &str) -> TestResult {
    let probe = format!("doc.body && doc.body.textContent.includes({text:?})");
    eventually(text, START, || async {
        (in_view(agent, &probe).await == true).then_some(())
    })
    .await
}

/// The console URL that keeps every opened frame's plaintext (`window.cobrowseRecorded`).
fn recording(h: &Harness) -> String {
    format!("{}&debug=1&record=1", h.started.agent_url)
}

/// Everything the agent received (every opened frame, as text) and its view's markup.
async fn agent_saw(agent: &WebDriver) -> (String, usize, String) {
    let frames = js(
        agent,
        "const d = new TextDecoder('utf-8');
         const all = window.cobrowseRecorded || [];
         return [all.length, all.map((b) => d.decode(b)).join('\\n')];",
    )
    .await;
    let count = frames[0].as_u64().unwrap_or(0) as usize;
    let text = frames[1].as_str().unwrap_or_default().to_string();
    let view = in_view(agent, "doc.documentElement.outerHTML").await;
    (text, count, view.as_str().unwrap_or_default().to_string())
}

/// Every `…-SECRET` marker (and the unmarked secrets of the fixture) found in `text`.
fn secrets_in(text: &str) -> Vec<String> {
    let mut found: Vec<String> = text
        .match_indices("-SECRET")
        .map(|(at, _)| {
            let start = text[..at]
                .rfind(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit()))
                .map_or(0, |i| i + 1);
            text[start..at + 7].to_string()
        })
        .collect();
    for unmarked in ["4111 1111", "078-05-1120", "BEARER0123456789abcdef"] {
        if text.contains(unmarked) {
            found.push(unmarked.to_string());
        }
    }
    found
}

/// The relay every leak check runs against: a masked attribute and URL rules of its own.
async fn leak_relay() -> Harness {
    Harness::start_with(|c| {
        c.privacy.masked_attributes = vec!["data-account".into()];
        c.privacy_rules = vec![PrivacyRules {
            mask_url_queries: Some(true),
            ..rules(Some("*/privacy/leaks.html*"), &[".relay-masked"])
        }];
    })
    .await
}

#[tokio::test]
async fn no_secret_reaches_the_agent_from_any_place_in_the_page() -> TestResult {
    let h = leak_relay().await;
    let (customer, agent) = (h.browser().await, h.browser().await);
    let result = no_secret_reaches(&h, &customer, &agent).await;
    h.finish(vec![customer, agent]).await;
    result
}

/// The same with the customer in `E`: its DOM, CSSOM and events are that engine's.
async fn no_secret_reaches_the_agent_from_a_customer_in<E: Engine>() -> TestResult {
    let h = leak_relay().await;
    let customer = E::open(1280, 900).await;
    let agent = h.browser().await;
    let result = no_secret_reaches(&h, customer.driver(), &agent).await;
    customer.quit().await;
    h.finish(vec![agent]).await;
    result
}

#[tokio::test]
async fn no_secret_reaches_the_agent_from_a_customer_in_firefox() -> TestResult {
    no_secret_reaches_the_agent_from_a_customer_in::<Firefox>().await
}

#[tokio::test]
async fn no_secret_reaches_the_agent_from_a_customer_in_webkit() -> TestResult {
    no_secret_reaches_the_agent_from_a_customer_in::<WebKit>().await
}

/// Every place a secret can be in, typed, added or changed later: none reaches the frames the
/// agent opens or its view, and the customer sees what is hidden.
async fn no_secret_reaches(h: &Harness, customer: &WebDriver, agent: &WebDriver) -> TestResult {
    in_session_at(
        h,
        customer,
        agent,
        "/fixtures/privacy/leaks.html",
        &recording(h),
    )
    .await?;
    view_has_text(agent, "PUBLIC-HEADING").await?;
    // Typed after the start, into open, masked and password fields; then the page adds
    // masked content and turns a password field into a text field.
    customer
        .find(By::Id("typed"))
        .await?
        .send_keys("PUBLIC-TYPED")
        .await?;
    customer
        .find(By::Id("typed-masked"))
        .await?
        .send_keys("TYPEDMASKED-SECRET")
        .await?;
    let password = customer.find(By::Id("password")).await?;
    password.clear().await?;
    password.send_keys("TYPEDPW-SECRET").await?;
    js(customer, "window.later(); return null;").await;
    eventually("the later changes in the view", START, || async {
        let later = in_view(agent, "doc.body.textContent.includes('PUBLIC-LATER')").await;
        let typed = in_view(agent, "doc.querySelector('#typed').value").await;
        let flip = in_view(agent, "doc.querySelector('#flip').value").await;
        (later == true && typed == "PUBLIC-TYPED" && flip.as_str().is_some_and(|v| !v.is_empty()))
            .then_some(())
    })
    .await?;
    let (frames, count, view) = agent_saw(agent).await;
    let href = js(
        agent,
        "return location.href + ' ' + typeof window.cobrowseRecorded;",
    )
    .await;
    assert!(count > 1, "frames were recorded ({count}) at {href}");
    // The search works: what is public is there.
    for public in [
        "PUBLIC-HEADING",
        "PUBLIC-LATER",
        "PUBLIC-TYPED",
        "PUBLIC-LINK",
    ] {
        assert!(frames.contains(public), "{public} in the frames");
    }
    assert_eq!(
        secrets_in(&frames),
        Vec::<String>::new(),
        "secrets in the frames"
    );
    assert_eq!(
        secrets_in(&view),
        Vec::<String>::new(),
        "secrets in the view"
    );
    // The blocked element is an empty, hatched placeholder of its size.
    let blocked = in_view(
        agent,
        "[doc.querySelector('#blocked').childNodes.length,
          doc.querySelector('#blocked').hasAttribute('data-cobrowse-blocked')]",
    )
    .await;
    assert_eq!(blocked, serde_json::json!([0, true]));
    // The customer sees what is hidden: outlined fields and the legend.
    let outlined = js(
        customer,
        "return ['masked-input', 'password', 'card', 'typed-masked', 'flip', 'blocked']
           .filter((id) => !document.getElementById(id).hasAttribute('data-cobrowse-hidden'));",
    )
    .await;
    assert_eq!(outlined, serde_json::json!([]), "fields not outlined");
    let legend = widget_text(customer, "hidden-legend").await;
    assert!(legend.contains("Hidden from the agent"), "{legend}");
    // What the last line of defence masked (the unmarked card, SSN and token) is counted
    // for the session and reaches the relay's metrics.
    eventually("the relay to count what was masked", START, || async {
        let counted = [
            auto_masked_count(h, "card_number").await.ok()?,
            auto_masked_count(h, "ssn").await.ok()?,
            auto_masked_count(h, "bearer_token").await.ok()?,
        ];
        counted.iter().all(|n| *n >= 1).then_some(())
    })
    .await?;
    Ok(())
}

/// The relay's count of text the customers' last line of defence masked, of `kind`.
async fn auto_masked_count(h: &Harness, kind: &str) -> TestResult<u64> {
    metric(h, &format!("cobrowse_auto_masked_total{{kind=\"{kind}\"}}")).await
}

/// A TCP listener that keeps the head of every request made to it (and answers each with an
/// empty 204).
async fn trap() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind trap");
    let url = format!("http://{}/", listener.local_addr().expect("trap addr"));
    let hits = Arc::new(Mutex::new(Vec::new()));
    let seen = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 2048];
                let n = s.read(&mut buf).await.unwrap_or(0);
                seen.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&buf[..n]).into_owned());
                let _ = s
                    .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    (url, hits)
}

#[tokio::test]
async fn a_hostile_page_runs_nothing_in_the_agent_console() -> TestResult {
    let h = Harness::start().await;
    let (customer, agent) = (h.browser().await, h.browser().await);
    let result = hostile_page_runs_nothing(&h, &customer, &agent).await;
    h.finish(vec![customer, agent]).await;
    result
}

/// The same with the agent in Firefox: its view is Firefox's, and must run nothing either.
#[tokio::test]
async fn a_hostile_page_runs_nothing_in_a_console_in_firefox() -> TestResult {
    let h = Harness::start().await;
    let customer = h.browser().await;
    let agent = cobrowse_e2e::firefox::Firefox::open(1280, 900).await;
    let result = hostile_page_runs_nothing(&h, &customer, &agent.driver).await;
    agent.quit().await;
    h.finish(vec![customer]).await;
    result
}

/// Every vector of the hostile fixture mirrored into the view: no script runs, no dialog
/// opens, no request leaves for the trap, and nothing executable is left in the view.
async fn hostile_page_runs_nothing(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    let (trap_url, hits) = trap().await;
    let path = format!("/fixtures/privacy/hostile.html?trap={trap_url}");
    in_session(h, customer, agent, &path).await?;
    view_has_text(agent, "HOSTILE-PAGE-SHOWN").await?;
    // The vectors are on the customer's page (quiet there under its own CSP).
    let armed = js(customer, "return document.querySelectorAll('#vectors [onerror], #vectors iframe, meta[http-equiv=refresh], base').length;").await;
    assert!(
        armed.as_u64().unwrap_or(0) >= 6,
        "vectors in place: {armed}"
    );
    eventually("the vectors mirrored", START, || async {
        (in_view(
            agent,
            "!!doc.querySelector('#svg-a') && !!doc.querySelector('#css-attr')",
        )
        .await
            == true)
            .then_some(())
    })
    .await?;
    // Anything that would fire late (failed loads, the <base> added after 300 ms) has had
    // its chance once an image that fails to load, added after all of it, has failed in
    // the view too.
    eventually("the late <base> on the customer's page", START, || async {
        (js(customer, "return !!document.querySelector('base')").await == true).then_some(())
    })
    .await?;
    js(
        customer,
        "const i = document.createElement('img');
         i.id = 'late-marker'; i.src = location.origin + '/fixtures/privacy/also-nowhere.png';
         document.body.append(i); return 1",
    )
    .await;
    eventually("the marker's load to fail in the view", START, || async {
        let done = in_view(
            agent,
            "(() => { const i = doc.getElementById('late-marker'); \
              return !!i && i.complete && i.naturalWidth === 0; })()",
        )
        .await;
        (done == true).then_some(())
    })
    .await?;
    assert!(
        agent.get_alert_text().await.is_err(),
        "no dialog opened in the console"
    );
    let pwned = js(agent, "return window.__pwned || null;").await;
    assert_eq!(pwned, serde_json::Value::Null, "script ran in the console");
    let requests = hits.lock().unwrap().clone();
    assert!(
        requests.is_empty(),
        "requests made to the trap: {requests:#?}"
    );
    // And what would have run is not in the view at all.
    let left = in_view(
        agent,
        "(() => {
           const bad = [];
           for (const el of doc.querySelectorAll('*')) {
             for (const a of el.attributes) {
               const v = a.value.replace(/[\\s\\x00-\\x1f]/g, '').toLowerCase();
               if (a.name.startsWith('on') || a.name === 'srcdoc' || v.startsWith('javascript:')
                   || v.startsWith('data:text/html') || v.includes('expression(')
                   || (a.name === 'style' && v.includes('javascript:')))
                 bad.push(el.localName + '[' + a.name + ']');
             }
           }
           for (const s of doc.querySelectorAll('script, noscript, meta[http-equiv], animate, set'))
             bad.push(s.localName);
           for (const s of doc.querySelectorAll('style'))
             if (s.textContent.includes('javascript:')) bad.push('style text');
           if (!doc.baseURI.includes('/fixtures/privacy/hostile.html')) bad.push('base ' + doc.baseURI);
           return bad;
         })()",
    )
    .await;
    assert_eq!(left, serde_json::json!([]), "unsafe markup in the view");
    // The console's own page carries its Content-Security-Policy.
    let page = reqwest::get(&h.started.agent_url).await?;
    let csp = page
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains("object-src 'none'"), "{csp}");
    Ok(())
}

#[tokio::test]
async fn relay_rules_apply_by_url_with_the_page_rules_and_the_customer_sees_them() -> TestResult {
    let h = Harness::start_with(|c| {
        c.privacy = rules(None, &[".global"]);
        c.privacy_rules = vec![
            rules(Some("*/privacy/rules.html*"), &[".by-url"]),
            rules(Some("*/nothing-here*"), &[".other-url"]),
        ];
    })
    .await;
    let (customer, agent) = (h.browser().await, h.browser().await);
    let result = async {
        in_session(&h, &customer, &agent, "/fixtures/privacy/rules.html").await?;
        view_has_text(&agent, "OTHERURL-PUBLIC").await?;
        let text = in_view(&agent, "doc.body.textContent").await;
        let text = text.as_str().unwrap_or_default();
        // The global and this URL's rule apply, with the page's own; another URL's does not.
        assert_eq!(secrets_in(text), Vec::<String>::new(), "{text}");
        for shown in ["PLAIN-TEXT", "OTHERURL-PUBLIC", "UNMASKED-BY-PAGE"] {
            assert!(text.contains(shown), "{shown} in {text}");
        }
        let field = in_view(&agent, "doc.querySelector('#secret-field').value").await;
        assert!(field.as_str().is_some_and(|v| v.starts_with('•')), "{field}");
        // The customer's legend, in the page's language, and the outlined field.
        let legend = eventually("the legend", START, || async {
            let t = widget_text(&customer, "hidden-legend").await;
            t.contains("Masqué pour le conseiller (1)").then_some(t)
        })
        .await?;
        assert!(!legend.is_empty());
        let outlined = js(&customer, "return [document.querySelector('#secret-field').hasAttribute('data-cobrowse-hidden'), document.querySelector('#open-field').hasAttribute('data-cobrowse-hidden')];").await;
        assert_eq!(outlined, serde_json::json!([true, false]));
        // The legend is visible (not just present).
        let shown = js(&customer, "const host = document.querySelector('[data-cobrowse-widget]'); const l = host.shadowRoot.querySelector('[data-cobrowse-ui=hidden-legend]'); return !l.hidden && l.getBoundingClientRect().height > 0;").await;
        assert_eq!(shown, true);
        Ok(())
    }
    .await;
    h.finish(vec![customer, agent]).await;
    result
}

#[tokio::test]
async fn a_relay_switch_overrides_the_page_object_but_not_its_unmask_attributes() -> TestResult {
    let h = Harness::start_with(|c| {
        c.privacy_rules = vec![PrivacyRules {
            private_by_default: Some(true),
            indicator_text: Some("Hidden by the bank".into()),
            ..rules(Some("*/privacy/rules.html*"), &[])
        }];
    })
    .await;
    let (customer, agent) = (h.browser().await, h.browser().await);
    let result = async {
        in_session(&h, &customer, &agent, "/fixtures/privacy/rules.html").await?;
        view_has_text(&agent, "UNMASKED-BY-PAGE").await?;
        let text = in_view(&agent, "doc.body.textContent").await;
        let text = text.as_str().unwrap_or_default();
        // The page said `privateByDefault: false`; the relay's rule for this URL wins.
        for hidden in ["PLAIN-TEXT", "OTHERURL-PUBLIC", "OPENFIELD"] {
            assert!(!text.contains(hidden), "{hidden} in {text}");
        }
        let open = in_view(&agent, "doc.querySelector('#open-field').value").await;
        assert!(open.as_str().is_some_and(|v| v.starts_with('•')), "{open}");
        eventually("the relay's legend text", START, || async {
            widget_text(&customer, "hidden-legend")
                .await
                .contains("Hidden by the bank")
                .then_some(())
        })
        .await?;
        Ok(())
    }
    .await;
    h.finish(vec![customer, agent]).await;
    result
}
