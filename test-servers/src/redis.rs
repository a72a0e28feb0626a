//! `redis-server` processes: one server, or a Redis Cluster (masters with one replica each)
//! made with `redis-cli --cluster create`. No persistence, unless asked for
//! ([`RedisServer::start_persistent`]): a killed server comes back empty, as a Redis restarted
//! without it would.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::{free_port_with, wait_until};

/// How long a cluster node may be silent before its replica takes over (the default is 15 s;
/// the failover tests wait through it).
pub const CLUSTER_NODE_TIMEOUT_MS: u64 = 1000;

/// One `redis-server` on a random loopback port.
pub struct RedisServer {
    pub port: u16,
    child: Option<Child>,
    /// Whether it runs as a Redis Cluster node, and with an append-only file (a restart keeps both).
    cluster: bool,
    persistent: bool,
    dir: tempfile::TempDir,
}

impl RedisServer {
    /// Starts a plain server and waits until it answers `PING`.
    pub fn start() -> Self {
        Self::spawn(false, false)
    }

    /// Starts a plain server that writes every change to its append-only file before it
    /// answers (`appendfsync always`), so that after [`RedisServer::kill`] and
    /// [`RedisServer::restart`] it has every write it acknowledged, as a Redis set up for
    /// durability does.
    pub fn start_persistent() -> Self {
        Self::spawn(false, true)
    }

    /// Starts a server on a free port. Tests run in parallel: another test's server may take
    /// the port between our finding it free and our server binding it. So the server that
    /// answers must be ours (its working directory is our temporary one); if ours exited
    /// (it could not bind), it starts again on another port.
    fn spawn(cluster: bool, persistent: bool) -> Self {
        for _ in 0..10 {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let port = free_port_with(if cluster { 10_000 } else { 0 });
            let mut server = Self {
                port,
                child: Some(spawn_server(dir.path(), port, cluster, persistent)),
                cluster,
                persistent,
                dir,
            };
            if server.answers_as_ours() {
                return server;
            }
            server.kill();
        }
        panic!("redis-server did not start (10 attempts)")
    }

    /// Waits until the server on our port answers and is ours (its working directory is our
    /// temporary one); false if ours exited first (it could not bind the port).
    fn answers_as_ours(&mut self) -> bool {
        let ours = self
            .dir
            .path()
            .canonicalize()
            .expect("the temporary directory");
        let started = std::time::Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Some(Ok(Some(_))) = self.child.as_mut().map(Child::try_wait) {
                return false;
            }
            let dir = self.cli(&["CONFIG", "GET", "dir"]);
            if dir.is_some_and(|d| {
                d.lines().nth(1).map(std::path::PathBuf::from) == Some(ours.clone())
            }) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Starts a killed server again on the same port (empty, unless it is persistent), as an
    /// operator restarting a crashed Redis would, and waits until it answers.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "restart: kill the server first");
        self.child = Some(spawn_server(
            self.dir.path(),
            self.port,
            self.cluster,
            self.persistent,
        ));
        assert!(
            self.answers_as_ours(),
            "redis-server did not start again on port {} (another test's server took it?)",
            self.port
        );
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Runs one command with `redis-cli`; its trimmed output, or `None` if it failed.
    pub fn cli(&self, args: &[&str]) -> Option<String> {
        cli(self.port, args)
    }

    /// Kills the server at once (`SIGKILL`), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

fn spawn_server(dir: &Path, port: u16, cluster: bool, persistent: bool) -> Child {
    let port_s = port.to_string();
    let timeout = CLUSTER_NODE_TIMEOUT_MS.to_string();
    let mut args: Vec<&str> = vec![
        "--port",
        &port_s,
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        if persistent { "yes" } else { "no" },
        "--appendfsync",
        "always",
        "--daemonize",
        "no",
        "--loglevel",
        "warning",
    ];
    if cluster {
        args.extend([
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            "nodes.conf",
            "--cluster-node-timeout",
            &timeout,
            // Replicas sync at once (the default waits 5 s for more replicas to share one
            // transfer) and may always take over, however long since they last synced.
            "--repl-diskless-sync-delay",
            "0",
            "--cluster-replica-validity-factor",
            "0",
        ]);
    }
    let mut command = Command::new("redis-server");
    command
        .args(&args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    crate::owned::spawn(command)
        .expect("start redis-server (the setup script installs Debian's redis-server)")
}

pub(crate) fn cli(port: u16, args: &[&str]) -> Option<String> {
    let out = Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// A Redis Cluster: `masters` masters, each with one replica, every slot covered.
pub struct RedisCluster {
    pub nodes: Vec<RedisServer>,
}

impl RedisCluster {
    /// Starts `2 × masters` servers and joins them into a cluster, then waits until every
    /// node reports the cluster healthy.
    pub fn start(masters: usize) -> Self {
        let nodes: Vec<RedisServer> = (0..masters * 2)
            .map(|_| RedisServer::spawn(true, false))
            .collect();
        let addrs: Vec<String> = nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        let status = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addrs)
            .args(["--cluster-replicas", "1", "--cluster-yes"])
            .stdout(Stdio::null())
            .status()
            .expect("run redis-cli --cluster create");
        assert!(status.success(), "redis-cli --cluster create failed");
        let cluster = Self { nodes };
        cluster.wait_healthy();
        cluster
    }

    /// Runs one command in cluster mode (`redis-cli -c`, following redirects) on a running node.
    pub fn cli(&self, args: &[&str]) -> Option<String> {
        let node = self.nodes.iter().find(|n| n.is_running())?;
        let mut with_c = vec!["-c"];
        with_c.extend_from_slice(args);
        node.cli(&with_c)
    }

    /// Seed URLs, as `redis_url` takes them.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::url).collect()
    }

    /// Waits until every running node says the cluster is ok, every slot is served, and there
    /// are as many running masters as at the start (after a kill: a replica took over).
    pub fn wait_healthy(&self) {
        wait_until("redis cluster", Duration::from_secs(30), || {
            self.masters().len() == self.nodes.len() / 2
                && self.nodes.iter().filter(|n| n.is_running()).all(|n| {
                    n.cli(&["CLUSTER", "INFO"]).is_some_and(|info| {
                        info.contains("cluster_state:ok") && info.contains("cluster_slots_ok:16384")
                    })
                })
        });
    }

    /// Indexes (into `nodes`) of the running masters.
    pub fn masters(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| {
                self.nodes[i].is_running()
                    && self.nodes[i]
                        .cli(&["ROLE"])
                        .is_some_and(|role| role.starts_with("master"))
            })
            .collect()
    }

    /// Kills the master serving `key` (`SIGKILL`) and returns its index; its replica takes
    /// over after [`CLUSTER_NODE_TIMEOUT_MS`] (see [`RedisCluster::wait_healthy`]).
    pub fn kill_master_of(&mut self, key: &str) -> usize {
        let slot = self.nodes[self.masters()[0]]
            .cli(&["CLUSTER", "KEYSLOT", key])
            .expect("CLUSTER KEYSLOT");
        let slot: u16 = slot.parse().expect("a slot number");
        let owner = self
            .masters()
            .into_iter()
            .find(|&i| self.serves(i, slot))
            .expect("a master serves every slot");
        self.nodes[owner].kill();
        owner
    }

    /// Whether node `i` is the master of `slot` (from `CLUSTER SHARDS`-free `CLUSTER SLOTS`
    /// text: ranges followed by the master's host and port).
    fn serves(&self, i: usize, slot: u16) -> bool {
        let Some(text) = self.nodes[i].cli(&["CLUSTER", "SLOTS"]) else {
            return false;
        };
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        // Each range is: start, end, master host, master port, master id, then replicas.
        lines.windows(4).any(|w| {
            let (Ok(start), Ok(end)) = (w[0].parse::<u16>(), w[1].parse::<u16>()) else {
                return false;
            };
            start <= slot
                && slot <= end
                && w[2] == "127.0.0.1"
                && w[3].parse::<u16>().ok() == Some(self.nodes[i].port)
        })
    }
}
