//! What the relay's log says about customers' pages and their stylesheets: the URL without its
//! query, fragment or password, even when the history keeps query strings
//! (`keep_query_strings`).

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use shared_protocol::*;

/// Every log line of this test binary, as the relay's binary would print them.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn no_log_line_shows_a_customers_query_or_fragment() {
    let log = Captured::default();
    let writer = log.clone();
    tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();
    // A web server that has no stylesheet at all: the proxy's error names the address.
    let site = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let site_url = format!("http://{}", site.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(site, axum::Router::new()).await.unwrap() });
    let origins = vec![ORIGIN.to_string(), site_url.clone()];
    let r = relay_configured(|c| {
        c.keep_query_strings = true;
        c.allowed_origins = Some(origins);
    })
    .await;
    let mut c = customer(&r).await;
    let first = PageInfo {
        url: "http://shop.test/checkout?card=4111111111111111#access_token=first-secret".into(),
        title: "Checkout".into(),
    };
    let create = CustomerMsg::Create {
        page: first,
        user_agent: String::new(),
        first_session: true,
    };
    send(&mut c, 0, create).await;
    let RelayMsg::Created { .. } = msg(&mut c).await else {
        panic!("Created")
    };
    let next_page = PageInfo {
        url: "http://shop.test/account?iban=DE0012345678#code=second-secret".into(),
        title: "Account".into(),
    };
    send(&mut c, 0, CustomerMsg::PageVisit(next_page)).await;
    // The page visit is logged before it is stored, and the store answers the live list.
    let mut seen = String::new();
    for _ in 0..250 {
        seen = log.text();
        if seen.contains("http://shop.test/account") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        seen.contains("http://shop.test/checkout") && seen.contains("http://shop.test/account"),
        "both pages are logged, by path: {seen}"
    );
    // A stylesheet of the page the proxy could not fetch: logged by path too.
    for sheet in [
        format!("{site_url}/gone.css?session=sheet-secret#frag-secret"),
        site_url.replace("http://", "http://ana:password-secret@") + "/gone-too.css",
    ] {
        let encoded: String = url::form_urlencoded::byte_serialize(sheet.as_bytes()).collect();
        let res = reqwest::get(r.url(&format!("/proxy/css?url={encoded}")))
            .await
            .unwrap();
        assert_eq!(res.status(), 502);
    }
    let seen = log.text();
    assert!(
        seen.contains("/gone.css: HTTP 404") && seen.contains("/gone-too.css: HTTP 404"),
        "the proxy's errors are logged: {seen}"
    );
    for secret in [
        "sheet-secret",
        "frag-secret",
        "password-secret",
        "4111111111111111",
        "first-secret",
        "DE0012345678",
        "second-secret",
    ] {
        assert!(!seen.contains(secret), "{secret} in the log: {seen}");
    }
    r.shut_down().await;
}
