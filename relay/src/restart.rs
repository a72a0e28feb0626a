//! A lone relay's sessions across its own restart. On a stop (`SIGTERM`, Ctrl-C) a relay
//! without Redis writes the record of every live session to `data_dir` and tells both sides
//! that the service is restarting (close code 1012); they keep their keys and resume tokens
//! and retry. On the next start the relay takes the records back: each side has what is left
//! of its grace (from the stop if it was connected then, from when it left if it was away
//! already), and a session with a side whose grace ran out while the relay was down ends,
//! recorded as ended when the relay stopped (or, for a side that was away, when its grace ran
//! out). With several nodes the
//! others take the sessions over instead (see `membership::drain`).
//!
//! The file holds what the cluster's live records hold: codes, agent ids, SHA-256 hashes of the
//! resume tokens and the history's first URL; no key, no resume token. It is read once and
//! removed; one that cannot be read is kept aside under another name, and the relay starts.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use shared_protocol::EndReason;

use crate::cluster::LiveRecord;
use crate::membership::CLOSE_MOVING;
use crate::sessions::{Due, Session, SidesDue};
use crate::state::AppState;
use crate::store::{now_millis, Millis};

const FILE: &str = "live-sessions.json";
/// The close reason both sides get; they show that the service is restarting (code 1012).
pub const RESTARTING: &str = "the co-browse server is restarting; reconnecting";

#[derive(Serialize, Deserialize)]
struct Saved {
    saved_at: Millis,
    records: Vec<SavedSession>,
}

#[derive(Serialize, Deserialize)]
struct SavedSession {
    #[serde(flatten)]
    record: LiveRecord,
    /// Absent in files saved before it was kept: then both sides get the grace from the stop.
    #[serde(default)]
    due: Option<SidesDue>,
}

fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

/// Stopping: saves every live session and tells its sides to come back. From here on the
/// sessions never end on this run (no timer, no store write). Returns how many were saved.
pub fn save(state: &AppState) -> std::io::Result<usize> {
    let sessions: Vec<Arc<Session>> = state
        .registry
        .all()
        .into_iter()
        .filter(|s| !s.handed_over())
        .collect();
    let now = now_millis();
    let (disconnect, navigation) = (state.config.disconnect_grace, state.config.navigation_grace);
    let saved = Saved {
        saved_at: now,
        records: sessions
            .iter()
            .map(|s| SavedSession {
                record: s.live_record(&state.node_id),
                due: Some(s.sides_due(now, disconnect, navigation)),
            })
            .collect(),
    };
    if !saved.records.is_empty() {
        write(&path(&state.config.data_dir), &saved)?;
    }
    for session in &sessions {
        session.hand_over(CLOSE_MOVING, RESTARTING);
    }
    Ok(saved.records.len())
}

/// Written beside, then renamed: a crash mid-write leaves the old file or none, never half.
fn write(path: &Path, saved: &Saved) -> std::io::Result<()> {
    let tmp = path.with_extension("json.tmp");
    // A fresh file, never through a link left where the temporary one goes.
    match std::fs::remove_file(&tmp) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp)?;
    file.write_all(&serde_json::to_vec(saved).map_err(std::io::Error::other)?)?;
    file.sync_all()?;
    std::fs::rename(tmp, path)
}

/// The most a saved file may hold: far more than any relay's live sessions.
const MAX_SAVED_BYTES: u64 = 64 << 20;

/// The saved file's bytes: a regular file (never through a link someone put in its place:
/// opened without following one, then checked on what was opened, so nothing can be swapped
/// in between), of at most [`MAX_SAVED_BYTES`].
fn read_saved(file: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        libc::O_NOFOLLOW | libc::O_NONBLOCK,
    );
    let opened = options.open(file).map_err(|e| {
        if e.raw_os_error() == Some(libc::ELOOP) {
            std::io::Error::other("a symbolic link, not a regular file")
        } else {
            e
        }
    })?;
    let meta = opened.metadata()?;
    if !meta.file_type().is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    if meta.len() > MAX_SAVED_BYTES {
        return Err(std::io::Error::other(format!(
            "larger than {MAX_SAVED_BYTES} bytes"
        )));
    }
    let mut bytes = Vec::new();
    opened.take(MAX_SAVED_BYTES).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Starting: takes back the sessions the last stop saved. Returns how many wait for their
/// sides (the others ended).
pub fn restore(state: &AppState) -> usize {
    let file = path(&state.config.data_dir);
    let bytes = match read_saved(&file) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return 0,
        Err(e) => {
            let aside = file.with_extension(format!("unreadable-{}", now_millis()));
            let _ = std::fs::rename(&file, &aside);
            tracing::error!(path = %aside.display(), error = %e, "cannot read the sessions saved at the last stop; kept aside, not restored");
            return 0;
        }
    };
    let saved: Saved = match serde_json::from_slice(&bytes) {
        Ok(saved) => saved,
        Err(e) => {
            let aside = file.with_extension(format!("unreadable-{}", now_millis()));
            let _ = std::fs::rename(&file, &aside);
            tracing::error!(path = %aside.display(), error = %e, "the sessions saved at the last stop are unreadable; kept aside, not restored");
            return 0;
        }
    };
    if let Err(e) = std::fs::remove_file(&file) {
        tracing::warn!(path = %file.display(), error = %e, "cannot remove the restored sessions' file");
    }
    let now = now_millis();
    let mut waiting = 0;
    let grace = state.config.disconnect_grace;
    let from_the_stop = Due {
        at: saved.saved_at.saturating_add(grace.as_millis() as Millis),
        away: false,
    };
    for SavedSession { record, due } in &saved.records {
        let due = due.unwrap_or(SidesDue {
            customer: from_the_stop,
            agent: record.agent_token.map(|_| from_the_stop),
        });
        let session = Arc::new(Session::restore(record));
        if !state.registry.adopt(session.clone()) {
            continue;
        }
        state.runs_here(&session);
        let sides = [Some(due.customer), due.agent];
        let passed = sides.into_iter().flatten().filter(|d| d.at <= now);
        if let Some(first) = passed.min_by_key(|d| d.at) {
            tracing::info!(parent: &session.span, "a side's grace ran out while the relay was down; session ended");
            let (reason, at) = match first.away {
                true => (EndReason::Disconnect, first.at),
                false => (EndReason::Shutdown, saved.saved_at),
            };
            state.end_at(&session, reason, at);
        } else {
            tracing::info!(parent: &session.span, "session restored after a restart; waiting for both sides");
            let left = |side| {
                let at = due.of(side).map_or(now, |d| d.at);
                Duration::from_millis(at.saturating_sub(now).max(0) as u64)
            };
            // A stop before they are back saves the same due times again.
            session.keep_due(&due, grace);
            crate::timers::watch_restored(state, &session, left);
            waiting += 1;
        }
    }
    waiting
}
