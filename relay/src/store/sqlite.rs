//! The embedded default store: SQLite (bundled) in WAL mode, one file in the data directory.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};
use shared_protocol::EndReason;
use uuid::Uuid;

use super::{
    Millis, PageVisit, Retention, Segment, SessionRecord, SessionStore, StoreError, Swept,
};

const SCHEMA_VERSION: i64 = 2;

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
        conn.pragma_update(None, "foreign_keys", "ON")
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
        if version < 2 {
            conn.execute_batch(
                "ALTER TABLE sessions ADD COLUMN first_session INTEGER NOT NULL DEFAULT 1;
                 CREATE TABLE segments (
                    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
                    idx INTEGER NOT NULL,
                    mode TEXT NOT NULL,
                    start_at INTEGER NOT NULL,
                    end_at INTEGER,
                    PRIMARY KEY (session_id, idx)
                 );
                 CREATE TABLE pages (
                    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
                    idx INTEGER NOT NULL,
                    url TEXT NOT NULL,
                    title TEXT NOT NULL,
                    start_at INTEGER NOT NULL,
                    end_at INTEGER,
                    PRIMARY KEY (session_id, idx)
                 );
                 CREATE INDEX pages_start ON pages(start_at);
                 CREATE INDEX sessions_ended ON sessions(ended_at);
                 PRAGMA user_version = 2;",
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
        first_session: row.get(9)?,
    })
}

const COLUMNS: &str = "id, routing, created_at, user_agent, first_url, agent_id, joined_at, \
                       ended_at, end_reason, first_session";

/// Appends a row to `table` (pages or segments) with the next index, closing the open one.
fn append(
    conn: &Connection,
    table: &str,
    id: Uuid,
    at: Millis,
    columns: &str,
    values: &[&dyn rusqlite::ToSql],
) -> Result<u32, StoreError> {
    let sid = id.to_string();
    let exists: Option<i64> = conn
        .query_row("SELECT 1 FROM sessions WHERE id = ?1", params![sid], |r| {
            r.get(0)
        })
        .optional()
        .map_err(backend)?;
    if exists.is_none() {
        return Err(StoreError::NotFound(id));
    }
    conn.execute(
        &format!("UPDATE {table} SET end_at = ?2 WHERE session_id = ?1 AND end_at IS NULL"),
        params![sid, at],
    )
    .map_err(backend)?;
    let next: u32 = conn
        .query_row(
            &format!("SELECT COALESCE(MAX(idx) + 1, 0) FROM {table} WHERE session_id = ?1"),
            params![sid],
            |r| r.get(0),
        )
        .map_err(backend)?;
    let mut all: Vec<&dyn rusqlite::ToSql> = vec![&sid, &next, &at];
    all.extend_from_slice(values);
    let marks: Vec<String> = (1..=all.len()).map(|i| format!("?{i}")).collect();
    conn.execute(
        &format!(
            "INSERT INTO {table} (session_id, idx, start_at, {columns}) VALUES ({})",
            marks.join(", ")
        ),
        all.as_slice(),
    )
    .map_err(backend)?;
    Ok(next)
}

impl SessionStore for SqliteStore {
    fn create(&self, r: &SessionRecord) -> Result<(), StoreError> {
        self.conn()
            .execute(
                &format!(
                    "INSERT INTO sessions ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
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
                    r.end_reason,
                    r.first_session
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
        for table in ["pages", "segments"] {
            conn.execute(
                &format!("UPDATE {table} SET end_at = ?2 WHERE session_id = ?1 AND end_at IS NULL"),
                params![id.to_string(), at],
            )
            .map_err(backend)?;
        }
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

    fn history(
        &self,
        from: Millis,
        to: Millis,
        limit: usize,
        agent: Option<&str>,
    ) -> Result<Vec<SessionRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM sessions WHERE created_at >= ?1 AND created_at < ?2 \
                 AND (?4 IS NULL OR agent_id = ?4) ORDER BY created_at LIMIT ?3"
            ))
            .map_err(backend)?;
        let rows = stmt
            .query_map(params![from, to, limit as i64, agent], row_to_record)
            .map_err(backend)?;
        rows.collect::<Result<_, _>>().map_err(backend)
    }

    fn start_segment(&self, id: Uuid, mode: &str, at: Millis) -> Result<u32, StoreError> {
        append(&self.conn(), "segments", id, at, "mode", &[&mode])
    }

    fn segments(&self, id: Uuid) -> Result<Vec<Segment>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT idx, mode, start_at, end_at FROM segments WHERE session_id = ?1 ORDER BY idx")
            .map_err(backend)?;
        let rows = stmt
            .query_map(params![id.to_string()], |r| {
                Ok(Segment {
                    index: r.get(0)?,
                    mode: r.get(1)?,
                    start: r.get(2)?,
                    end: r.get(3)?,
                })
            })
            .map_err(backend)?;
        rows.collect::<Result<_, _>>().map_err(backend)
    }

    fn add_page(&self, id: Uuid, url: &str, title: &str, at: Millis) -> Result<u32, StoreError> {
        append(&self.conn(), "pages", id, at, "url, title", &[&url, &title])
    }

    fn pages(&self, id: Uuid) -> Result<Vec<PageVisit>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT idx, url, title, start_at, end_at FROM pages WHERE session_id = ?1 ORDER BY idx")
            .map_err(backend)?;
        let rows = stmt
            .query_map(params![id.to_string()], |r| {
                Ok(PageVisit {
                    index: r.get(0)?,
                    url: r.get(1)?,
                    title: r.get(2)?,
                    start: r.get(3)?,
                    end: r.get(4)?,
                })
            })
            .map_err(backend)?;
        rows.collect::<Result<_, _>>().map_err(backend)
    }

    fn sweep(&self, now: Millis, retention: &Retention) -> Result<Swept, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(backend)?;
        // Sessions a stopped relay never ended: close them, and their pages and segments.
        let stale = now - retention.live_sessions;
        for table in ["pages", "segments"] {
            tx.execute(
                &format!(
                    "UPDATE {table} SET end_at = ?1 WHERE end_at IS NULL AND session_id IN \
                     (SELECT id FROM sessions WHERE ended_at IS NULL AND created_at < ?2)"
                ),
                params![now, stale],
            )
            .map_err(backend)?;
        }
        let closed = tx
            .execute(
                "UPDATE sessions SET ended_at = ?1, end_reason = ?2 WHERE ended_at IS NULL AND created_at < ?3",
                params![now, EndReason::Shutdown.as_str(), stale],
            )
            .map_err(backend)?;
        let page_visits = tx
            .execute(
                "DELETE FROM pages WHERE start_at < ?1",
                params![now - retention.page_visits],
            )
            .map_err(backend)?;
        let sessions = tx
            .execute(
                "DELETE FROM sessions WHERE ended_at IS NOT NULL AND ended_at < ?1",
                params![now - retention.history],
            )
            .map_err(backend)?;
        tx.commit().map_err(backend)?;
        Ok(Swept {
            sessions,
            page_visits,
            closed,
        })
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
}
