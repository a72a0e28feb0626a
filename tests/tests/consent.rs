//! The customer's consent to write mode cannot be had without the customer: keys meant for the
//! page never answer the question, a denied agent cannot ask again at once (and is told), and
//! a page script that edits what the tab keeps cannot start the next page in write mode.

use cobrowse_e2e::console::*;
use cobrowse_e2e::*;
use thirtyfour::prelude::*;

const FORM: &str = "/react-form.html";

async fn question_shown(customer: &WebDriver) -> bool {
    js(
        customer,
        "const h = document.querySelector('[data-cobrowse-widget]');
         const e = h && h.shadowRoot.querySelector('[data-cobrowse-ui=write-request]');
         return !!e && !e.hidden;",
    )
    .await
    .as_bool()
    .unwrap_or(false)
}

async fn customer_is_asked(customer: &WebDriver) -> TestResult {
    eventually("the customer to be asked", START, || async {
        question_shown(customer).await.then_some(())
    })
    .await
}

async fn keys_do_not_answer(h: &Harness, customer: &WebDriver, agent: &WebDriver) -> TestResult {
    in_session(h, customer, agent, FORM).await?;
    // The customer is typing in a field when the question comes.
    customer.find(By::Id("full-name")).await?.click().await?;
    request_write(agent).await?;
    customer_is_asked(customer).await?;
    // Keys go to whatever has the focus, as the customer's keyboard would.
    customer.action_chain().send_keys("Al ").perform().await?;
    let typed = js(
        customer,
        "return document.getElementById('full-name').value;",
    )
    .await;
    assert_eq!(
        typed, "Al ",
        "the keys reached the field the customer was in"
    );
    assert!(question_shown(customer).await, "the question is still open");
    assert_eq!(console_ui(agent, "mode", "dataset.mode").await, "POINTER");
    // Nor do keys pressed on the page itself (Space to scroll, Enter), with no field focused.
    js(customer, "document.activeElement.blur(); return true;").await;
    customer
        .action_chain()
        .send_keys(" ")
        .send_keys(Key::Enter)
        .perform()
        .await?;
    assert!(question_shown(customer).await, "the question is still open");
    assert_eq!(console_ui(agent, "mode", "dataset.mode").await, "POINTER");
    // A deliberate click answers it.
    widget(customer, "write-allow").await?.click().await?;
    wait_mode(agent, "WRITE").await
}
e2e!(
    keys_meant_for_the_page_never_answer_the_question,
    keys_do_not_answer
);

async fn denied_waits(h: &Harness, customer: &WebDriver, agent: &WebDriver) -> TestResult {
    in_session(h, customer, agent, FORM).await?;
    request_write(agent).await?;
    customer_is_asked(customer).await?;
    widget(customer, "write-deny").await?.click().await?;
    notice_says(agent, "declined write mode.").await?;
    // At once again: told, and the customer is not asked.
    request_write(agent).await?;
    notice_says(agent, "a moment ago").await?;
    assert!(!question_shown(customer).await, "not asked again so soon");
    // After the interval (2 s here), the customer is asked again.
    eventually("the customer to be asked again", START, || async {
        request_write(agent).await.ok()?;
        tokio::time::timeout(std::time::Duration::from_millis(400), async {
            while !question_shown(customer).await {}
        })
        .await
        .ok()
    })
    .await
}
e2e!(
    a_denied_agent_waits_before_asking_again_and_is_told,
    denied_waits,
    |c| c.write_request_interval = std::time::Duration::from_secs(2)
);

/// What a page script can do to the tab's saved session: mark it as in write mode (whatever
/// the format of the day keeps for that).
const FORGE_WRITE_MODE: &str = "
    const key = 'cobrowse.session';
    const parts = sessionStorage.getItem(key).split('|');
    if (parts[0] === '3') { parts[5] = '1'; } else { parts[6] = 'ab'.repeat(16); }
    sessionStorage.setItem(key, parts.join('|'));
    return parts[0];";

async fn forged_write_mode(h: &Harness, customer: &WebDriver, agent: &WebDriver) -> TestResult {
    let debug_url = format!("{}&debug=1", h.started.agent_url);
    in_session_at(h, customer, agent, FORM, &debug_url).await?;
    let format = js(customer, FORGE_WRITE_MODE).await;
    assert!(format.is_string(), "the saved session was rewritten");
    customer.refresh().await?;
    eventually("the agent to see the new page", START, || async {
        console_ui(agent, "status", "textContent")
            .await
            .contains("viewing")
            .then_some(())
    })
    .await?;
    // A crafted click on the new page is refused: it is in pointer mode.
    eventually("the console to name the checkbox", START, || async {
        (js(agent, "return window.cobrowseCraft('click', '#subscribe');").await == true)
            .then_some(())
    })
    .await?;
    notice_says(agent, "refused").await?;
    assert_eq!(console_ui(agent, "mode", "dataset.mode").await, "POINTER");
    let ticked = js(
        customer,
        "return document.getElementById('subscribe').checked;",
    )
    .await;
    assert_eq!(ticked, false, "the crafted click changed nothing");

    // Write mode the customer approved does continue on the next page.
    request_write(agent).await?;
    customer_is_asked(customer).await?;
    widget(customer, "write-allow").await?.click().await?;
    wait_mode(agent, "WRITE").await?;
    customer.refresh().await?;
    // The new page's checkbox ticked by a console click: write mode resumed there. Clicks are
    // tried until write mode is back on the page; each toggles the box, so a late one could
    // untick what an earlier one ticked: the page notes whether any click ticked it.
    eventually("the new page", START, || async {
        let armed = js(
            customer,
            "const box = document.getElementById('subscribe');
             if (!box) return false;
             box.addEventListener('change', () => { if (box.checked) window.__ticked = true; });
             return true;",
        )
        .await;
        (armed == true).then_some(())
    })
    .await?;
    eventually(
        "a console click to tick the box on the new page",
        START,
        || async {
            if js(customer, "return window.__ticked === true;").await == true {
                return Some(());
            }
            js(agent, "return window.cobrowseCraft('click', '#subscribe');").await;
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            None
        },
    )
    .await?;
    wait_mode(agent, "WRITE").await
}
e2e!(
    a_page_script_cannot_start_the_next_page_in_write_mode,
    forged_write_mode
);
