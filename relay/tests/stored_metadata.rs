//! What of a customer's page metadata reaches the store, against the real relay and its real
//! SQLite database: lengths are capped, fragments never kept, and page visits and mode changes
//! are accepted only at a bounded rate per session.

mod common;

use std::time::Duration;

use cobrowse_relay::store::{SessionRecord, SessionStore, SqliteStore};
use common::*;
use shared_protocol::agent_control::Mode;
use shared_protocol::privacy::PrivacyRules;
use shared_protocol::*;
use uuid::Uuid;

/// Creates a session from `page` with `user_agent`; returns the socket and the session id.
async fn session_from(r: &Relay, page: PageInfo, user_agent: &str) -> (Ws, Uuid) {
    let mut c = customer(r).await;
    send(
        &mut c,
        0,
        CustomerMsg::Create {
            page,
            user_agent: user_agent.into(),
            first_session: true,
        },
    )
    .await;
    let RelayMsg::Created { session_id, .. } = msg(&mut c).await else {
        panic!("Created")
    };
    privacy_rules(&mut c).await;
    (c, Uuid::from_bytes(session_id))
}

/// Ends the session and waits until its end is stored: every write queued before it is too.
async fn exit_and_read(r: &Relay, mut c: Ws, id: Uuid) -> (SqliteStore, SessionRecord) {
    send(&mut c, 0, CustomerMsg::Exit).await;
    let store = SqliteStore::open(r.data.path()).unwrap();
    for _ in 0..250 {
        if let Some(rec) = store.get(id).unwrap().filter(|r| r.end_reason.is_some()) {
            return (store, rec);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the session's end was never stored")
}

/// The URLs of the session's stored page visits, in order.
fn page_urls(store: &SqliteStore, id: Uuid) -> Vec<String> {
    store
        .pages(id)
        .unwrap()
        .into_iter()
        .map(|p| p.url)
        .collect()
}

fn visit(url: &str, title: &str) -> CustomerMsg {
    CustomerMsg::PageVisit(PageInfo {
        url: url.into(),
        title: title.into(),
    })
}

#[tokio::test]
async fn stored_urls_titles_and_user_agents_are_capped_on_a_char_boundary() {
    let r = relay_configured(|c| c.keep_query_strings = true).await;
    let long_url = format!("http://shop.test/?q={}", "é".repeat(50_000));
    let long_title = "é".repeat(50_000);
    let page = PageInfo {
        url: long_url.clone(),
        title: long_title.clone(),
    };
    let (mut c, id) = session_from(&r, page, &"ü".repeat(50_000)).await;
    send(&mut c, 0, visit(&long_url, &long_title)).await;
    let (store, rec) = exit_and_read(&r, c, id).await;
    assert!(rec.user_agent.len() <= 512, "{}", rec.user_agent.len());
    assert!(rec.user_agent.len() >= 500 && rec.user_agent.chars().all(|c| c == 'ü'));
    assert!(rec.first_url.len() <= 2048, "{}", rec.first_url.len());
    assert!(long_url.starts_with(&rec.first_url) && rec.first_url.len() >= 2000);
    let pages = store.pages(id).unwrap();
    assert_eq!(pages.len(), 2);
    for p in pages {
        assert_eq!(p.url, rec.first_url);
        assert!(
            p.title.len() <= 512 && p.title.len() >= 500,
            "{}",
            p.title.len()
        );
        assert!(p.title.chars().all(|c| c == 'é'));
    }
}

#[tokio::test]
async fn stored_page_visits_never_keep_a_fragment() {
    for keep_query_strings in [false, true] {
        let r = relay_configured(|c| c.keep_query_strings = keep_query_strings).await;
        let page = PageInfo {
            url: "http://shop.test/cb?state=1#access_token=SECRET".into(),
            title: "Callback".into(),
        };
        let (mut c, id) = session_from(&r, page, "").await;
        send(&mut c, 0, visit("http://shop.test/app#/account/42", "App")).await;
        send(&mut c, 0, visit("http://shop.test/x#a?b=c", "Odd")).await;
        let (store, rec) = exit_and_read(&r, c, id).await;
        let first = if keep_query_strings {
            "http://shop.test/cb?state=1"
        } else {
            "http://shop.test/cb"
        };
        assert_eq!(rec.first_url, first);
        let urls = page_urls(&store, id);
        assert_eq!(
            urls,
            [first, "http://shop.test/app", "http://shop.test/x"],
            "keep_query_strings = {keep_query_strings}"
        );
    }
}

/// The relay keeps page metadata under its own privacy rules too: the first visit comes with
/// `Create`, before the customer's module has the relay's rules to mask it with.
#[tokio::test]
async fn stored_visits_follow_the_relays_own_privacy_rules() {
    let r = relay_configured(|c| {
        c.keep_query_strings = true;
        c.privacy_rules = vec![PrivacyRules {
            url: Some("*/private/*".into()),
            private_by_default: Some(true),
            ..PrivacyRules::default()
        }];
    })
    .await;
    let page = PageInfo {
        url: "http://shop.test/private/statement?account=FR7612345".into(),
        title: "Statement of Jeanne Martin".into(),
    };
    let (mut c, id) = session_from(&r, page, "").await;
    send(
        &mut c,
        0,
        visit("http://shop.test/private/card?pan=4970", "Card of Jeanne"),
    )
    .await;
    send(
        &mut c,
        0,
        visit("http://shop.test/open/help?topic=cards", "Help"),
    )
    .await;
    let (store, rec) = exit_and_read(&r, c, id).await;
    let pages = store.pages(id).unwrap();
    let kept = format!("{} {:?}", rec.first_url, pages);
    for secret in ["FR7612345", "Jeanne", "4970"] {
        assert!(!kept.contains(secret), "{secret} stored: {kept}");
    }
    assert!(pages[0]
        .url
        .starts_with("http://shop.test/private/statement?account="));
    assert_eq!(pages[2].url, "http://shop.test/open/help?topic=cards");
    assert_eq!(
        pages[2].title, "Help",
        "pages outside the rule are kept as they are"
    );
}

#[tokio::test]
async fn page_visits_and_mode_changes_beyond_their_rate_are_dropped_and_counted() {
    let r = relay_configured(|c| {
        c.page_visits_per_minute = 3;
        c.mode_changes_per_minute = 2;
    })
    .await;
    let (mut c, id) = session_from(&r, page(), "").await;
    for i in 0..5 {
        send(&mut c, 0, visit(&format!("http://shop.test/{i}"), "P")).await;
    }
    for mode in [Mode::Write, Mode::Pointer, Mode::Write, Mode::Pointer] {
        send(&mut c, 0, CustomerMsg::Mode(mode)).await;
    }
    let (store, _) = exit_and_read(&r, c, id).await;
    let urls = page_urls(&store, id);
    assert_eq!(
        urls,
        [
            "http://shop.test/",
            "http://shop.test/0",
            "http://shop.test/1",
            "http://shop.test/2"
        ]
    );
    let modes: Vec<String> = store
        .segments(id)
        .unwrap()
        .into_iter()
        .map(|s| s.mode)
        .collect();
    assert_eq!(modes, ["WRITE", "POINTER"]);
    let text = reqwest::Client::new()
        .get(r.url("/metrics"))
        .bearer_auth(METRICS)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("cobrowse_customer_messages_dropped_total{kind=\"page_visit\"} 2"),
        "{text}"
    );
    assert!(
        text.contains("cobrowse_customer_messages_dropped_total{kind=\"mode\"} 2"),
        "{text}"
    );
}
