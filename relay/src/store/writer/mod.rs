//! One thread applies every store write in the order the relay made them (a session's create,
//! join and end can never overtake each other), off the async runtime. Dropping the last
//! [`StoreWriter`] and calling [`StoreWriter::finish`] waits for the queue to drain, so a clean
//! shutdown loses nothing. The queue is bounded (`store_queue`): when the store cannot keep up
//! with what clients send, further writes are shed and counted rather than held in memory
//! without end; the socket loops never wait for the store.
//!
//! A write that fails because the store cannot be reached ([`StoreError::Unavailable`]: Redis
//! down, restarting, failing over) is retried with backoff until it lands, and the writes made
//! meanwhile wait behind it, so nothing overtakes it and an outage of a while loses nothing.
//! [`WriterStatus`] says so to `/health` and `/metrics`. Any other failure (no such session, a
//! refused request) would fail again: it is logged and the queue moves on.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{SessionStore, StoreError};

/// The wait before the first retry of an unreachable store, doubling up to [`MAX_RETRY`].
const FIRST_RETRY: Duration = Duration::from_millis(100);
const MAX_RETRY: Duration = Duration::from_secs(5);
/// How long [`StoreWriter::finish`] keeps retrying an unreachable store before it gives up on
/// the writes still waiting (and says how many), so that a node can stop.
const FINISH_GRACE: Duration = Duration::from_secs(10);

/// A write may run more than once (retried), so it borrows what it stores.
type Job = Box<dyn Fn(&dyn SessionStore) -> Result<(), StoreError> + Send>;
/// A write, with the span its failure is logged in and what it stores.
type Queued = (tracing::Span, &'static str, Job);

/// What the writer is going through, for `/metrics` and `/health`.
#[derive(Debug, Default)]
pub struct WriterStatus {
    /// Writes dropped because `store_queue` were already waiting.
    pub(crate) shed: AtomicU64,
    /// Writes queued or being applied.
    pub(crate) waiting: AtomicU64,
    /// Retries of writes the store could not take.
    pub(crate) retries: AtomicU64,
    /// Why the store is failing now (`None`: it is not).
    failing: Mutex<Option<String>>,
}

impl WriterStatus {
    pub fn shed(&self) -> u64 {
        self.shed.load(Ordering::Relaxed)
    }

    pub fn waiting(&self) -> u64 {
        self.waiting.load(Ordering::Relaxed)
    }

    pub fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }

    /// Why store writes are failing, while they are.
    pub fn failing(&self) -> Option<String> {
        self.failing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Records the reason; true if the store was fine until now.
    pub(crate) fn fail(&self, reason: String) -> bool {
        let mut failing = self.failing.lock().unwrap_or_else(|p| p.into_inner());
        failing.replace(reason).is_none()
    }

    /// The store answered; true if it was failing until now.
    fn recover(&self) -> bool {
        let mut failing = self.failing.lock().unwrap_or_else(|p| p.into_inner());
        failing.take().is_some()
    }
}

pub struct StoreWriter {
    tx: Mutex<Option<mpsc::SyncSender<Queued>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    status: Arc<WriterStatus>,
    /// Set by [`StoreWriter::finish`]: after this, writes to an unreachable store are dropped.
    give_up_at: Arc<OnceLock<Instant>>,
}

impl StoreWriter {
    /// At most `capacity` writes wait; more are counted in `status` and dropped.
    pub fn start(store: Arc<dyn SessionStore>, capacity: usize, status: Arc<WriterStatus>) -> Self {
        let (tx, rx) = mpsc::sync_channel::<Queued>(capacity);
        let give_up_at = Arc::new(OnceLock::new());
        let applier = Applier {
            store,
            status: status.clone(),
            give_up_at: give_up_at.clone(),
            lost: 0,
        };
        let thread = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || applier.run(rx))
            .expect("spawning the store writer thread");
        Self {
            tx: Mutex::new(Some(tx)),
            thread: Mutex::new(Some(thread)),
            status,
            give_up_at,
        }
    }

    /// Queues a write; failures are logged in `span`, never fatal to a session.
    pub fn write(
        &self,
        span: &tracing::Span,
        what: &'static str,
        job: impl Fn(&dyn SessionStore) -> Result<(), StoreError> + Send + 'static,
    ) {
        if let Some(tx) = self.tx.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            // Counted before it is sent: the thread may finish it before try_send returns.
            self.status.waiting.fetch_add(1, Ordering::Relaxed);
            if let Err(mpsc::TrySendError::Full(_)) =
                tx.try_send((span.clone(), what, Box::new(job)))
            {
                self.status.waiting.fetch_sub(1, Ordering::Relaxed);
                let shed = self.status.shed.fetch_add(1, Ordering::Relaxed) + 1;
                // Once per doubling: a flood must not become a flood of log lines too.
                if shed.is_power_of_two() {
                    tracing::warn!(parent: span, shed, "store queue full: could not store {what}");
                }
            }
        }
    }

    pub fn status(&self) -> &Arc<WriterStatus> {
        &self.status
    }

    /// Stops taking writes and waits until every queued one is done (or, if the store stays
    /// unreachable for [`FINISH_GRACE`], dropped).
    pub fn finish(&self) {
        self.finish_within(FINISH_GRACE);
    }

    /// [`StoreWriter::finish`], giving an unreachable store `grace` to come back.
    pub fn finish_within(&self, grace: Duration) {
        self.tx.lock().unwrap_or_else(|p| p.into_inner()).take();
        let _ = self.give_up_at.set(Instant::now() + grace);
        if let Some(thread) = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = thread.join();
        }
    }
}

/// The writer thread's side.
struct Applier {
    store: Arc<dyn SessionStore>,
    status: Arc<WriterStatus>,
    give_up_at: Arc<OnceLock<Instant>>,
    /// Writes dropped at shutdown because the store stayed unreachable.
    lost: u64,
}

impl Applier {
    fn run(mut self, rx: mpsc::Receiver<Queued>) {
        for (span, what, job) in rx {
            self.apply(&span, what, job.as_ref());
            self.status.waiting.fetch_sub(1, Ordering::Relaxed);
        }
        if self.lost > 0 {
            tracing::error!(
                lost = self.lost,
                "the store was still unreachable at shutdown: writes not stored"
            );
        }
    }

    fn giving_up(&self) -> bool {
        self.give_up_at.get().is_some_and(|t| Instant::now() >= *t)
    }

    /// Applies one write, retrying while the store is unreachable.
    fn apply(
        &mut self,
        span: &tracing::Span,
        what: &str,
        job: &(dyn Fn(&dyn SessionStore) -> Result<(), StoreError> + Send),
    ) {
        let mut wait = FIRST_RETRY;
        loop {
            if self.giving_up() && self.status.failing().is_some() {
                self.lost += 1;
                return;
            }
            match job(self.store.as_ref()) {
                Ok(()) => {
                    if self.status.recover() {
                        tracing::info!("the store is reachable again: queued writes go on");
                    }
                    return;
                }
                Err(StoreError::Unavailable(reason)) => {
                    if self.status.fail(reason.clone()) {
                        tracing::warn!(parent: span, %reason,
                            "store unreachable: writes wait and are retried until it is back");
                    }
                    let until_give_up = self
                        .give_up_at
                        .get()
                        .map_or(wait, |t| t.saturating_duration_since(Instant::now()));
                    std::thread::sleep(wait.min(until_give_up));
                    wait = (wait * 2).min(MAX_RETRY);
                    self.status.retries.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    // The store answered: it is reachable, this write is just refused.
                    self.status.recover();
                    tracing::error!(parent: span, error = %e, "could not store {what}");
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
