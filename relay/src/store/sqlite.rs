//! The embedded default store: SQLite (bundled) in WAL mode, one file in the data directory.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};
use shared_protocol::EndReason;
use uuid::Uuid;

use super::{Millis, SessionRecord, SessionStore, StoreError};

const SCHEMA_VERSION: i64 = 1;

pub struct SqliteStore {
    conn: Mutex<Connection>,
}

fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

impl SqliteStore {
    /// Opens (creating if needed) `dir/cobrowse.sqlite3`.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Backend(format!("cannot create {}: {e}", dir.display())))?;
        let conn = Connection::open(dir.join("cobrowse.sqlite3")).map_err(backend)?;
        Self::init(conn)
    }

    pub fn in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory().map_err(backend)?)
    }

    fn init(conn: Connection) -> Result<Self, StoreError> {
        // WAL: readers never block the writer; NORMAL sync loses at most the last commits on a
        // power cut, never consistency.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(backend)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(backend)?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(backend)?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::Backend(format!(
                "database schema {version} is newer than this relay ({SCHEMA_VERSION})"
            )));
        }
        if version < 1 {
            conn.execute_batch(
                "CREATE TABLE sessions (
                    id TEXT PRIMARY KEY,
                    routing INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    user_agent TEXT NOT NULL,
                    first_url TEXT NOT NULL,
                    agent_id TEXT,
                    joined_at INTEGER,
                    ended_at INTEGER,
                    end_reason TEXT
                 );
                 CREATE INDEX sessions_created ON sessions(created_at);
                 PRAGMA user_version = 1;",
            )
            .map_err(backend)?;
        }
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent: keep going.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn row_to_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<SessionRecord> {
    let id: String = row.get(0)?;
    Ok(SessionRecord {
        id: Uuid::parse_str(&id).unwrap_or_default(),
        routing: row.get(1)?,
        created_at: row.get(2)?,
        user_agent: row.get(3)?,
        first_url: row.get(4)?,
        agent_id: row.get(5)?,
        joined_at: row.get(6)?,
        ended_at: row.get(7)?,
        end_reason: row.get(8)?,
    })
}

const COLUMNS: &str =
    "id, routing, created_at, user_agent, first_url, agent_id, joined_at, ended_at, end_reason";

impl SessionStore for SqliteStore {
    fn create(&self, r: &SessionRecord) -> Result<(), StoreError> {
        self.conn()
            .execute(
                &format!(
                    "INSERT INTO sessions ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                ),
                params![
                    r.id.to_string(),
                    r.routing,
                    r.created_at,
                    r.user_agent,
                    r.first_url,
                    r.agent_id,
                    r.joined_at,
                    r.ended_at,
                    r.end_reason
                ],
            )
            .map_err(backend)?;
        Ok(())
    }

    fn mark_joined(&self, id: Uuid, agent_id: &str, at: Millis) -> Result<(), StoreError> {
        let n = self
            .conn()
            .execute(
                "UPDATE sessions SET agent_id = ?2, joined_at = ?3 WHERE id = ?1",
                params![id.to_string(), agent_id, at],
            )
            .map_err(backend)?;
        if n == 0 {
            return Err(StoreError::NotFound(id));
        }
        Ok(())
    }

    fn mark_ended(&self, id: Uuid, at: Millis, reason: EndReason) -> Result<(), StoreError> {
        let conn = self.conn();
        let n = conn
            .execute(
                "UPDATE sessions SET ended_at = ?2, end_reason = ?3 WHERE id = ?1 AND ended_at IS NULL",
                params![id.to_string(), at, reason.as_str()],
            )
            .map_err(backend)?;
        if n == 0 {
            let exists: Option<i64> = conn
                .query_row(
                    "SELECT 1 FROM sessions WHERE id = ?1",
                    params![id.to_string()],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?;
            if exists.is_none() {
                return Err(StoreError::NotFound(id));
            }
        }
        Ok(())
    }

    fn get(&self, id: Uuid) -> Result<Option<SessionRecord>, StoreError> {
        self.conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM sessions WHERE id = ?1"),
                params![id.to_string()],
                row_to_record,
            )
            .optional()
            .map_err(backend)
    }

    fn recent(&self, limit: usize) -> Result<Vec<SessionRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM sessions ORDER BY created_at DESC LIMIT ?1"
            ))
            .map_err(backend)?;
        let rows = stmt
            .query_map(params![limit as i64], row_to_record)
            .map_err(backend)?;
        rows.collect::<Result<_, _>>().map_err(backend)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_memory_store_passes_the_conformance_suite() {
        crate::store::conformance(&SqliteStore::in_memory().unwrap());
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
}
