//! Session records and the [`SessionStore`] trait every storage backend implements.
//! The relay calls stores from blocking tasks, so the trait is synchronous. Backends:
//! [`sqlite`] (the default, one node) and [`redis`] (several nodes sharing Redis).

use shared_protocol::EndReason;
use uuid::Uuid;

pub mod redis;
pub mod sqlite;
mod sqlite_rows;
mod sqlite_schema;
pub mod writer;

pub use redis::RedisStore;
pub use sqlite::SqliteStore;
pub use writer::StoreWriter;

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

pub fn now_millis() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}

/// The store `config` asks for: Redis when `redis_url` is set (several nodes share it), else
/// SQLite in `data_dir`.
pub fn open(config: &crate::Config) -> Result<std::sync::Arc<dyn SessionStore>, StoreError> {
    Ok(if config.redis_url.is_empty() {
        std::sync::Arc::new(SqliteStore::open(&config.data_dir)?)
    } else {
        std::sync::Arc::new(RedisStore::connect(&config.redis_url, config.retention)?)
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: Uuid,
    /// The routing part of the code (the secret part never reaches the relay).
    pub routing: u32,
    pub created_at: Millis,
    pub user_agent: String,
    pub first_url: String,
    pub agent_id: Option<String>,
    pub joined_at: Option<Millis>,
    pub ended_at: Option<Millis>,
    pub end_reason: Option<String>,
    /// The first co-browse session of this customer's browser tab.
    pub first_session: bool,
}

/// A stretch of a session in one mode (`POINTER` or `WRITE`), numbered from 0.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Segment {
    pub index: u32,
    pub mode: String,
    pub start: Millis,
    pub end: Option<Millis>,
}

/// A page the customer was on during a session, numbered from 0.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PageVisit {
    pub index: u32,
    pub url: String,
    pub title: String,
    pub start: Millis,
    pub end: Option<Millis>,
}

/// How long each kind of record is kept, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Ended sessions with their segments.
    pub history: Millis,
    /// Page visits (they hold URLs, so they may be kept for less time).
    pub page_visits: Millis,
    /// Sessions never ended (a relay that stopped abruptly) are closed after this.
    pub live_sessions: Millis,
}

/// What a sweep removed or closed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub sessions: usize,
    pub page_visits: usize,
    pub closed: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage failed: {0}")]
    Backend(String),
    #[error("no session {0}")]
    NotFound(Uuid),
    /// The store could not be reached or is not serving right now (Redis down, restarting or
    /// failing over): the store writer retries these, and only these.
    #[error("storage unreachable: {0}")]
    Unavailable(String),
}

pub trait SessionStore: Send + Sync + 'static {
    fn create(&self, record: &SessionRecord) -> Result<(), StoreError>;
    fn mark_joined(&self, id: Uuid, agent_id: &str, at: Millis) -> Result<(), StoreError>;
    fn mark_ended(&self, id: Uuid, at: Millis, reason: EndReason) -> Result<(), StoreError>;
    fn get(&self, id: Uuid) -> Result<Option<SessionRecord>, StoreError>;
    /// Most recent first.
    fn recent(&self, limit: usize) -> Result<Vec<SessionRecord>, StoreError>;
    /// Sessions created in `[from, to)`, oldest first, at most `limit`; only those `agent`
    /// joined when it is given.
    fn history(
        &self,
        from: Millis,
        to: Millis,
        limit: usize,
        agent: Option<&str>,
    ) -> Result<Vec<SessionRecord>, StoreError>;
    /// Starts a segment in `mode`, closing the open one; returns its index.
    fn start_segment(&self, id: Uuid, mode: &str, at: Millis) -> Result<u32, StoreError>;
    fn segments(&self, id: Uuid) -> Result<Vec<Segment>, StoreError>;
    /// Records a page visit, closing the previous one; returns its index.
    fn add_page(&self, id: Uuid, url: &str, title: &str, at: Millis) -> Result<u32, StoreError>;
    fn pages(&self, id: Uuid) -> Result<Vec<PageVisit>, StoreError>;
    /// Applies `retention` at `now`.
    fn sweep(&self, now: Millis, retention: &Retention) -> Result<Swept, StoreError>;
}

/// The conformance suite: every backend must pass it.
#[cfg(test)]
pub(crate) fn conformance(store: &dyn SessionStore) {
    let id = Uuid::new_v4();
    let record = SessionRecord {
        id,
        routing: 12345,
        created_at: 1_000,
        user_agent: "UA".into(),
        first_url: "http://demo/".into(),
        agent_id: None,
        joined_at: None,
        ended_at: None,
        end_reason: None,
        first_session: true,
    };
    store.create(&record).unwrap();
    assert_eq!(
        store.add_page(id, "http://demo/", "Home", 1_000).unwrap(),
        0
    );
    assert_eq!(store.get(id).unwrap().unwrap(), record);
    store.mark_joined(id, "agent-1", 2_000).unwrap();
    assert_eq!(store.start_segment(id, "POINTER", 2_000).unwrap(), 0);
    assert_eq!(store.add_page(id, "http://demo/b", "B", 2_500).unwrap(), 1);
    assert_eq!(store.start_segment(id, "WRITE", 2_600).unwrap(), 1);
    store.mark_ended(id, 3_000, EndReason::AgentExit).unwrap();
    let pages = store.pages(id).unwrap();
    assert_eq!(
        pages
            .iter()
            .map(|p| (p.index, p.start, p.end))
            .collect::<Vec<_>>(),
        vec![(0, 1_000, Some(2_500)), (1, 2_500, Some(3_000))],
        "each visit ends when the next starts, the last when the session ends"
    );
    let segments = store.segments(id).unwrap();
    assert_eq!(
        segments
            .iter()
            .map(|s| (s.mode.as_str(), s.start, s.end))
            .collect::<Vec<_>>(),
        vec![
            ("POINTER", 2_000, Some(2_600)),
            ("WRITE", 2_600, Some(3_000))
        ]
    );
    let got = store.get(id).unwrap().unwrap();
    assert_eq!(got.agent_id.as_deref(), Some("agent-1"));
    assert_eq!(got.joined_at, Some(2_000));
    assert_eq!(got.ended_at, Some(3_000));
    assert_eq!(got.end_reason.as_deref(), Some("agent_exit"));
    // Ending twice keeps the first end.
    store.mark_ended(id, 4_000, EndReason::Shutdown).unwrap();
    assert_eq!(store.get(id).unwrap().unwrap().ended_at, Some(3_000));
    assert!(store.get(Uuid::new_v4()).unwrap().is_none());
    assert!(matches!(
        store.mark_joined(Uuid::new_v4(), "a", 1),
        Err(StoreError::NotFound(_))
    ));
    let second = SessionRecord {
        id: Uuid::new_v4(),
        created_at: 5_000,
        ..record
    };
    store.create(&second).unwrap();
    let recent = store.recent(10).unwrap();
    assert_eq!(recent[0].id, second.id);
    assert_eq!(recent[1].id, id);
    let window: Vec<Uuid> = store
        .history(0, 5_000, 10, None)
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(window, vec![id], "to is exclusive");
    assert_eq!(store.history(0, 10_000, 1, None).unwrap().len(), 1, "limit");
    assert!(store
        .history(0, 10_000, 10, Some("agent-9"))
        .unwrap()
        .is_empty());

    // Retention: page visits go first, then whole sessions; unended sessions get closed.
    let retention = Retention {
        history: 10_000,
        page_visits: 5_000,
        live_sessions: 3_000,
    };
    let swept = store.sweep(9_000, &retention).unwrap();
    assert_eq!(
        swept.page_visits, 2,
        "pages of the first session are older than 5 s at 9 s"
    );
    assert_eq!(swept.closed, 1, "the second session never ended");
    assert!(store.pages(id).unwrap().is_empty());
    assert_eq!(
        store.get(second.id).unwrap().unwrap().end_reason.as_deref(),
        Some("shutdown")
    );
    let swept = store.sweep(20_000, &retention).unwrap();
    assert_eq!(swept.sessions, 2);
    assert!(store.get(id).unwrap().is_none());
    assert!(store.segments(id).unwrap().is_empty());
}
