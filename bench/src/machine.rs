//! What the benchmarks ran on, and whether anything else ran at the same time: a [`LoadWatch`]
//! compares the machine's busy CPU time with our own process tree's (the bench, its relay,
//! chromedriver, Chromium, Node) and calls the run invalid when the difference is large.

use std::collections::HashMap;
use std::process::Command;
use std::time::Instant;

use serde::Serialize;

/// Foreign load above this many cores makes a run invalid.
pub const BUSY_CORES: f64 = 0.25;
/// Kernel clock ticks per second for /proc times (USER_HZ, 100 on Linux).
const TICKS: f64 = 100.0;

#[derive(Debug, Clone, Serialize)]
pub struct MachineInfo {
    pub cpu: String,
    pub cores: usize,
    pub memory_mib: u64,
    pub kernel: String,
    pub chromium: String,
    pub node: String,
    pub rrweb: String,
}

impl MachineInfo {
    pub fn read(rrweb_package_json: &std::path::Path) -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
            .unwrap_or_else(|| "unknown".into());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_mib = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|l| l.split_whitespace().next()?.parse::<u64>().ok())
            .map_or(0, |kib| kib / 1024);
        let rrweb = std::fs::read_to_string(rrweb_package_json)
            .ok()
            .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
            .and_then(|v| v["version"].as_str().map(String::from))
            .unwrap_or_else(|| "not installed".into());
        Self {
            cpu,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_mib,
            kernel: output("uname", &["-sr"]),
            chromium: output("chromium", &["--version"]),
            node: output("node", &["--version"]),
            rrweb,
        }
    }
}

/// The current time as `date -u` prints it in ISO 8601.
pub fn now_utc() -> String {
    output("date", &["-u", "+%Y-%m-%dT%H:%M:%SZ"])
}

fn output(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "not found".into())
}

/// CPU time used on the machine and by our process tree since [`LoadWatch::start`].
pub struct LoadWatch {
    started: Instant,
    machine_busy: u64,
    ours: u64,
}

impl LoadWatch {
    pub fn start() -> Self {
        Self {
            started: Instant::now(),
            machine_busy: machine_busy_ticks(),
            ours: tree_ticks(std::process::id()),
        }
    }

    /// Cores' worth of CPU that processes outside our tree used since the start.
    pub fn foreign_cores(&self) -> f64 {
        let secs = self.started.elapsed().as_secs_f64().max(0.01);
        let busy = machine_busy_ticks().saturating_sub(self.machine_busy);
        let ours = tree_ticks(std::process::id()).saturating_sub(self.ours);
        busy.saturating_sub(ours) as f64 / TICKS / secs
    }

    /// True when the machine was busy with other work during the run.
    pub fn was_busy(&self) -> bool {
        self.foreign_cores() > BUSY_CORES
    }
}

/// user + nice + system + steal over all cores. Interrupt time is left out: loopback traffic
/// is charged there, and it is our own.
fn machine_busy_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = stat.lines().find(|l| l.starts_with("cpu ")) else {
        return 0;
    };
    let f: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let at = |i: usize| f.get(i).copied().unwrap_or(0);
    at(0) + at(1) + at(2) + at(7)
}

/// utime + stime (+ reaped children's) of `root` and every live descendant.
fn tree_ticks(root: u32) -> u64 {
    let mut parent_of = HashMap::new();
    let mut ticks = HashMap::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The command name may hold spaces and parentheses: fields start after the last ')'.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        let num = |i: usize| f.get(i).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0);
        // After ')': state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
        parent_of.insert(pid, num(1) as u32);
        ticks.insert(pid, num(11) + num(12) + num(13) + num(14));
    }
    let in_tree = |mut pid: u32| {
        for _ in 0..64 {
            if pid == root {
                return true;
            }
            match parent_of.get(&pid) {
                Some(&p) if p != 0 => pid = p,
                _ => return false,
            }
        }
        false
    };
    ticks
        .iter()
        .filter(|(&pid, _)| in_tree(pid))
        .map(|(_, t)| t)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_own_work_is_not_foreign() {
        let watch = LoadWatch::start();
        let until = Instant::now() + std::time::Duration::from_millis(300);
        let mut x = 0u64;
        while Instant::now() < until {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
        }
        assert!(x != 1);
        assert!(tree_ticks(std::process::id()) > 0);
        // A busy loop of ours counts as ours; the threshold leaves room for the test runner.
        assert!(watch.foreign_cores() < 1.0, "{}", watch.foreign_cores());
    }
}
