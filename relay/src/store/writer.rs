//! One thread applies every store write in the order the relay made them (a session's create,
//! join and end can never overtake each other), off the async runtime. Dropping the last
//! [`StoreWriter`] and calling [`StoreWriter::finish`] waits for the queue to drain, so a clean
//! shutdown loses nothing. The queue is bounded (`store_queue`): when the disk cannot keep up
//! with what clients send, further writes are shed and counted rather than held in memory
//! without end; the socket loops never wait for the disk.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;

use super::{SessionStore, StoreError};

type Job = Box<dyn FnOnce(&dyn SessionStore) -> Result<(), StoreError> + Send>;
/// A write, with the span its failure is logged in and what it stores.
type Queued = (tracing::Span, &'static str, Job);

pub struct StoreWriter {
    tx: Mutex<Option<mpsc::SyncSender<Queued>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    /// Writes dropped because `capacity` were already waiting.
    shed: Arc<AtomicU64>,
}

impl StoreWriter {
    /// At most `capacity` writes wait; more are counted in `shed` and dropped.
    pub fn start(store: Arc<dyn SessionStore>, capacity: usize, shed: Arc<AtomicU64>) -> Self {
        let (tx, rx) = mpsc::sync_channel::<Queued>(capacity);
        let thread = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || {
                for (span, what, job) in rx {
                    if let Err(e) = job(store.as_ref()) {
                        tracing::error!(parent: &span, error = %e, "could not store {what}");
                    }
                }
            })
            .expect("spawning the store writer thread");
        Self {
            tx: Mutex::new(Some(tx)),
            thread: Mutex::new(Some(thread)),
            shed,
        }
    }

    /// Queues a write; failures are logged in `span`, never fatal to a session.
    pub fn write(
        &self,
        span: &tracing::Span,
        what: &'static str,
        job: impl FnOnce(&dyn SessionStore) -> Result<(), StoreError> + Send + 'static,
    ) {
        if let Some(tx) = self.tx.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            if let Err(mpsc::TrySendError::Full(_)) =
                tx.try_send((span.clone(), what, Box::new(job)))
            {
                let shed = self.shed.fetch_add(1, Ordering::Relaxed) + 1;
                // Once per doubling: a flood must not become a flood of log lines too.
                if shed.is_power_of_two() {
                    tracing::warn!(parent: span, shed, "store queue full: could not store {what}");
                }
            }
        }
    }

    /// Stops taking writes and waits until every queued one is done.
    pub fn finish(&self) {
        self.tx.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(thread) = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{SessionRecord, SqliteStore};
    use shared_protocol::EndReason;
    use uuid::Uuid;

    /// A session record numbered `i`.
    fn record(id: Uuid, i: usize) -> SessionRecord {
        SessionRecord {
            id,
            routing: i as u32,
            created_at: i as i64,
            user_agent: String::new(),
            first_url: String::new(),
            agent_id: None,
            joined_at: None,
            ended_at: None,
            end_reason: None,
            first_session: true,
        }
    }

    #[test]
    fn writes_apply_in_order_and_finish_drains_them() {
        let store: Arc<dyn SessionStore> = Arc::new(SqliteStore::in_memory().unwrap());
        let writer = StoreWriter::start(store.clone(), 1000, Arc::default());
        let span = tracing::Span::none();
        let ids: Vec<Uuid> = (0..200).map(|_| Uuid::new_v4()).collect();
        for (i, id) in ids.iter().copied().enumerate() {
            let record = record(id, i);
            writer.write(&span, "create", move |s| s.create(&record));
            writer.write(&span, "join", move |s| s.mark_joined(id, "a", 1));
            writer.write(&span, "end", move |s| {
                s.mark_ended(id, 2, EndReason::AgentExit)
            });
        }
        writer.finish();
        for id in ids {
            let r = store
                .get(id)
                .unwrap()
                .expect("created before joined and ended");
            assert_eq!(r.end_reason.as_deref(), Some("agent_exit"));
        }
    }

    #[test]
    fn a_full_queue_sheds_and_counts_and_keeps_what_it_took() {
        let store: Arc<dyn SessionStore> = Arc::new(SqliteStore::in_memory().unwrap());
        let shed = Arc::new(AtomicU64::new(0));
        let writer = StoreWriter::start(store.clone(), 3, shed.clone());
        let span = tracing::Span::none();
        // The first write holds the thread until released, so the queue fills behind it.
        let (started_tx, started) = mpsc::channel();
        let (release, released) = mpsc::channel::<()>();
        writer.write(&span, "hold", move |_| {
            started_tx.send(()).unwrap();
            released.recv().unwrap();
            Ok(())
        });
        started.recv().unwrap();
        let ids: Vec<Uuid> = (0..5).map(|_| Uuid::new_v4()).collect();
        for (i, id) in ids.iter().copied().enumerate() {
            let record = record(id, i);
            writer.write(&span, "create", move |s| s.create(&record));
        }
        assert_eq!(shed.load(Ordering::Relaxed), 2, "3 wait, 2 are shed");
        release.send(()).unwrap();
        writer.finish();
        let stored: Vec<bool> = ids
            .iter()
            .map(|id| store.get(*id).unwrap().is_some())
            .collect();
        assert_eq!(stored, [true, true, true, false, false]);
    }
}
