//! The relays as separate processes pinned to core 0 (ours from target/release, the Node one
//! from bench/node/relay.js), the generator's thread pinned to core 1, the file-descriptor limit
//! both need for 10k sockets, and a process tree's resident memory from /proc.

use std::future::Future;
use std::net::{SocketAddr, TcpListener};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

use super::protocol::{Kind, ORIGIN, TOKEN};
use crate::{BenchResult, Ctx};

/// The relay's core and the load generator's.
pub const RELAY_CORE: usize = 0;
pub const GENERATOR_CORE: usize = 1;

/// Settings ours runs with beyond its defaults, quoted in the report's notes. The first two
/// limits are per agent, and every generated agent uses one token; the heartbeat timeout keeps
/// idle sockets (R3) open however long opening 10k of them takes.
pub const OUR_FLAGS: &[&str] = &[
    "--agent-sessions-limit",
    "0",
    "--join-attempts-per-minute",
    "0",
    "--heartbeat-timeout",
    "600",
    // Every generated client comes from 127.0.0.1: the per-client limits would stop the load
    // long before it measures anything.
    "--sessions-per-ip-per-minute",
    "0",
    "--sessions-per-second",
    "0",
    "--connections-per-ip",
    "0",
];

/// A relay process; killed when dropped.
pub struct Relay {
    pub addr: SocketAddr,
    pub pid: u32,
    child: Child,
    dir: tempfile::TempDir,
}

pub fn free_port() -> BenchResult<u16> {
    // Released before the relay binds it: a small race, but neither relay can print a port 0
    // choice in a form both share.
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

pub async fn start(ctx: &Ctx, kind: Kind) -> BenchResult<Relay> {
    start_with(ctx, kind, &[]).await
}

/// [`start`], ours with `extra` flags (`--redis-url`, `--node-id`, ...).
pub async fn start_with(ctx: &Ctx, kind: Kind, extra: &[String]) -> BenchResult<Relay> {
    let dir = tempfile::tempdir()?;
    let addr: SocketAddr = ([127, 0, 0, 1], free_port()?).into();
    let log = std::fs::File::create(dir.path().join("relay.log"))?;
    let mut cmd = Command::new("taskset");
    cmd.arg("-c").arg(RELAY_CORE.to_string());
    match kind {
        Kind::Ours => {
            let bin = &ctx.relay_bin;
            if !bin.exists() {
                return Err(format!(
                    "{} is missing: build it first (`cargo build --release -p cobrowse-relay`)",
                    bin.display()
                )
                .into());
            }
            cmd.arg(bin)
                .arg("--listen")
                .arg(addr.to_string())
                .arg("--data-dir")
                .arg(dir.path().join("data"))
                .args(["--allowed-origins", ORIGIN, "--agent-tokens", TOKEN])
                .args(OUR_FLAGS)
                .args(extra)
                // Session start and join lines only; nothing is logged per frame either way.
                .env("COBROWSE_LOG", "warn")
                .env_remove("COBROWSE_CONFIG");
        }
        Kind::Node => {
            let script = ctx.root.join("bench/node/relay.js");
            if !ctx.node_modules().join("ws/package.json").exists() {
                return Err(
                    "bench/node/node_modules/ws is missing: run `npm ci` in bench/node".into(),
                );
            }
            cmd.arg("node")
                .arg(script)
                .arg("--port")
                .arg(addr.port().to_string());
        }
    }
    // taskset execs the relay, so the child's pid is the relay's.
    let child = cmd
        .current_dir(&ctx.root)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {} via taskset: {e}", kind.name()))?;
    let pid = child.id().ok_or("the relay exited at once")?;
    let mut relay = Relay {
        addr,
        pid,
        child,
        dir,
    };
    relay.ready(kind).await?;
    Ok(relay)
}

impl Relay {
    async fn ready(&mut self, kind: Kind) -> BenchResult<()> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Err(
                    format!("{} exited ({status}): {}", kind.name(), self.log_tail()).into(),
                );
            }
            if tokio::net::TcpStream::connect(self.addr).await.is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{} did not listen within 15 s: {}",
                    kind.name(),
                    self.log_tail()
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The end of the relay's output, for errors.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("relay.log")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(5).collect();
        tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
    }

    /// Whether it is still running (a relay that crashed under load must not look slow).
    pub fn check_alive(&mut self, kind: Kind) -> BenchResult<()> {
        match self.child.try_wait()? {
            Some(status) => {
                Err(format!("{} died ({status}): {}", kind.name(), self.log_tail()).into())
            }
            None => Ok(()),
        }
    }
}

/// Raises this process's open-file limit (inherited by the relays it starts) to `want`, or as
/// far as allowed.
pub fn raise_nofile(want: u64) -> BenchResult<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain system calls on a local struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        let raised = libc::rlimit {
            rlim_cur: want.max(lim.rlim_cur),
            rlim_max: want.max(lim.rlim_max),
        };
        // Raising the hard limit needs root; otherwise go as far as the hard limit allows.
        if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
            return Ok(raised.rlim_cur);
        }
        lim.rlim_cur = lim.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        Ok(lim.rlim_cur)
    }
}

/// Runs `job` on a new thread pinned to `core`, in a runtime of its own: the generator's
/// sockets, timers and sending all share that one core, and none of it runs on the relay's.
pub async fn on_core<T, F>(core: usize, job: impl FnOnce() -> F + Send + 'static) -> BenchResult<T>
where
    T: Send + 'static,
    F: Future<Output = BenchResult<T>>,
{
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name(format!("load-core{core}"))
        .spawn(move || {
            let result = pin_this_thread(core).and_then(|()| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                rt.block_on(job())
            });
            let _ = tx.send(result.map_err(|e| e.to_string()));
        })?;
    rx.await
        .map_err(|_| "the load generator thread panicked")?
        .map_err(Into::into)
}

fn pin_this_thread(core: usize) -> BenchResult<()> {
    // SAFETY: cpu_set_t is plain data; 0 means the calling thread.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(core, &mut set);
        if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            let e = std::io::Error::last_os_error();
            return Err(format!("cannot pin the generator to core {core}: {e}").into());
        }
    }
    Ok(())
}

/// Resident memory of `root` and its descendants, in KiB.
pub fn tree_rss_kib(root: u32) -> u64 {
    let mut pids = vec![root];
    let all: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            Some((pid, parse_ppid(&stat)?))
        })
        .collect();
    let mut i = 0;
    while i < pids.len() {
        let parent = pids[i];
        pids.extend(all.iter().filter(|(_, pp)| *pp == parent).map(|(p, _)| *p));
        i += 1;
    }
    pids.iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/status")).ok())
        .filter_map(|s| parse_vmrss_kib(&s))
        .sum()
}

/// CPU time `pid` has used so far (all its threads), in seconds.
pub fn cpu_seconds(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| parse_cpu_ticks(&s))
        .map_or(f64::NAN, |t| t as f64 / TICKS_PER_SECOND)
}

/// Kernel clock ticks per second in /proc (USER_HZ, 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

/// utime + stime from /proc/PID/stat.
pub fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let (_, rest) = stat.rsplit_once(')')?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After ')': state(0) ppid(1) ... utime(11) stime(12).
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// The parent pid from /proc/PID/stat (after the command name, which may hold spaces).
pub fn parse_ppid(stat: &str) -> Option<u32> {
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// `VmRSS` from /proc/PID/status, in KiB.
pub fn parse_vmrss_kib(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_and_parent_come_from_proc_text() {
        let status = "Name:\tnode\nVmPeak:\t  900 kB\nVmRSS:\t   45120 kB\nThreads:\t7\n";
        assert_eq!(parse_vmrss_kib(status), Some(45120));
        assert_eq!(parse_vmrss_kib("Name:\tkthreadd\n"), None);
        let stat = "4242 (node (relay) x) S 4200 4242 4200 0 -1 4194560 1 0 0 0 5 3";
        assert_eq!(parse_ppid(stat), Some(4200));
        assert_eq!(parse_cpu_ticks(stat), Some(8));
        assert_eq!(parse_cpu_ticks("4242 (x) S 1"), None);
    }
}
