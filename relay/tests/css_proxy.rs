//! The CSS proxy and the patch stylesheet, against the real relay and a real upstream web
//! server, both on port 0.

mod common;

use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use common::*;

/// A site on 127.0.0.1 with a stylesheet (relative URLs, an import), a page that is not CSS,
/// a redirect off-site, and an oversized sheet.
async fn upstream() -> String {
    let css = |body: &'static str| ([(header::CONTENT_TYPE, "text/css")], body).into_response();
    let app = axum::Router::new()
        .route(
            "/css/site.css",
            get(move || async move {
                css("@import 'base.css';\n.logo { background: url(../img/logo.png) }\n.hero { background: url('https://cdn.test/h.png') }")
            }),
        )
        .route("/css/base.css", get(move || async move { css("body { margin: 0 }") }))
        .route(
            "/css/fonts.css",
            get(move || async move { css("@font-face { font-family: F; src: url(f.woff) }") }),
        )
        .route("/css/f.woff", get(|| async { ([(header::CONTENT_TYPE, "font/woff")], "wOFF-bytes") }))
        .route("/page.html", get(|| async { ([(header::CONTENT_TYPE, "text/html")], "<script>x</script>") }))
        .route("/away.css", get(|| async { Redirect::temporary("http://localhost:9/evil.css") }))
        .route(
            "/deep.css",
            get(|| async {
                let depth = 300;
                let sheet = format!(
                    "{}@font-face {{ src: url(deep.woff) }}{} .b {{ x: {} url(y.png)",
                    "@supports (display: grid) {".repeat(depth),
                    "}".repeat(depth),
                    "(".repeat(1_000_000)
                );
                ([(header::CONTENT_TYPE, "text/css")], sheet)
            }),
        )
        .route(
            "/huge.css",
            get(|| async { ([(header::CONTENT_TYPE, "text/css")], "a{}".repeat(2 << 20)) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn proxied(r: &Relay, target: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(target.as_bytes()).collect();
    r.url(&format!("/proxy/css?url={encoded}"))
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn allowed_hosts_are_proxied_with_absolute_urls() {
    let site = upstream().await;
    let host = site.trim_start_matches("http://").to_string();
    let r = relay_configured(|c| c.allowed_external_domains = Some(vec![host])).await;
    let res = no_redirects()
        .get(proxied(&r, &format!("{site}/css/site.css")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()[header::CONTENT_TYPE.as_str()]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    let body = res.text().await.unwrap();
    let import = proxied(&r, &format!("{site}/css/base.css"));
    assert!(
        body.contains(&format!("@import \"{import}\"")),
        "the import goes through the proxy too: {body}"
    );
    assert!(
        body.contains(&format!("url(\"{site}/img/logo.png\")")),
        "relative to the sheet, made absolute: {body}"
    );
    assert!(
        body.contains("url('https://cdn.test/h.png')"),
        "absolute ones stay as they were: {body}"
    );
    // The imported sheet, fetched through the link the proxy wrote.
    let base = reqwest::get(&import).await.unwrap().text().await.unwrap();
    assert_eq!(base, "body { margin: 0 }");

    // Fonts go through the proxy, the view's own origin: no other origin is granted CORS.
    let fonts = reqwest::get(proxied(&r, &format!("{site}/css/fonts.css")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let encoded: String =
        url::form_urlencoded::byte_serialize(format!("{site}/css/f.woff").as_bytes()).collect();
    let font_url = r.url(&format!("/proxy/font?url={encoded}"));
    assert!(fonts.contains(&format!("url(\"{font_url}\")")), "{fonts}");
    let font = reqwest::get(&font_url).await.unwrap();
    assert!(font
        .headers()
        .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .is_none());
    assert_eq!(font.headers()[header::CONTENT_TYPE.as_str()], "font/woff");
    assert_eq!(font.text().await.unwrap(), "wOFF-bytes");
    let page = reqwest::get(r.url(&format!(
            "/proxy/font?url={}",
            url::form_urlencoded::byte_serialize(format!("{site}/page.html").as_bytes())
                .collect::<String>()
        )))
    .await
    .unwrap();
    assert_eq!(page.status(), 415, "a page is not a font");
}

#[tokio::test]
async fn other_hosts_are_sent_to_their_own_address() {
    let site = upstream().await;
    let r =
        relay_configured(|c| c.allowed_external_domains = Some(vec!["*.example.com".into()])).await;
    let target = format!("{site}/css/site.css");
    let res = no_redirects()
        .get(proxied(&r, &target))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 307);
    assert_eq!(res.headers()[header::LOCATION.as_str()], target.as_str());
}

#[tokio::test]
async fn what_is_not_a_bounded_stylesheet_is_refused_with_a_reason() {
    let site = upstream().await;
    // By default, the hosts of the allowed origins: here the upstream's.
    let origin = site.clone();
    let r = relay_configured(|c| c.allowed_origins = Some(vec![origin])).await;
    let client = no_redirects();
    let status_of = |path: String| {
        let client = client.clone();
        async move {
            let res = client.get(path).send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let (status, body) = status_of(proxied(&r, &format!("{site}/page.html"))).await;
    assert_eq!((status, body.as_str()), (415, "not a stylesheet"));
    let (status, body) = status_of(proxied(&r, &format!("{site}/away.css"))).await;
    assert_eq!(
        status, 502,
        "a redirect off the allowed hosts is not followed: {body}"
    );
    let (status, body) = status_of(proxied(&r, &format!("{site}/huge.css"))).await;
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("larger"), "{body}");
    let (status, _) = status_of(proxied(&r, "javascript:alert(1)")).await;
    assert_eq!(status, 400);
    let (status, _) = status_of(r.url("/proxy/css")).await;
    assert_eq!(status, 400, "no url at all");
}

#[tokio::test]
async fn the_patch_is_served_from_a_file_or_a_url_or_not_at_all() {
    let site = upstream().await;
    let r = relay().await;
    let res = reqwest::get(r.url("/css-patch")).await.unwrap();
    assert_eq!(res.status(), 204, "no patch configured");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("patch.css");
    std::fs::write(&file, ".banner { display: none }").unwrap();
    let path = file.to_string_lossy().to_string();
    let r = relay_configured(move |c| c.css_patch_url = Some(path)).await;
    let body = reqwest::get(r.url("/css-patch"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body, ".banner { display: none }");

    let from_url = format!("{site}/css/site.css");
    let r = relay_configured(move |c| c.css_patch_url = Some(from_url)).await;
    let body = reqwest::get(r.url("/css-patch"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        body.contains(&format!("url(\"{site}/img/logo.png\")")),
        "{body}"
    );
}

#[tokio::test]
async fn deeply_nested_sheets_are_rewritten_at_every_depth() {
    let site = upstream().await;
    let host = site.trim_start_matches("http://").to_string();
    let r = relay_configured(|c| c.allowed_external_domains = Some(vec![host])).await;
    let res = reqwest::get(proxied(&r, &format!("{site}/deep.css")))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    let font: String =
        url::form_urlencoded::byte_serialize(format!("{site}/deep.woff").as_bytes()).collect();
    assert!(
        body.contains(&r.url(&format!("/proxy/font?url={font}"))),
        "300 levels deep, a font still goes through the proxy"
    );
    assert!(
        body.ends_with(&format!("url(\"{site}/y.png\")")),
        "after a million open parentheses too"
    );
    assert!(!body.contains("url(deep.woff)") && !body.contains("url(y.png)"));
}
