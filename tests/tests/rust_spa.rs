//! The Rust crate as a team with a Rust single-page app uses it: `examples/yew-spa` (Yew),
//! built by `make example`, embeds co-browse through `master_wasm::embed` with the built-in UI
//! off. Served from its own origin, it starts a session from its own button and consent, shows
//! the code and the session's state from the typed events, an agent joins and sees the app, and
//! the app ends it. Co-browse leaves the app's own panic hook in place.

use cobrowse_e2e::app_site::*;
use cobrowse_e2e::static_site::StaticSite;
use cobrowse_e2e::*;
use thirtyfour::prelude::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_yew_app_runs_a_session_through_the_rust_api() {
    let built = workspace_root().join("target/examples/yew-spa");
    assert!(
        built.join("yew_spa_bg.wasm").exists(),
        "the example is not built in {}: run `make example` (`make test` does)",
        built.display()
    );
    let mut site = StaticSite::bind().await;
    let origin = site.url.clone();
    let h = Harness::start_with(|c| c.allowed_origins = Some(vec![origin])).await;
    site.serve(built);
    let customer = h.browser().await;
    let agent = h.browser().await;
    let result = session_from_the_app(&h, &site.url, &customer, &agent).await;
    h.finish(vec![customer, agent]).await;
    if let Err(e) = result {
        panic!("{e}");
    }
}

async fn session_from_the_app(
    h: &Harness,
    site: &str,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    let relay = &h.started.relay_url;
    customer.goto(&format!("{site}/?relay={relay}")).await?;
    eventually("co-browse set up in the app", START, || async {
        let ready = js(
            customer,
            "const m = document.querySelector('main'); return m && m.dataset.ready;",
        )
        .await;
        (ready == "true").then_some(())
    })
    .await?;
    assert_eq!(app_text(customer, "error").await, "");
    let code = share_from_the_app(customer).await?;
    agent_sees_the_app(h, customer, agent, &code, "A shop written in Rust").await?;
    stop_from_the_app(customer, "customer_exit").await?;

    // The app's own panic hook is still the one that runs: co-browse replaced nothing.
    js(
        customer,
        "window.panicEvents = [];
         addEventListener('cobrowse:error', (e) => window.panicEvents.push(e.detail.context));
         return true;",
    )
    .await;
    app_click(customer, "crash").await?;
    let hook = eventually("a panic hook to run", START, || async {
        let text = app_text(customer, "panicked").await;
        (!text.is_empty()).then_some(text)
    })
    .await?;
    assert!(
        hook.starts_with("the app's own panic hook") && hook.contains("the crash button"),
        "{hook}"
    );
    assert_eq!(
        js(customer, "return window.panicEvents;").await,
        serde_json::json!([]),
        "co-browse's panic report did not run"
    );
    Ok(())
}
