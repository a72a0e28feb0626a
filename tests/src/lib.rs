//! End-to-end harness: the real relay (with the demo site) on port 0, a chromedriver on a free
//! port, and headless Chromium sessions with fresh profiles. Helpers read what each side shows
//! through the automation contract (`data-cobrowse-ui` attributes).

pub mod app_site;
pub mod browsers;
pub mod cluster;
pub mod console;
pub mod corpus;
pub mod engine;
pub mod fidelity;
pub mod firefox;
pub mod hostile;
pub mod interrupted;
pub mod pixels;
pub mod session_core;
pub mod static_site;
pub mod tap;
pub mod webkit;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cobrowse_relay::{run, Config, Started};
use thirtyfour::prelude::*;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use browsers::{chromium, start_chromedriver, with_two_browsers, Browsers};

pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

pub struct Harness {
    pub started: Started,
    shutdown: Option<oneshot::Sender<()>>,
    relay: tokio::task::JoinHandle<()>,
    browsers: Browsers,
    _data: tempfile::TempDir,
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

/// Waits until something accepts connections on `port` (a driver `what` just started).
pub(crate) async fn wait_for_port(port: u16, what: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(std::time::Instant::now() < deadline, "{what} did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub(crate) async fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
    l.local_addr().expect("local addr").port()
}

impl Harness {
    /// Starts the relay with `adjust` applied to its configuration.
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        Self::serving(adjust, true).await
    }

    /// Starts the relay with the bundles as shipped (`make wasm`, no test hooks): for the
    /// benchmarks, which measure what a site serves and drive the session only as a person
    /// would.
    pub async fn start_shipped() -> Self {
        Self::serving(|_| {}, false).await
    }

    async fn serving(adjust: impl FnOnce(&mut Config), with_test_hooks: bool) -> Self {
        let root = workspace_root();
        let dist = root.join("dist");
        assert!(
            dist.join("master/master_wasm.js").exists()
                && dist.join("slave/slave_wasm.js").exists(),
            "the wasm bundles are missing in {}: run `make wasm-test` (`make test` does it first)",
            dist.display()
        );
        // Built with the feature `test-hooks`: the console's `window.cobrowseCraft` is in it.
        let console = std::fs::read(dist.join("slave/slave_wasm_bg.wasm")).unwrap_or_default();
        assert!(
            !with_test_hooks || console.windows(13).any(|w| w == b"cobrowseCraft"),
            "the bundles in {} have no test hooks (built by `make wasm` or `make release`): \
             run `make wasm-test` (`make test` does it first)",
            dist.display()
        );
        let data = tempfile::tempdir().expect("temp dir");
        let mut config = Config {
            assets_dir: Some(dist),
            www_dir: root.join("www"),
            data_dir: data.path().to_path_buf(),
            ..Config::default()
        };
        adjust(&mut config);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind relay");
        let demo = TcpListener::bind("127.0.0.1:0").await.expect("bind demo");
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let (started_tx, started_rx) = oneshot::channel();
        let relay = tokio::spawn(async move {
            let result = run(
                listener,
                Some(demo),
                config,
                move |s| {
                    let _ = started_tx.send(s.clone());
                },
                async move {
                    let _ = stop_rx.await;
                },
            )
            .await;
            if let Err(e) = result {
                panic!("relay failed: {e}");
            }
        });
        let started = started_rx.await.expect("relay started");

        Self {
            started,
            shutdown: Some(stop_tx),
            relay,
            browsers: Browsers::start(&[]).await,
            _data: data,
        }
    }

    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub fn demo_url(&self) -> &str {
        self.started.demo_url.as_deref().expect("demo is on")
    }

    /// A new headless Chromium with its own fresh profile.
    pub async fn browser(&self) -> WebDriver {
        self.browser_sized(1280, 900).await
    }

    /// A new headless Chromium emulating a phone (390 × 844, 3 device pixels per CSS pixel,
    /// touch).
    pub async fn phone(&self) -> WebDriver {
        self.browsers.open_phone().await
    }

    /// A new headless Chromium whose window is `width` × `height`.
    pub async fn browser_sized(&self, width: u32, height: u32) -> WebDriver {
        self.browsers.open_sized(width, height).await
    }

    /// Closes the browsers and stops the relay; call it whether the test passed or not.
    pub async fn finish(mut self, browsers: Vec<WebDriver>) {
        self.browsers.quit(browsers).await;
        if let Some(stop) = self.shutdown.take() {
            let _ = stop.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), &mut self.relay).await;
    }
}

tokio::task_local! {
    /// Set while an [`eventually`] probe runs: a script that fails there (an element not there
    /// yet, a page still loading) means "not yet", not a failed test.
    static PROBING: ();
}

/// Polls `probe` until it yields a value, or fails after `timeout` with `what`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut probe: F) -> TestResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = PROBING.scope((), probe()).await {
            return Ok(v);
        }
        if Instant::now() >= deadline {
            return Err(format!("timed out after {timeout:?} waiting for {what}").into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Runs a script and returns its value as JSON. A script that throws (or a browser that
/// cannot run it) fails the test there, with the script and the error: it never turns into a
/// `null` that an assertion could accept. Inside an [`eventually`] probe it gives
/// `{"scriptFailed": error}` instead, which equals no value a probe waits for: the probe
/// tries again.
pub async fn js(driver: &WebDriver, script: &str) -> serde_json::Value {
    match driver.execute(script, vec![]).await {
        Ok(ret) => ret.json().clone(),
        Err(e) if PROBING.try_with(|_| ()).is_ok() => {
            serde_json::json!({ "scriptFailed": e.to_string() })
        }
        Err(e) => panic!("the script failed: {e}\n--- script ---\n{script}"),
    }
}

/// An element of the customer widget (inside its open shadow root). Found by a script, which
/// every engine's driver answers with the element (geckodriver refuses thirtyfour's search
/// from a shadow root).
pub async fn widget(driver: &WebDriver, ui: &str) -> TestResult<WebElement> {
    let script = format!(
        "const h = document.querySelector('[data-cobrowse-widget]');
         return (h && h.shadowRoot && h.shadowRoot.querySelector('[data-cobrowse-ui={ui}]'))
             || null;"
    );
    let found = driver.execute(&script, vec![]).await?;
    if found.json().is_null() {
        return Err(format!("no widget element {ui}").into());
    }
    Ok(found.element()?)
}

/// The widget element `ui` once it is shown: the widget keeps some elements hidden until
/// asked (the write-mode question's buttons), and pressing a hidden one fails.
pub async fn shown_widget(driver: &WebDriver, ui: &str) -> TestResult<WebElement> {
    let script = format!(
        "const h = document.querySelector('[data-cobrowse-widget]');
         const e = h && h.shadowRoot && h.shadowRoot.querySelector('[data-cobrowse-ui={ui}]');
         return e && e.getClientRects().length > 0 ? e : null;"
    );
    eventually(&format!("the widget's {ui} to show"), START, || async {
        let found = driver.execute(&script, vec![]).await.ok()?;
        if found.json().is_null() {
            return None;
        }
        found.element().ok()
    })
    .await
}

/// The visible text of a widget element, "" when absent.
pub async fn widget_text(driver: &WebDriver, ui: &str) -> String {
    let script = format!(
        "const h = document.querySelector('[data-cobrowse-widget]');
         const e = h && h.shadowRoot.querySelector('[data-cobrowse-ui={ui}]');
         return e ? e.textContent : '';"
    );
    js(driver, &script).await.as_str().unwrap_or("").to_string()
}

/// Evaluates `expr` with `doc` bound to the agent view's document.
pub async fn in_view(agent: &WebDriver, expr: &str) -> serde_json::Value {
    let script = format!(
        "const doc = document.querySelector('[data-cobrowse-ui=view]').contentDocument;
         if (!doc) return null;
         return ({expr});"
    );
    js(agent, &script).await
}

/// Waits until `expr` (with `doc` the view's document) evaluates to `want`; on a timeout, says
/// what the view showed instead.
pub async fn view_is(
    agent: &WebDriver,
    what: &str,
    expr: &str,
    want: serde_json::Value,
) -> TestResult {
    let result = eventually(what, START, || async {
        (in_view(agent, expr).await == want).then_some(())
    })
    .await;
    if result.is_err() {
        eprintln!(
            "{what}: the view shows {} where {want} was expected",
            in_view(agent, expr).await
        );
    }
    result
}

/// The lines of the console's fidelity report (what the view cannot show), joined.
pub async fn fidelity_report(agent: &WebDriver) -> String {
    js(agent, "const r = document.querySelector('[data-cobrowse-ui=fidelity]'); return r ? r.textContent : '';")
        .await
        .as_str()
        .unwrap_or("")
        .to_string()
}

/// Waits until the console's fidelity report mentions `text`.
pub async fn report_says(agent: &WebDriver, text: &str) -> TestResult {
    eventually(
        &format!("the fidelity report to say {text:?}"),
        START,
        || async { fidelity_report(agent).await.contains(text).then_some(()) },
    )
    .await
}

/// The agent console's status line.
pub async fn agent_status(agent: &WebDriver) -> String {
    js(agent, "const s = document.querySelector('[data-cobrowse-ui=status]'); return s ? s.textContent : '';")
        .await
        .as_str()
        .unwrap_or("")
        .to_string()
}

/// The customer opens `path` on the demo site, starts co-browse, confirms, and reads the code.
pub async fn customer_starts(h: &Harness, customer: &WebDriver, path: &str) -> TestResult<String> {
    customer_starts_at(h.demo_url(), customer, path).await
}

/// As [`customer_starts`], on the demo site at `demo_url`.
pub async fn customer_starts_at(
    demo_url: &str,
    customer: &WebDriver,
    path: &str,
) -> TestResult<String> {
    customer.goto(&format!("{demo_url}{path}")).await?;
    customer_starts_here(customer).await
}

/// The customer starts co-browse on the page it is on, confirms, and reads the code.
pub async fn customer_starts_here(customer: &WebDriver) -> TestResult<String> {
    let start = eventually("the co-browse button", Duration::from_secs(15), || async {
        widget(customer, "start").await.ok()
    })
    .await?;
    start.click().await?;
    consent_asked(customer).await?.click().await?;
    let code = eventually("a 9-digit code", Duration::from_secs(10), || async {
        let text = widget_text(customer, "code").await;
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        (digits.len() == 9).then_some(text)
    })
    .await?;
    Ok(code)
}

/// The widget's consent question, once the customer pressed the co-browse button: the button
/// is the loader's, and the customer module (whose widget asks) is loaded by the press.
pub async fn consent_asked(customer: &WebDriver) -> TestResult<WebElement> {
    shown_widget(customer, "confirm").await
}

/// The agent opens the console (with the dev token in the URL), types `code` and joins.
pub async fn agent_joins(h: &Harness, agent: &WebDriver, code: &str) -> TestResult {
    agent_joins_at(&h.started.agent_url, agent, code).await
}

/// As [`agent_joins`], with the console opened at `agent_url` (through a tap, say).
pub async fn agent_joins_at(agent_url: &str, agent: &WebDriver, code: &str) -> TestResult {
    agent.goto(agent_url).await?;
    join_with(agent, code).await
}

/// Types `code` into the open console's join form (the first join, or again after a failed
/// one) and joins.
pub async fn join_with(agent: &WebDriver, code: &str) -> TestResult {
    let input = eventually("the join form", Duration::from_secs(15), || async {
        agent
            .find(By::Css("[data-cobrowse-ui=join-code]"))
            .await
            .ok()
    })
    .await?;
    input.clear().await?;
    input.send_keys(code).await?;
    agent
        .find(By::Css("[data-cobrowse-ui=join]"))
        .await?
        .click()
        .await?;
    Ok(())
}

/// Generous bound for page loads and wasm start-up on a busy CI machine.
pub const START: Duration = Duration::from_secs(20);

/// The customer starts co-browse on `path`, the agent joins, and both see the session running.
pub async fn in_session(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
    path: &str,
) -> TestResult {
    in_session_at(h, customer, agent, path, &h.started.agent_url).await
}

/// As [`in_session`], with the console opened at `agent_url` (with `&debug=1&record=1`, say).
pub async fn in_session_at(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
    path: &str,
    agent_url: &str,
) -> TestResult {
    let code = customer_starts(h, customer, path).await?;
    assert!(
        widget_text(customer, "status")
            .await
            .contains("Read this code"),
        "the customer is told to read the code"
    );
    agent_joins_at(agent_url, agent, &code).await?;
    eventually("the agent to see the page", START, || async {
        agent_status(agent).await.contains("viewing").then_some(())
    })
    .await?;
    eventually("the customer to be told", START, || async {
        widget_text(customer, "status")
            .await
            .contains("representative is viewing")
            .then_some(())
    })
    .await
}

/// The reports in the relay's history now, oldest first; `None` when they cannot be read.
pub async fn history_now(h: &Harness) -> Option<Vec<serde_json::Value>> {
    let token = h
        .started
        .dev_token
        .clone()
        .expect("the harness uses the dev token");
    history_at(&h.started.relay_url, &token).await
}

/// The reports in the history of the relay at `relay` (its URL), read with `token`; `None`
/// when they cannot be read.
pub async fn history_at(relay: &str, token: &str) -> Option<Vec<serde_json::Value>> {
    let body = reqwest::Client::new()
        .get(format!("{relay}/api/v1/history"))
        .bearer_auth(token)
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    serde_json::from_str(&body).ok()
}

/// The reports in the relay's history, oldest first, once the newest has ended.
pub async fn ended_reports(h: &Harness) -> TestResult<Vec<serde_json::Value>> {
    eventually("the stored reports", START, || async {
        let list = history_now(h).await?;
        (!list.last()?["endTime"].is_null()).then_some(list)
    })
    .await
}

/// The computed `property` (camelCase) of `selector` in the agent's view, as a string.
pub async fn view_style(agent: &WebDriver, selector: &str, property: &str) -> String {
    in_view(
        agent,
        &format!("getComputedStyle(doc.querySelector('{selector}')).{property}"),
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_string()
}

/// Waits until the demo site's stylesheet applies in the agent's view.
pub async fn demo_stylesheet_shown(agent: &WebDriver) -> TestResult {
    view_shows(
        agent,
        "the page's stylesheet in the view",
        ".topbar",
        "display",
        "flex",
    )
    .await
}

/// Waits (up to [`START`]) until `selector`'s computed `property` is `value` in the agent's view.
pub async fn view_shows(
    agent: &WebDriver,
    what: &str,
    selector: &str,
    property: &str,
    value: &str,
) -> TestResult {
    eventually(what, START, || async {
        (view_style(agent, selector, property).await == value).then_some(())
    })
    .await
}

/// The center of `selector` in the customer's viewport (CSS pixels, rounded).
pub async fn center(customer: &WebDriver, selector: &str) -> (i64, i64) {
    let r = js(
        customer,
        &format!(
            "const r = document.querySelector('{selector}').getBoundingClientRect();
             return [Math.round(r.left + r.width / 2), Math.round(r.top + r.height / 2)];"
        ),
    )
    .await;
    (r[0].as_i64().unwrap_or(0), r[1].as_i64().unwrap_or(0))
}

/// Dispatches the mouse `events` on the console's glass where the view shows the customer's
/// viewport point `(x, y)`, whatever the view's scale.
pub async fn agent_mouse_at(agent: &WebDriver, (x, y): (i64, i64), events: &[&str]) {
    let events = serde_json::to_string(events).unwrap_or_default();
    js(
        agent,
        &format!(
            "const w = document.querySelector('.frame-wrap'); const r = w.getBoundingClientRect();
             const s = r.width / parseFloat(w.style.width);
             const glass = document.querySelector('[data-cobrowse-ui=glass]');
             for (const type of {events}) {{
               glass.dispatchEvent(new MouseEvent(type,
                 {{ bubbles: true, clientX: r.left + {x} * s, clientY: r.top + {y} * s }}));
             }}
             return 1;"
        ),
    )
    .await;
}

/// An end-to-end test of `$flow` with one side in another engine: `customer_in_firefox`
/// (headless `firefox-esr`) or `customer_in_webkit` with the agent in Chromium,
/// `agent_in_firefox` with the customer in Chromium.
#[macro_export]
macro_rules! e2e_engine {
    ($name:ident, $flow:ident, customer_in_firefox) => {
        $crate::e2e_engine!(@customer $name, $flow, $crate::firefox::Firefox);
    };
    ($name:ident, $flow:ident, customer_in_webkit) => {
        $crate::e2e_engine!(@customer $name, $flow, $crate::webkit::WebKit);
    };
    // The customer in `$engine` (a type with `open(width, height)`, `driver` and `quit()`).
    (@customer $name:ident, $flow:ident, $engine:path) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let h = $crate::Harness::start().await;
            let customer = <$engine>::open(1280, 900).await;
            let agent = h.browser().await;
            let result = $flow(&h, &customer.driver, &agent).await;
            customer.quit().await;
            h.finish(vec![agent]).await;
            if let Err(e) = result {
                panic!("{e}");
            }
        }
    };
    ($name:ident, $flow:ident, agent_in_firefox) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let h = $crate::Harness::start().await;
            let customer = h.browser().await;
            let agent = $crate::firefox::Firefox::open(1280, 900).await;
            let result = $flow(&h, &customer, &agent.driver).await;
            agent.quit().await;
            h.finish(vec![customer]).await;
            if let Err(e) = result {
                panic!("{e}");
            }
        }
    };
}

/// An end-to-end test: a harness (its relay configured by `$configure`, if given), a customer
/// and an agent browser, `$flow(&h, &customer, &agent)`, and the browsers closed and the relay
/// stopped whether it passed or not.
#[macro_export]
macro_rules! e2e {
    ($name:ident, $flow:ident) => {
        $crate::e2e!($name, $flow, |_| {});
    };
    // With the customer's and the agent's windows of these sizes.
    ($name:ident, $flow:ident, customer: $c:expr, agent: $a:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let h = $crate::Harness::start().await;
            let customer = h.browser_sized($c.0, $c.1).await;
            let agent = h.browser_sized($a.0, $a.1).await;
            let result = $flow(&h, &customer, &agent).await;
            h.finish(vec![customer, agent]).await;
            if let Err(e) = result {
                panic!("{e}");
            }
        }
    };
    // With the relay's configuration adjusted first, and windows of these sizes.
    ($name:ident, $flow:ident, $configure:expr, customer: $c:expr, agent: $a:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let h = $crate::Harness::start_with($configure).await;
            let customer = h.browser_sized($c.0, $c.1).await;
            let agent = h.browser_sized($a.0, $a.1).await;
            let result = $flow(&h, &customer, &agent).await;
            h.finish(vec![customer, agent]).await;
            if let Err(e) = result {
                panic!("{e}");
            }
        }
    };
    // With the relay's configuration adjusted first.
    ($name:ident, $flow:ident, $configure:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let h = $crate::Harness::start_with($configure).await;
            let customer = h.browser().await;
            let agent = h.browser().await;
            let result = $flow(&h, &customer, &agent).await;
            h.finish(vec![customer, agent]).await;
            if let Err(e) = result {
                panic!("{e}");
            }
        }
    };
}
