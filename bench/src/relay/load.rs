//! The open-loop load generator, run on its own core through [`super::server::on_core`]: it
//! opens sessions on a relay (a customer and an agent each), then sends steps of constant
//! offered load from the customers and times each frame's arrival at its agent from the moment
//! the frame was *due*. A relay that falls behind cannot slow the schedule down, so its delays
//! show in full instead of being hidden by fewer frames (no coordinated omission).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use futures_util::{stream, StreamExt, TryStreamExt};
use shared_protocol::HEARTBEAT_INTERVAL_SECS;

use super::open::{open_session, Opened, SETUP_CONCURRENCY};
use super::protocol::{Kind, Received, Stamp, PAYLOAD_LEN};
use super::schedule::{due, frames_in, quantiles, session_of, Step, StepResult};
use super::server::cpu_seconds;
use super::wire::{Reader, Writer, OP_BINARY, OP_CLOSE};
use crate::BenchResult;

/// Arrivals of the step under way, shared by the agents' tasks.
#[derive(Default)]
struct Arrivals {
    step: u32,
    /// Nanoseconds from due to arrival, of the measured frames of `step`.
    latencies: Vec<u64>,
    trouble: u64,
    first_trouble: Option<String>,
}

impl Arrivals {
    fn trouble(&mut self, why: impl FnOnce() -> String) {
        self.trouble += 1;
        if self.first_trouble.is_none() {
            self.first_trouble = Some(why());
        }
    }
}

#[derive(Clone)]
struct Shared {
    base: Instant,
    arrivals: Arc<Mutex<Arrivals>>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Arrivals> {
        self.arrivals.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn now_ns(&self) -> u64 {
        self.base.elapsed().as_nanos() as u64
    }
}

/// Reads one side's socket to the end; the agent's side times the frames and heartbeats, first
/// after `phase`: spread over the interval as browsers' are, not a burst of 1,000 at once.
async fn reader_task(
    kind: Kind,
    mut r: Reader,
    mut w: Option<Writer>,
    phase: Duration,
    shared: Shared,
) {
    let mut last_seq = 0;
    let every = Duration::from_secs(HEARTBEAT_INTERVAL_SECS.into());
    let mut beat = tokio::time::interval_at(tokio::time::Instant::now() + phase, every);
    loop {
        let more = tokio::select! {
            more = r.fill() => more,
            _ = beat.tick(), if w.is_some() => {
                if let (Some(hb), Some(writer)) = (kind.agent_heartbeat(last_seq), w.as_mut()) {
                    if writer.send(&hb).await.is_err() {
                        return;
                    }
                }
                continue;
            }
        };
        // One timestamp per read: every frame in it had arrived by then.
        let now = shared.now_ns();
        let mut a = shared.lock();
        if !matches!(more, Ok(true)) {
            return a.trouble(|| "a socket closed".into());
        }
        loop {
            let (op, range) = match r.next_buffered() {
                Ok(Some(frame)) => frame,
                Ok(None) => break,
                Err(e) => return a.trouble(|| e.to_string()),
            };
            match op {
                OP_BINARY => match kind.received(r.bytes(range)) {
                    Received::Data { seq, stamp } => {
                        last_seq = seq;
                        if stamp.measured && stamp.step == a.step {
                            a.latencies.push(now.saturating_sub(stamp.scheduled_ns));
                        }
                    }
                    Received::Trouble(why) => a.trouble(|| why),
                    Received::Other => {}
                },
                OP_CLOSE => return a.trouble(|| "the relay closed a socket".into()),
                _ => {}
            }
        }
    }
}

struct Sender {
    routing: u32,
    customer: Writer,
    seq: u64,
}

/// Where the load goes: the relay the customers connect to, the one the agents connect to (the
/// same, or another node of a cluster), and the processes whose CPU time counts as the relay's.
#[derive(Clone)]
pub struct Target {
    pub customers: SocketAddr,
    pub agents: SocketAddr,
    pub pids: Vec<u32>,
}

impl From<(SocketAddr, u32)> for Target {
    fn from((addr, pid): (SocketAddr, u32)) -> Self {
        Target {
            customers: addr,
            agents: addr,
            pids: vec![pid],
        }
    }
}

/// Opens `sessions` sessions on `target`, then runs the steps `next` gives (it sees the results
/// so far) and returns their results.
pub async fn drive(
    kind: Kind,
    target: impl Into<Target>,
    sessions: usize,
    mut next: impl FnMut(&[StepResult]) -> Option<Step>,
) -> BenchResult<Vec<StepResult>> {
    let target = target.into();
    let shared = Shared {
        base: Instant::now(),
        arrivals: Arc::new(Mutex::new(Arrivals {
            step: u32::MAX,
            ..Arrivals::default()
        })),
    };
    let opened: Vec<Opened> = stream::iter(0..sessions)
        .map(|_| open_session(kind, target.customers, target.agents))
        .buffer_unordered(SETUP_CONCURRENCY)
        .try_collect()
        .await?;
    let mut senders = Vec::with_capacity(sessions);
    let every = Duration::from_secs(HEARTBEAT_INTERVAL_SECS.into());
    for (i, o) in opened.into_iter().enumerate() {
        let phase = every.mul_f64((i as f64 + 1.0) / sessions as f64);
        let (customer, agent) = (o.customer.0, Some(o.agent.1));
        tokio::spawn(reader_task(kind, customer, None, phase, shared.clone()));
        tokio::spawn(reader_task(kind, o.agent.0, agent, phase, shared.clone()));
        senders.push(Sender {
            routing: o.routing,
            customer: o.customer.1,
            seq: 0,
        });
    }
    let mut history = Vec::new();
    while let Some(step) = next(&history) {
        let id = history.len() as u32;
        history.push(run_step(kind, &target.pids, id, step, &mut senders, &shared).await?);
        // Stragglers of a step that overloaded the relay get time to clear before the next.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    Ok(history)
}

/// Waits until `at`: sleeping while far off (the timer is coarse), then yielding, which keeps
/// the agents' reads running while the send is aimed within microseconds.
async fn until(at: Instant) -> Instant {
    loop {
        let now = Instant::now();
        if now >= at {
            return now;
        }
        let wait = at - now;
        if wait > Duration::from_millis(3) {
            tokio::time::sleep(wait - Duration::from_millis(2)).await;
        } else {
            tokio::task::yield_now().await;
        }
    }
}

async fn run_step(
    kind: Kind,
    pids: &[u32],
    id: u32,
    step: Step,
    senders: &mut [Sender],
    shared: &Shared,
) -> BenchResult<StepResult> {
    {
        let mut a = shared.lock();
        *a = Arrivals {
            step: id,
            ..Arrivals::default()
        };
    }
    let warm = frames_in(step.warmup, step.rate);
    let total = warm + frames_in(step.window, step.rate);
    let start = Instant::now() + Duration::from_millis(10);
    let start_ns = (start - shared.base).as_nanos() as u64;
    let mut lags = Vec::with_capacity((total - warm) as usize);
    let mut payload = vec![0x5a; PAYLOAD_LEN];
    let cpu = || pids.iter().map(|p| cpu_seconds(*p)).sum::<f64>();
    let cpu_before = cpu();
    for j in 0..total {
        let offset = due(j, step.rate);
        let at = start + offset;
        let now = until(at).await;
        let measured = j >= warm;
        if measured {
            lags.push((now - at).as_nanos() as u64);
        }
        let session = session_of(j, senders.len());
        let s = &mut senders[session];
        s.seq += 1;
        let stamp = Stamp {
            session: session as u32,
            step: id,
            scheduled_ns: start_ns + offset.as_nanos() as u64,
            measured,
        };
        stamp.write(&mut payload);
        s.customer
            .send(&kind.data(s.routing, s.seq, &payload))
            .await?;
        // Behind schedule, frames go out back to back; the agents' reads must still run.
        if j % 32 == 31 {
            tokio::task::yield_now().await;
        }
    }
    let relay_cores = (cpu() - cpu_before) / start.elapsed().as_secs_f64();
    let expected = total - warm;
    let deadline = Instant::now() + step.drain;
    while (shared.lock().latencies.len() as u64) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut a = shared.lock();
    // Later arrivals of this step no longer count.
    a.step = u32::MAX;
    Ok(StepResult {
        rate: step.rate,
        expected,
        received: a.latencies.len() as u64,
        latency: quantiles(&mut a.latencies),
        lag: quantiles(&mut lags),
        relay_cores,
        trouble: a.trouble,
        first_trouble: a.first_trouble.take(),
    })
}
