//! The SQLite store's schema: the connection's settings, and the tables created or migrated
//! up to [`SCHEMA_VERSION`] (a database from a newer relay is refused, never downgraded).

use rusqlite::Connection;

use super::StoreError;

/// The schema this relay writes (`PRAGMA user_version`).
pub(super) const SCHEMA_VERSION: i64 = 2;

pub(super) fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// Sets `conn` up and brings its tables to [`SCHEMA_VERSION`].
pub(super) fn prepare(conn: &Connection) -> Result<(), StoreError> {
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
    Ok(())
}
