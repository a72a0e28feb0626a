//! The timers one console session runs, owned: the heartbeat, and the delay before a
//! reconnect. Each is a `gloo` timer that is cleared when dropped, so
//! [`SessionTasks::stop`] (the session ended, failed, or a new join replaced it) leaves
//! nothing behind that could fire later: no loop outlives its session. (A heartbeat that did
//! would acknowledge the next session's frames with this one's numbers.) The console holds its
//! session as a [`CurrentSession`], which stops it when replaced or dropped.

use gloo_timers::callback::{Interval, Timeout};

use crate::session::Session;

#[derive(Default)]
pub(crate) struct SessionTasks {
    heartbeat: Option<Owned<Interval>>,
    reconnect: Option<Owned<Timeout>>,
}

impl SessionTasks {
    /// Runs `beat` every `every_ms` until stopped (replacing any earlier heartbeat).
    pub(crate) fn heartbeat(&mut self, every_ms: u32, beat: impl FnMut() + 'static) {
        self.heartbeat = Some(Owned::new(Interval::new(every_ms, beat)));
    }

    /// Runs `then` once after `after_ms`, unless stopped first (replacing any earlier one).
    pub(crate) fn reconnect_after(&mut self, after_ms: u32, then: impl FnOnce() + 'static) {
        self.reconnect = Some(Owned::new(Timeout::new(after_ms, then)));
    }

    /// The reconnect succeeded: its (spent) delay goes.
    pub(crate) fn reconnected(&mut self) {
        self.reconnect = None;
    }

    /// Stops every timer.
    pub(crate) fn stop(&mut self) {
        self.heartbeat = None;
        self.reconnect = None;
    }
}

/// A timer held by the session; counted for the tests in `test-hooks` builds.
#[must_use = "the timer is cleared when this is dropped"]
struct Owned<T> {
    _timer: T,
}

impl<T> Owned<T> {
    fn new(timer: T) -> Self {
        #[cfg(feature = "test-hooks")]
        crate::test_hooks::count_timer(1);
        Self { _timer: timer }
    }
}

impl<T> Drop for Owned<T> {
    fn drop(&mut self) {
        #[cfg(feature = "test-hooks")]
        crate::test_hooks::count_timer(-1);
    }
}

/// The console's current session. Replacing it (a new join) or dropping it (the console goes
/// away) stops it: its connection closes and its timers stop.
#[must_use = "the session stops when this is dropped"]
pub(crate) struct CurrentSession(Session);

impl CurrentSession {
    pub(crate) fn new(session: Session) -> Self {
        Self(session)
    }
}

impl std::ops::Deref for CurrentSession {
    type Target = Session;

    fn deref(&self) -> &Session {
        &self.0
    }
}

impl Drop for CurrentSession {
    fn drop(&mut self) {
        self.0.stop();
    }
}
