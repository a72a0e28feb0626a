//! Real servers for the tests, the ones an operator runs: Debian's `redis-server` (one server,
//! or a Redis Cluster of masters and replicas) and `nginx`. Each starts on random loopback
//! ports in its own temporary directory and is stopped when dropped; nothing is mocked.
//!
//! - [`redis`]: [`RedisServer`] and [`RedisCluster`]; [`relay`]: the relay's own binary;
//! - [`nginx`]: [`Nginx`], with TLS (a self-signed certificate); [`nginx_sample`]: the
//!   shipped `deploy/nginx` files for it;
//! - [`tls`]: self-signed certificates;
//! - [`owned`]: spawning them so they die with the test binary;
//! - this module: finding free ports and waiting for a server to answer.

pub mod nginx;
pub mod nginx_sample;
pub mod owned;
pub mod redis;
pub mod relay;
pub mod tls;

pub use nginx::Nginx;
pub use redis::{RedisCluster, RedisServer};
pub use relay::RelayProcess;

#[cfg(test)]
use redis::cli;
use std::net::TcpListener;
use std::time::{Duration, Instant};

/// A loopback port nobody listens on now, with `port + offset` free too (a Redis Cluster node
/// also listens on its port + 10000 for the cluster bus).
pub fn free_port_with(offset: u16) -> u16 {
    loop {
        let a = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = a.local_addr().unwrap().port();
        if offset == 0 {
            return port;
        }
        if port
            .checked_add(offset)
            .is_some_and(|p| TcpListener::bind(("127.0.0.1", p)).is_ok())
        {
            return port;
        }
    }
}

/// Polls `ready` every 20 ms until it holds, or panics naming `what` after `limit`.
pub fn wait_until(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < limit, "{what}: not ready after {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_and_a_cluster_start_answer_and_fail_over() {
        let mut one = RedisServer::start();
        assert_eq!(one.cli(&["SET", "k", "v"]).as_deref(), Some("OK"));
        assert_eq!(one.cli(&["GET", "k"]).as_deref(), Some("v"));
        one.kill();
        assert!(
            cli(one.port, &["PING"]).is_none(),
            "a killed server is gone"
        );
        one.restart();
        assert_eq!(
            one.cli(&["GET", "k"]).as_deref(),
            Some(""),
            "back on its port, empty"
        );
        let mut durable = RedisServer::start_persistent();
        assert_eq!(durable.cli(&["SET", "k", "v"]).as_deref(), Some("OK"));
        durable.kill();
        durable.restart();
        assert_eq!(
            durable.cli(&["GET", "k"]).as_deref(),
            Some("v"),
            "back with what it had acknowledged"
        );

        let mut cluster = RedisCluster::start(3);
        assert_eq!(cluster.masters().len(), 3);
        let killed = cluster.kill_master_of("some-key");
        cluster.wait_healthy();
        let masters = cluster.masters();
        assert_eq!(masters.len(), 3, "a replica took over");
        assert!(!masters.contains(&killed));
    }
}
