//! The loader (`/cobrowse.js`) on a real page: when what it fetches is missing, it says so in
//! the browser's console (its `catch` ran) and the page goes on, with no error reaching the
//! page's listeners and no widget.

use cobrowse_e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loader_that_cannot_start_never_breaks_the_page() {
    let h = Harness::start().await;
    let customer = h.browser().await;
    let result = async {
        let page = format!("{}/fixtures/loader-failure.html", h.demo_url());
        customer.goto(&page).await?;
        eventually("the loader to give up", START, || async {
            let logged = js(&customer, "return window.loaderLogs.length;").await;
            (logged.as_u64() > Some(0)).then_some(())
        })
        .await?;
        // The page's listeners do see a rejection left unhandled: one of its own scripts'.
        js(
            &customer,
            "const probe = document.createElement('script');
             probe.textContent = \"Promise.reject('probe');\";
             document.body.append(probe);
             return null;",
        )
        .await;
        let errors = eventually("the page to see its own rejection", START, || async {
            let errors = js(&customer, "return window.pageErrors;").await;
            (!errors.as_array()?.is_empty()).then_some(errors)
        })
        .await?;
        assert_eq!(
            errors,
            serde_json::json!(["probe"]),
            "only the probe reached the page"
        );
        let state = js(
            &customer,
            "return [window.pageRan === true,
                     document.querySelector('[data-cobrowse-widget]') === null];",
        )
        .await;
        assert_eq!(
            state,
            serde_json::json!([true, true]),
            "the page ran, no widget"
        );
        TestResult::Ok(())
    }
    .await;
    h.finish(vec![customer]).await;
    result.unwrap();
}
