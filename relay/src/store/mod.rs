//! Session records and the [`SessionStore`] trait every storage backend implements.
//! The relay calls stores from blocking tasks, so the trait is synchronous.

use shared_protocol::EndReason;
use uuid::Uuid;

pub mod sqlite;

pub use sqlite::SqliteStore;

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

pub fn now_millis() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
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
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage failed: {0}")]
    Backend(String),
    #[error("no session {0}")]
    NotFound(Uuid),
}

pub trait SessionStore: Send + Sync + 'static {
    fn create(&self, record: &SessionRecord) -> Result<(), StoreError>;
    fn mark_joined(&self, id: Uuid, agent_id: &str, at: Millis) -> Result<(), StoreError>;
    fn mark_ended(&self, id: Uuid, at: Millis, reason: EndReason) -> Result<(), StoreError>;
    fn get(&self, id: Uuid) -> Result<Option<SessionRecord>, StoreError>;
    /// Most recent first.
    fn recent(&self, limit: usize) -> Result<Vec<SessionRecord>, StoreError>;
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
    };
    store.create(&record).unwrap();
    assert_eq!(store.get(id).unwrap().unwrap(), record);
    store.mark_joined(id, "agent-1", 2_000).unwrap();
    store.mark_ended(id, 3_000, EndReason::AgentExit).unwrap();
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
}
