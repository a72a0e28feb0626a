//! The agent's typing in write mode is never lost or reordered: every character reaches the
//! customer's field in order, and the page's echo of the field never overwrites, in the view,
//! what the agent typed after it. Keys are lost when the echo's round trip is longer than the
//! time between two keys: 20 ms per key over a real network; here, on loopback, where the
//! echo is back within a few ms, keys come every 4 ms (a burst, a key held down) to put the
//! echo behind them.

use cobrowse_e2e::console::write_mode_granted;
use cobrowse_e2e::*;
use thirtyfour::prelude::*;

const FORM: &str = "/react-form.html";
const ADDRESS: &str = "12 rue de la Paix, 75002 Paris";

async fn field_value(driver: &WebDriver, id: &str) -> String {
    js(
        driver,
        &format!("return document.getElementById('{id}').value;"),
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_string()
}

async fn fast_typing(h: &Harness, customer: &WebDriver, agent: &WebDriver) -> TestResult {
    in_session(h, customer, agent, FORM).await?;
    write_mode_granted(customer, agent).await?;

    let view = agent.find(By::Css("[data-cobrowse-ui=view]")).await?;
    view.clone().enter_frame().await?;
    agent.find(By::Id("full-name")).await?.click().await?;
    agent.enter_parent_frame().await?;
    // One key every 4 ms, each inserted where the caret is, as the keyboard does: the page's
    // echo of each comes back while the next are typed. (The timer runs in the console: the
    // view's document runs no scripts.)
    let typed = agent
        .execute_async(
            "const [text, done] = arguments;
             const doc = document.querySelector('[data-cobrowse-ui=view]').contentDocument;
             const el = doc.getElementById('full-name');
             let i = 0;
             const timer = setInterval(() => {
               if (i === text.length) { clearInterval(timer); return done(el.value); }
               const at = el.selectionStart;
               el.value = el.value.slice(0, at) + text[i++] + el.value.slice(el.selectionEnd);
               el.setSelectionRange(at + 1, at + 1);
               el.dispatchEvent(new Event('input', { bubbles: true }));
             }, 4);",
            vec![serde_json::json!(ADDRESS)],
        )
        .await?;
    let in_view = typed.json().as_str().unwrap_or_default().to_string();
    let result = eventually("the customer's field to hold every key", START, || async {
        (field_value(customer, "full-name").await == ADDRESS).then_some(())
    })
    .await;
    if result.is_err() {
        eprintln!(
            "typed {ADDRESS:?}; the view showed {in_view:?}, the customer's field {:?}",
            field_value(customer, "full-name").await
        );
    }
    result?;
    assert_eq!(in_view, ADDRESS, "the view kept every key the agent typed");
    Ok(())
}
e2e!(
    keys_typed_faster_than_the_echo_arrive_whole_and_in_order,
    fast_typing
);
