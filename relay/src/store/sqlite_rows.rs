//! How the SQLite store's rows map: a session's record from its row and the columns it is
//! written with, and the numbered rows of a session (its mode segments and pages), each
//! appended after closing the one before.

use rusqlite::{params, Connection, OptionalExtension};
use uuid::Uuid;

use super::sqlite_schema::backend;
use super::{Millis, SessionRecord, StoreError};

pub(super) fn row_to_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<SessionRecord> {
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

pub(super) const COLUMNS: &str =
    "id, routing, created_at, user_agent, first_url, agent_id, joined_at, \
                       ended_at, end_reason, first_session";

/// Appends a row to `table` (pages or segments) with the next index, closing the open one.
pub(super) fn append(
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
