//! What the relay's log says about customers' pages: the URL without its query or fragment,
//! even when the history keeps query strings (`keep_query_strings`).

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
    let r = relay_configured(|c| c.keep_query_strings = true).await;
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
    for secret in [
        "4111111111111111",
        "first-secret",
        "DE0012345678",
        "second-secret",
    ] {
        assert!(!seen.contains(secret), "{secret} in the log: {seen}");
    }
    r.shut_down().await;
}
