//! What the CSS and font proxy refuses (#15 item 14), against the real relay and real upstream
//! web servers on 127.0.0.1, all on port 0: hosts are allowed with their port; private
//! addresses only when named explicitly, on every redirect hop too; only fonts and sheets;
//! no CORS grant to anyone; a cap on fetches at once; no upstream error text to the client.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use common::*;
use tokio::sync::Notify;

/// An upstream site: its address and how many requests reached its gated `/slow.css`.
struct Site {
    addr: std::net::SocketAddr,
    slow_arrived: Arc<AtomicUsize>,
    gate: Arc<Notify>,
}

impl Site {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// `redirect_to`: where `/hop.css` sends the client.
async fn site(redirect_to: Option<String>) -> Site {
    let slow_arrived = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(Notify::new());
    let (arrived, wait) = (slow_arrived.clone(), gate.clone());
    let typed = |t: &'static str, body: &'static str| ([(header::CONTENT_TYPE, t)], body);
    let app = axum::Router::new()
        .route(
            "/a.css",
            get(move || async move { typed("text/css", ".a{}") }),
        )
        .route(
            "/f.woff2",
            get(move || async move { typed("font/woff2", "wOF2") }),
        )
        .route(
            "/f.ttf",
            get(move || async move { typed("application/octet-stream", "ttf") }),
        )
        .route(
            "/download.bin",
            get(move || async move { typed("application/octet-stream", "MZ") }),
        )
        .route(
            "/script.woff",
            get(move || async move { typed("text/javascript", "alert(1)") }),
        )
        .route(
            "/slow.css",
            get(move || async move {
                arrived.fetch_add(1, Ordering::SeqCst);
                wait.notified().await;
                typed("text/css", ".slow{}")
            }),
        )
        .route(
            "/hop.css",
            get(move || async move {
                Redirect::temporary(redirect_to.as_deref().unwrap_or("/a.css")).into_response()
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Site {
        addr,
        slow_arrived,
        gate,
    }
}

fn via(r: &Relay, kind: &str, target: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(target.as_bytes()).collect();
    r.url(&format!("/proxy/{kind}?url={encoded}"))
}

/// Status and body of a GET, redirects not followed.
async fn get_status(url: String) -> (u16, String) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = client.get(url).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

fn only(domains: Vec<String>) -> impl FnOnce(&mut cobrowse_relay::Config) {
    move |c| c.allowed_external_domains = Some(domains)
}

#[tokio::test]
async fn an_allowed_host_is_allowed_on_its_own_port_only() {
    let (named, other) = (site(None).await, site(None).await);
    let r = relay_configured(only(vec![format!("127.0.0.1:{}", named.addr.port())])).await;
    assert_eq!(
        get_status(via(&r, "css", &named.url("/a.css"))).await,
        (200, ".a{}".into())
    );
    let (status, _) = get_status(via(&r, "css", &other.url("/a.css"))).await;
    assert_eq!(
        status, 307,
        "another port of the same host is another site: not fetched"
    );

    // By default the allowed origins' hosts, with their ports.
    let port = named.addr.port();
    let r = relay_configured(move |c| {
        c.allowed_origins = Some(vec![format!("http://127.0.0.1:{port}")])
    })
    .await;
    assert_eq!(
        get_status(via(&r, "css", &named.url("/a.css"))).await.0,
        200
    );
    assert_eq!(
        get_status(via(&r, "css", &other.url("/a.css"))).await.0,
        307
    );
}

#[tokio::test]
async fn private_addresses_are_refused_unless_named_with_their_port() {
    let s = site(None).await;
    let port = s.addr.port();
    let by_ip = s.url("/a.css");
    let by_name = format!("http://localhost:{port}/a.css");
    let mapped = format!("http://[::ffff:127.0.0.1]:{port}/a.css");
    for (pattern, targets) in [
        ("127.0.0.1:*", vec![&by_ip]),
        ("localhost:*", vec![&by_name]),
        ("*:*", vec![&by_ip, &by_name, &mapped]),
    ] {
        let r = relay_configured(only(vec![pattern.into()])).await;
        for target in targets {
            let (status, body) = get_status(via(&r, "css", target)).await;
            assert_eq!(status, 403, "{pattern} lets {target} through: {body}");
            assert_eq!(body, "this address is not public");
        }
    }
    let r = relay_configured(only(vec![
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
    ]))
    .await;
    assert_eq!(get_status(via(&r, "css", &s.url("/a.css"))).await.0, 200);
    assert_eq!(get_status(via(&r, "css", &by_name)).await.0, 200);
}

#[tokio::test]
async fn each_redirect_hop_is_checked_like_the_first() {
    let inner = site(None).await;
    let to_inner = format!("http://localhost:{}/a.css", inner.addr.port());
    let outer = site(Some(to_inner)).await;
    // The inner site is allowed by a wildcard only: a private address not named explicitly.
    let r = relay_configured(only(vec![
        format!("127.0.0.1:{}", outer.addr.port()),
        "localhost:*".into(),
    ]))
    .await;
    let (status, body) = get_status(via(&r, "css", &outer.url("/hop.css"))).await;
    assert_eq!(status, 403, "{body}");
    // The same redirect to a place named explicitly is followed.
    let r = relay_configured(only(vec![
        format!("127.0.0.1:{}", outer.addr.port()),
        format!("localhost:{}", inner.addr.port()),
    ]))
    .await;
    assert_eq!(
        get_status(via(&r, "css", &outer.url("/hop.css"))).await,
        (200, ".a{}".into())
    );
}

#[tokio::test]
async fn only_fonts_are_served_as_fonts_and_to_no_other_origin() {
    let s = site(None).await;
    let r = relay_configured(only(vec![format!("127.0.0.1:{}", s.addr.port())])).await;
    let font = reqwest::get(via(&r, "font", &s.url("/f.woff2")))
        .await
        .unwrap();
    assert_eq!(font.status(), 200);
    assert!(
        font.headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none(),
        "the view is on the relay's own origin: no other origin gets the fonts"
    );
    assert_eq!(font.headers()["x-content-type-options"], "nosniff");
    assert_eq!(get_status(via(&r, "font", &s.url("/f.ttf"))).await.0, 200);
    for not_a_font in ["/download.bin", "/script.woff", "/a.css"] {
        let (status, body) = get_status(via(&r, "font", &s.url(not_a_font))).await;
        assert_eq!(status, 415, "{not_a_font}: {body}");
        assert_eq!(body, "not a font");
    }
    let (status, body) = get_status(via(&r, "css", &s.url("/f.woff2"))).await;
    assert_eq!((status, body.as_str()), (415, "not a stylesheet"));
}

#[tokio::test]
async fn fetches_beyond_proxy_concurrency_are_told_to_come_back() {
    let s = site(None).await;
    let port = s.addr.port();
    let r = relay_configured(move |c| {
        c.allowed_external_domains = Some(vec![format!("127.0.0.1:{port}")]);
        c.proxy_concurrency = 1;
    })
    .await;
    let first = tokio::spawn(get_status(via(&r, "css", &s.url("/slow.css"))));
    let arrived = async {
        while s.slow_arrived.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), arrived)
        .await
        .expect("the first fetch reaches the upstream");
    let (status, body) = get_status(via(&r, "css", &s.url("/a.css"))).await;
    s.gate.notify_waiters();
    assert_eq!(
        (status, body.as_str()),
        (503, "too many fetches at once, retry")
    );
    assert_eq!(first.await.unwrap(), (200, ".slow{}".into()));
    assert_eq!(s.slow_arrived.load(Ordering::SeqCst), 1);
    assert_eq!(
        get_status(via(&r, "css", &s.url("/a.css"))).await.0,
        200,
        "free again"
    );
}

#[tokio::test]
async fn upstream_errors_reach_the_client_as_a_fixed_message() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let r = relay_configured(only(vec![format!("127.0.0.1:{port}")])).await;
    let target = format!("http://127.0.0.1:{port}/secret-path.css");
    let (status, body) = get_status(via(&r, "css", &target)).await;
    assert_eq!(
        (status, body.as_str()),
        (502, "the file could not be fetched"),
        "no upstream error text, no address"
    );
}
