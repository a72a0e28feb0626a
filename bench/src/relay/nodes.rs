//! R4: what crossing nodes costs. Two nodes of ours sharing a `redis-server`, all three pinned
//! to the relay core, the generator on its own. The R1 load twice, in alternation: every
//! session with both sides on node A (Redis in the cluster, not in a frame's path), then every
//! agent on node B (each frame crosses through node A's inbox in Redis). Also what one session
//! start and one routed frame cost Redis, from `INFO commandstats`, for sizing.

use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

use super::load::{self, Target};
use super::open::open_session;
use super::protocol::Kind;
use super::schedule::StepResult;
use super::server::{self, free_port, on_core, GENERATOR_CORE, RELAY_CORE};
use super::Plan;
use crate::machine::LoadWatch;
use crate::report::{Better, Measure};
use crate::{BenchResult, Ctx};

/// A `redis-server` pinned to the relay core; killed when dropped.
struct Redis {
    port: u16,
    pid: u32,
    _child: Child,
}

impl Redis {
    async fn start() -> BenchResult<Self> {
        let port = free_port()?;
        let child = Command::new("taskset")
            .args([
                "-c",
                &RELAY_CORE.to_string(),
                "redis-server",
                "--port",
                &port.to_string(),
            ])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start redis-server (make setup-test installs it): {e}"))?;
        let pid = child.id().ok_or("redis-server exited at once")?;
        let redis = Redis {
            port,
            pid,
            _child: child,
        };
        for _ in 0..200 {
            if redis.cli(&["PING"]).await.as_deref() == Some("PONG") {
                return Ok(redis);
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        Err("redis-server did not answer".into())
    }

    async fn cli(&self, args: &[&str]) -> Option<String> {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .await
            .ok()?;
        Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// Commands Redis ran since the last [`Redis::reset`], by name (Lua scripts' inner calls
    /// included, as Redis counts them).
    async fn commands(&self) -> Vec<(String, u64)> {
        let text = self
            .cli(&["INFO", "commandstats"])
            .await
            .unwrap_or_default();
        text.lines()
            .filter_map(|l| {
                let (name, rest) = l.strip_prefix("cmdstat_")?.split_once(':')?;
                let calls = rest
                    .strip_prefix("calls=")?
                    .split(',')
                    .next()?
                    .parse()
                    .ok()?;
                Some((name.to_string(), calls))
            })
            .filter(|(name, _)| !matches!(name.as_str(), "info" | "config" | "ping"))
            .collect()
    }

    async fn reset(&self) {
        self.cli(&["CONFIG", "RESETSTAT"]).await;
    }
}

fn total(commands: &[(String, u64)]) -> u64 {
    commands.iter().map(|(_, n)| n).sum()
}

fn listing(commands: &[(String, u64)], per: f64) -> String {
    let mut sorted = commands.to_vec();
    sorted.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    sorted
        .iter()
        .take(6)
        .map(|(name, n)| format!("{name} {:.2}", *n as f64 / per))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) async fn crossing(ctx: &Ctx, plan: &Plan) -> BenchResult<Vec<Measure>> {
    let watch = LoadWatch::start();
    let redis = Redis::start().await?;
    let node = |name: &str| {
        let url = format!("redis://127.0.0.1:{}", redis.port);
        vec![
            "--redis-url".to_string(),
            url,
            "--node-id".into(),
            name.into(),
        ]
    };
    let a = server::start_with(ctx, Kind::Ours, &node("bench-a")).await?;
    let b = server::start_with(ctx, Kind::Ours, &node("bench-b")).await?;
    let pids = vec![a.pid, b.pid, redis.pid];

    // What one session start costs Redis (create on A, join through B), on its own.
    let starts = 200;
    redis.reset().await;
    let (ca, ab) = (a.addr, b.addr);
    on_core(GENERATOR_CORE, move || async move {
        for _ in 0..starts {
            drop(open_session(Kind::Ours, ca, ab).await?);
        }
        BenchResult::Ok(())
    })
    .await?;
    let per_start = redis.commands().await;

    let (mut same, mut crossed, mut per_frame) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ctx.reps {
        for agents in [a.addr, b.addr] {
            let target = Target {
                customers: a.addr,
                agents,
                pids: pids.clone(),
            };
            let (sessions, step) = (plan.sessions, plan.r1);
            let mut once = Some(step);
            redis.reset().await;
            let result: Vec<StepResult> = on_core(GENERATOR_CORE, move || {
                load::drive(Kind::Ours, target, sessions, move |_| once.take())
            })
            .await?;
            let r = result.into_iter().next().ok_or("no step ran")?;
            if agents == b.addr {
                let commands = redis.commands().await;
                let opening = total(&per_start) as f64 / starts as f64 * sessions as f64;
                let frames = r.received.max(1) as f64;
                let crossing = (total(&commands) as f64 - opening).max(0.0) / frames;
                per_frame.push((crossing, frames, commands));
                crossed.push(r);
            } else {
                same.push(r);
            }
        }
    }
    let busy = watch.was_busy();
    let p99 = |rs: &[StepResult]| rs.iter().map(|r| r.latency.p99).collect::<Vec<_>>();
    let added: Vec<f64> = p99(&crossed)
        .iter()
        .zip(p99(&same))
        .map(|(c, s)| c - s)
        .collect();
    let lost = |rs: &[StepResult]| -> u64 {
        rs.iter()
            .map(|r| r.expected - r.received.min(r.expected))
            .sum()
    };
    let load = format!(
        "{} sessions × {:.0} frames/s × 512 B (R1's load); two nodes and redis-server on core 0",
        plan.sessions,
        plan.r1.rate / plan.sessions as f64
    );
    let latency = Measure::new(
        "R4",
        "routing latency p99, agent on another node vs the same node (both with Redis)",
        &load,
        "ms",
        "crossing adds ≤ 0.5 ms p99",
    )
    .versus("same node", &p99(&crossed), &p99(&same))
    .judge(Better::Lower, None, None)
    .invalid_if(busy)
    .note(format!(
        "Added p99 per repetition (crossing − same): {}. Frames lost: crossing {}, same {}. \
         Relay CPU (both nodes and Redis): crossing {:.2} cores, same {:.2}.",
        added
            .iter()
            .map(|d| format!("{d:.3} ms"))
            .collect::<Vec<_>>()
            .join(", "),
        lost(&crossed),
        lost(&same),
        crossed.iter().map(|r| r.relay_cores).sum::<f64>() / crossed.len().max(1) as f64,
        same.iter().map(|r| r.relay_cores).sum::<f64>() / same.len().max(1) as f64,
    ));
    let mut latency = latency;
    // The target is on the difference, which no single figure above holds: the worst one.
    latency.met = added
        .iter()
        .copied()
        .reduce(f64::max)
        .map(|worst| worst <= 0.5);
    let per: Vec<f64> = per_frame.iter().map(|(n, _, _)| *n).collect();
    let (last_frames, last) = per_frame
        .last()
        .map(|(_, f, c)| (*f, c.clone()))
        .unwrap_or((1.0, Vec::new()));
    let cost = Measure::new(
        "R4b",
        "Redis commands per routed frame across nodes",
        &load,
        "commands",
        "—",
    )
    .product(&per)
    .note(format!(
        "Per session start (customer on A, agent joining through B), {starts} starts: {:.1} \
         commands ({}). Per crossing frame, whole run minus its session starts (so heartbeats \
         and record renewals are in it), last run: {}.",
        total(&per_start) as f64 / starts as f64,
        listing(&per_start, starts as f64),
        listing(&last, last_frames),
    ));
    Ok(vec![latency, cost])
}
