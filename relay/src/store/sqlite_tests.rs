//! Tests of the SQLite store: the conformance suite in memory and on file, and the migration from schema 1.

use super::*;

#[test]
fn in_memory_store_passes_the_conformance_suite() {
    crate::store::conformance(&SqliteStore::in_memory().unwrap());
}

#[test]
fn a_version_1_database_is_migrated_without_losing_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let conn = Connection::open(dir.path().join("cobrowse.sqlite3")).unwrap();
    conn.execute_batch(
        "CREATE TABLE sessions (id TEXT PRIMARY KEY, routing INTEGER NOT NULL,
            created_at INTEGER NOT NULL, user_agent TEXT NOT NULL, first_url TEXT NOT NULL,
            agent_id TEXT, joined_at INTEGER, ended_at INTEGER, end_reason TEXT);
         CREATE INDEX sessions_created ON sessions(created_at);
         INSERT INTO sessions VALUES ('6f1c0f52-8d2a-4c55-9a43-2f4f5b1d2a10', 42, 7, 'UA',
            'http://old/', 'agent-1', 8, 9, 'agent_exit');
         PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);
    let store = SqliteStore::open(dir.path()).unwrap();
    let id = Uuid::parse_str("6f1c0f52-8d2a-4c55-9a43-2f4f5b1d2a10").unwrap();
    let old = store.get(id).unwrap().expect("kept");
    assert_eq!((old.routing, old.first_session), (42, true));
    assert_eq!(store.add_page(id, "http://old/2", "t", 10).unwrap(), 0);
}

#[test]
fn file_store_passes_and_keeps_data_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    crate::store::conformance(&store);
    let before = store.recent(10).unwrap();
    drop(store);
    let reopened = SqliteStore::open(dir.path()).unwrap();
    assert_eq!(reopened.recent(10).unwrap(), before);
}
