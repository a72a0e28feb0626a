//! The `redis-server` the R4 nodes share: started pinned to the relay core, asked for its
//! command counts (`INFO commandstats`) so the bench can say what a frame and a session start
//! cost Redis.

use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

use super::server::{free_port, RELAY_CORE};
use crate::BenchResult;

/// A `redis-server` pinned to the relay core; killed when dropped.
pub(super) struct Redis {
    pub port: u16,
    pub pid: u32,
    _child: Child,
}

impl Redis {
    pub async fn start() -> BenchResult<Self> {
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
    pub async fn commands(&self) -> Vec<(String, u64)> {
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

    pub async fn reset(&self) {
        self.cli(&["CONFIG", "RESETSTAT"]).await;
    }
}

pub(super) fn total(commands: &[(String, u64)]) -> u64 {
    commands.iter().map(|(_, n)| n).sum()
}

pub(super) fn listing(commands: &[(String, u64)], per: f64) -> String {
    let mut sorted = commands.to_vec();
    sorted.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    sorted
        .iter()
        .take(6)
        .map(|(name, n)| format!("{name} {:.2}", *n as f64 / per))
        .collect::<Vec<_>>()
        .join(", ")
}
