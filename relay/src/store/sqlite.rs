//! The embedded default store: SQLite (bundled) in WAL mode, one file in the data directory.
//! Its schema and migrations are in `sqlite_schema`, how records map to rows in `sqlite_rows`.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};
use shared_protocol::EndReason;
use uuid::Uuid;

use super::sqlite_rows::{append, row_to_record, COLUMNS};
use super::sqlite_schema::{backend, prepare};
use super::{
    Millis, PageVisit, Retention, Segment, SessionRecord, SessionStore, StoreError, Swept,
};

pub struct SqliteStore {
    conn: Mutex<Connection>,
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
        prepare(&conn)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent: keep going.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
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
#[path = "sqlite_tests.rs"]
mod tests;
