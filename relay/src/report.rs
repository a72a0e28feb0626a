//! The session report: the fields of the reference product's reporting event, built from the
//! store once a session has ended. The history API returns it, and the reporting sinks send it.

use serde::Serialize;
use uuid::Uuid;

use crate::store::{Millis, SessionStore, StoreError};
use crate::user_agent::{self, UserAgentInfo};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionReport {
    pub session_id: Uuid,
    /// The routing part of the join code (the secret part never reaches the relay).
    pub token: String,
    pub start_time: Millis,
    pub end_time: Option<Millis>,
    pub end_reason: Option<String>,
    pub first_session: bool,
    pub agent_id: Option<String>,
    pub joined_time: Option<Millis>,
    /// Whether write mode was used in any segment.
    pub write_mode_used: bool,
    pub segments: Vec<SegmentReport>,
    pub pages: Vec<PageReport>,
    pub user_agent: UserAgentInfo,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SegmentReport {
    pub index: u32,
    pub mode: String,
    pub start_time: Millis,
    pub end_time: Option<Millis>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PageReport {
    pub index: u32,
    pub url: String,
    pub domain: String,
    pub path: String,
    pub query: String,
    pub title: String,
    pub start_time: Millis,
    pub end_time: Option<Millis>,
}

/// Splits `scheme://host:port/path?query#fragment` into (domain, path, query).
pub fn split_url(url: &str) -> (String, String, String) {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split('#').next().unwrap_or("");
    let (authority, path_query) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let host = authority.rsplit('@').next().unwrap_or("");
    let domain = match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    };
    let (path, query) = path_query.split_once('?').unwrap_or((path_query, ""));
    let path = if path.is_empty() { "/" } else { path };
    (
        domain.to_ascii_lowercase(),
        path.to_string(),
        query.to_string(),
    )
}

/// The report of session `id`, or `None` if the store does not have it.
pub fn build(store: &dyn SessionStore, id: Uuid) -> Result<Option<SessionReport>, StoreError> {
    let Some(record) = store.get(id)? else {
        return Ok(None);
    };
    let segments: Vec<SegmentReport> = store
        .segments(id)?
        .into_iter()
        .map(|s| SegmentReport {
            index: s.index,
            mode: s.mode,
            start_time: s.start,
            end_time: s.end,
        })
        .collect();
    let pages = store
        .pages(id)?
        .into_iter()
        .map(|p| {
            let (domain, path, query) = split_url(&p.url);
            PageReport {
                index: p.index,
                url: p.url,
                domain,
                path,
                query,
                title: p.title,
                start_time: p.start,
                end_time: p.end,
            }
        })
        .collect();
    Ok(Some(SessionReport {
        session_id: record.id,
        token: format!("{:05}", record.routing),
        start_time: record.created_at,
        end_time: record.ended_at,
        end_reason: record.end_reason,
        first_session: record.first_session,
        agent_id: record.agent_id,
        joined_time: record.joined_at,
        write_mode_used: segments.iter().any(|s| s.mode == "WRITE"),
        segments,
        pages,
        user_agent: user_agent::parse(&record.user_agent),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{SessionRecord, SqliteStore};
    use shared_protocol::EndReason;

    #[test]
    fn urls_split_into_domain_path_and_query() {
        let split = |u: &str| split_url(u);
        assert_eq!(
            split("https://www.Bank.example:8443/loans/apply?step=2#top"),
            (
                "www.bank.example".into(),
                "/loans/apply".into(),
                "step=2".into()
            )
        );
        assert_eq!(
            split("http://127.0.0.1:8081/"),
            ("127.0.0.1".into(), "/".into(), "".into())
        );
        assert_eq!(split("http://demo"), ("demo".into(), "/".into(), "".into()));
        assert_eq!(
            split("http://demo?x=1"),
            ("demo".into(), "/".into(), "x=1".into())
        );
    }

    #[test]
    fn a_report_has_every_part_of_the_session() {
        let store = SqliteStore::in_memory().unwrap();
        let id = Uuid::new_v4();
        store
            .create(&SessionRecord {
                id,
                routing: 42,
                created_at: 1_000,
                user_agent:
                    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0".into(),
                first_url: "http://shop.test/".into(),
                agent_id: None,
                joined_at: None,
                ended_at: None,
                end_reason: None,
                first_session: false,
            })
            .unwrap();
        store
            .add_page(id, "http://shop.test/", "Shop", 1_000)
            .unwrap();
        store.mark_joined(id, "agent-7", 2_000).unwrap();
        store.start_segment(id, "POINTER", 2_000).unwrap();
        store
            .add_page(id, "http://shop.test/cart", "Cart", 3_000)
            .unwrap();
        store
            .mark_ended(id, 4_000, EndReason::CustomerExit)
            .unwrap();
        let r = build(&store, id).unwrap().unwrap();
        assert_eq!(r.token, "00042");
        assert_eq!((r.start_time, r.end_time), (1_000, Some(4_000)));
        assert_eq!(r.end_reason.as_deref(), Some("customer_exit"));
        assert!(!r.first_session);
        assert!(!r.write_mode_used);
        assert_eq!(r.segments.len(), 1);
        assert_eq!(r.pages[1].path, "/cart");
        assert_eq!(r.pages[1].end_time, Some(4_000));
        assert_eq!(r.user_agent.agent_name, "Firefox");
        assert!(build(&store, Uuid::new_v4()).unwrap().is_none());
    }
}
