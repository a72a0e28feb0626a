//! The loader (`/cobrowse.js`) on a real page: when what it fetches is missing, it says so in
//! the browser's console (its `catch` ran) and the page goes on, with no error reaching the
//! page's listeners and no widget. Before co-browse starts, the page loads the loader and the
//! relay's settings only: the button is the loader's, and looks and sits as the module's own.

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

/// The URLs of the customer module's files the page has fetched.
async fn module_fetched(customer: &thirtyfour::WebDriver) -> Vec<String> {
    let urls = js(
        customer,
        "return performance.getEntriesByType('resource').map((e) => e.name)
           .filter((u) => u.includes('master_wasm'));",
    )
    .await;
    serde_json::from_value(urls).unwrap_or_default()
}

/// Where the widget's start button is and how it looks.
async fn start_button(customer: &thirtyfour::WebDriver) -> serde_json::Value {
    js(
        customer,
        "const h = [...document.querySelectorAll('[data-cobrowse-widget]')].pop();
         const b = h.shadowRoot.querySelector('[data-cobrowse-ui=start]');
         const r = b.getBoundingClientRect(), s = getComputedStyle(b);
         return [b.textContent, r.left, r.top, r.width, r.height, s.backgroundColor, s.color,
                 s.borderRadius, s.fontSize, h.hasAttribute('data-cobrowse-launcher')];",
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_module_loads_when_the_customer_presses_the_button() {
    let h = Harness::start().await;
    let customer = h.browser().await;
    let result = async {
        customer.goto(&format!("{}/", h.demo_url())).await?;
        let button = eventually("the co-browse button", START, || async {
            widget(&customer, "start").await.ok()
        })
        .await?;
        let before = start_button(&customer).await;
        assert_eq!(before[9], true, "the loader's button: {before}");
        assert_eq!(module_fetched(&customer).await, Vec::<String>::new());
        button.click().await?;
        consent_asked(&customer).await?;
        // Now the page has fetched the module: the check above would have seen it.
        let fetched = module_fetched(&customer).await;
        assert!(
            fetched.iter().any(|u| u.ends_with("master_wasm_bg.wasm")),
            "{fetched:?}"
        );
        assert_eq!(
            js(
                &customer,
                "return document.querySelectorAll('[data-cobrowse-widget]').length;"
            )
            .await,
            1,
            "the loader's button made way for the widget"
        );
        // The customer says no: the module's own button is where the loader's was, the same.
        let cancel = js(
            &customer,
            "const h = document.querySelector('[data-cobrowse-widget]');
             return h.shadowRoot.querySelector('[data-part=cancel]');",
        )
        .await;
        assert!(cancel.is_object());
        customer
            .execute(
                "document.querySelector('[data-cobrowse-widget]').shadowRoot
                   .querySelector('[data-part=cancel]').click(); return 1;",
                vec![],
            )
            .await?;
        let after = eventually("the widget's own button", START, || async {
            let b = start_button(&customer).await;
            (b[9] == false && b[3].as_f64() > Some(0.0)).then_some(b)
        })
        .await?;
        let same = |v: &serde_json::Value| v.as_array().unwrap()[..9].to_vec();
        assert_eq!(
            same(&before),
            same(&after),
            "the same button, at the same place"
        );
        TestResult::Ok(())
    }
    .await;
    h.finish(vec![customer]).await;
    result.unwrap();
}
