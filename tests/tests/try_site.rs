//! `cobrowse-relay try URL`: a site that has no snippet (served by the test, on its own port)
//! becomes co-browsable through the relay's local proxy. The proxied page has the snippet and
//! its own links pointed at the proxy, the site's cookies stick on the proxy's origin, a
//! customer starts co-browse on the proxied page and an agent sees it. The proxy refuses to
//! listen anywhere but on a loopback address.

use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::Router;
use cobrowse_e2e::cluster::relay_binary;
use cobrowse_e2e::*;
use test_servers::{free_port_with, RelayProcess};

const TOKEN: &str = "try-site-supervisor-token-0123456789";

/// A site that knows nothing of co-browse: a page with a link to itself, a cookie for its
/// own domain, and a redirect.
async fn serve_site() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let here = origin.clone();
    let page = format!(
        "<!doctype html><html><head><title>Plain shop</title></head>\
         <body><h1 id=\"shop\">A shop without co-browse</h1>\
         <a id=\"next\" href=\"{origin}/next\">next</a></body></html>"
    );
    let app = Router::new()
        .route(
            "/",
            get(move || async move {
                (
                    [
                        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                        (header::SET_COOKIE, "basket=3; Domain=shop.example; Path=/"),
                        (header::CONTENT_SECURITY_POLICY, "script-src 'self'"),
                    ],
                    page,
                )
                    .into_response()
            }),
        )
        .route(
            "/old",
            get(move || async move { Redirect::to(&format!("{here}/next")) }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    origin
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_without_the_snippet_is_co_browsed_through_try() {
    let root = workspace_root();
    let site = serve_site().await;
    let proxy_port = free_port_with(0);
    let proxied = format!("http://127.0.0.1:{proxy_port}");
    let args = [
        "--assets-dir",
        &root.join("dist").display().to_string(),
        "--www-dir",
        &root.join("www").display().to_string(),
        "--supervisor-tokens",
        TOKEN,
        "try",
        &format!("{site}/"),
        "--proxy-listen",
        &format!("127.0.0.1:{proxy_port}"),
    ]
    .map(String::from);
    let relay = RelayProcess::start(&relay_binary(), &args);

    // The proxied page: the snippet, the site's own link through the proxy, the cookie
    // without the site's domain, no policy that would refuse the relay's script.
    let answer = reqwest::get(format!("{proxied}/")).await.unwrap();
    assert_eq!(answer.status(), 200);
    let headers = answer.headers().clone();
    assert!(headers.get(header::CONTENT_SECURITY_POLICY).is_none());
    assert_eq!(
        headers[header::SET_COOKIE].to_str().unwrap(),
        "basket=3; Path=/"
    );
    let html = answer.text().await.unwrap();
    let snippet = format!("<script src=\"{}/cobrowse.js\"", relay.url);
    assert!(html.contains(&snippet), "{snippet} in {html}");
    assert!(
        html.contains(&format!("href=\"{proxied}/next\"")),
        "the site's link goes through the proxy: {html}"
    );

    // A redirect to the site itself stays in the proxy.
    let no_follow = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let moved = no_follow
        .get(format!("{proxied}/old"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        moved.headers()[header::LOCATION].to_str().unwrap(),
        format!("{proxied}/next")
    );

    with_two_browsers(&[], async |customer, agent| {
        let code = customer_starts_at(&proxied, customer, "/").await?;
        let console = format!("{}/agent#token={TOKEN}", relay.url);
        agent_joins_at(&console, agent, &code).await?;
        eventually("the agent to see the proxied site", START, || async {
            let h1 = in_view(
                agent,
                "doc.getElementById('shop') && doc.getElementById('shop').textContent",
            )
            .await;
            (h1 == "A shop without co-browse").then_some(())
        })
        .await
    })
    .await;
}

#[test]
fn try_refuses_to_listen_beyond_loopback() {
    let port = free_port_with(0);
    let out = std::process::Command::new(relay_binary())
        .args(["--listen", "127.0.0.1:0", "try", "http://127.0.0.1:9/"])
        .args(["--proxy-listen", &format!("0.0.0.0:{port}")])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("loopback"), "{err}");
    let out = std::process::Command::new(relay_binary())
        .args(["--listen", "0.0.0.0:0", "try", "http://127.0.0.1:9/"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));
}
