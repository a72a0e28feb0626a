//! Several relay nodes as an operator runs them: the relay's binary in its own processes
//! (`relay-1` and `relay-2`, the shipped nginx sample's names) sharing Redis, Debian's nginx in
//! front with the shipped `deploy/nginx` configuration over TLS, the demo website from one
//! more relay process (so killing a node never takes the customer's site down), and headless
//! Chromium for the customer and the agent, both going through nginx.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;

use test_servers::nginx::Nginx;
use test_servers::nginx_sample::{site_conf, NODES};
use test_servers::{free_port_with, RelayProcess};
use thirtyfour::WebDriver;

use crate::{workspace_root, Browsers};

/// The supervisor token of every node (the console's `#token=`, and the REST API).
pub const TOKEN: &str = "cluster-supervisor-token-0123456789";

pub struct Cluster {
    pub redis_urls: Vec<String>,
    /// `relay-1`, `relay-2`: `None` while stopped.
    pub nodes: Vec<Option<RelayProcess>>,
    ports: Vec<u16>,
    pub nginx: Nginx,
    demo: RelayProcess,
    demo_port: u16,
    /// Each accepts nginx's self-signed certificate.
    browsers: Browsers,
}

/// The relay's binary, built now if it is not up to date (`cargo test -p cobrowse-e2e` alone
/// builds only the tests).
pub fn relay_binary() -> PathBuf {
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "-q",
            "-p",
            "cobrowse-relay",
            "--bin",
            "cobrowse-relay",
        ])
        .current_dir(&root)
        .status()
        .expect("cargo build the relay");
    assert!(status.success(), "the relay's binary builds");
    root.join("target/debug/cobrowse-relay")
}

impl Cluster {
    /// Two nodes on `redis_urls` behind nginx, the demo site, and a chromedriver.
    pub async fn start(redis_urls: Vec<String>) -> Self {
        let binary = relay_binary();
        let ports: Vec<u16> = NODES.iter().map(|_| free_port_with(0)).collect();
        let addrs: Vec<SocketAddr> = ports.iter().map(|p| ([127, 0, 0, 1], *p).into()).collect();
        let nginx = tokio::task::spawn_blocking(move || Nginx::start(|s| site_conf(s, &addrs)))
            .await
            .expect("nginx starts");
        let demo_port = free_port_with(0);
        let root = workspace_root();
        let common = |public: &str| {
            vec![
                "--public-url".to_string(),
                public.to_string(),
                "--assets-dir".into(),
                root.join("dist").display().to_string(),
                "--www-dir".into(),
                root.join("www").display().to_string(),
                "--allowed-origins".into(),
                format!("http://127.0.0.1:{demo_port}"),
            ]
        };
        let public = nginx.https_url("");
        let mut demo_args = common(&public);
        demo_args.extend(["--demo-listen".into(), format!("127.0.0.1:{demo_port}")]);
        let demo = RelayProcess::start(&binary, &demo_args);
        let browsers = Browsers::start(&["--ignore-certificate-errors"]).await;
        let mut cluster = Self {
            redis_urls,
            nodes: NODES.iter().map(|_| None).collect(),
            ports,
            nginx,
            demo,
            demo_port,
            browsers,
        };
        for i in 0..NODES.len() {
            cluster.start_node(i);
        }
        cluster
    }

    /// Starts node `i` (again) on its port, under its name.
    pub fn start_node(&mut self, i: usize) {
        let root = workspace_root();
        let args = vec![
            "--redis-url".to_string(),
            self.redis_urls.join(","),
            "--node-id".into(),
            NODES[i].into(),
            "--public-url".into(),
            self.nginx.https_url(""),
            "--assets-dir".into(),
            root.join("dist").display().to_string(),
            "--www-dir".into(),
            root.join("www").display().to_string(),
            "--allowed-origins".into(),
            format!("http://127.0.0.1:{}", self.demo_port),
            "--trusted-proxies".into(),
            "127.0.0.1/32".into(),
            "--supervisor-tokens".into(),
            TOKEN.into(),
            "--drain-timeout".into(),
            "20".into(),
        ];
        self.nodes[i] = Some(RelayProcess::start_on(
            self.ports[i],
            &relay_binary(),
            &args,
        ));
    }

    /// Starts node `i` again and waits until nginx sends it requests again: nginx's health
    /// checks are passive, so a node that failed stays out of the pool for the sample's
    /// `fail_timeout` (10 s). A rolling restart waits for this before stopping the next node.
    pub async fn restart_node(&mut self, i: usize) -> crate::TestResult {
        self.start_node(i);
        let client = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .build()?;
        let url = self.nginx.https_url("/health");
        crate::eventually(
            &format!("nginx to send requests to {} again", NODES[i]),
            std::time::Duration::from_secs(30),
            || async {
                let response = client.get(&url).send().await.ok()?;
                let node = response.headers().get("x-cobrowse-node")?.to_str().ok()?;
                (node == NODES[i]).then_some(())
            },
        )
        .await
    }

    pub fn demo_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.demo_port)
    }

    /// The console through nginx, with the supervisor token.
    pub fn agent_url(&self) -> String {
        format!("{}#token={TOKEN}", self.nginx.https_url("/agent"))
    }

    /// A node's own URL (for the REST API, without nginx; what it prints is the public URL).
    pub fn node_url(&self, i: usize) -> String {
        format!("http://127.0.0.1:{}", self.ports[i])
    }

    /// A headless Chromium that accepts nginx's self-signed certificate.
    pub async fn browser(&self) -> WebDriver {
        self.browsers.open().await
    }

    /// Closes the browsers; the servers stop when the cluster is dropped.
    pub async fn finish(self, browsers: Vec<WebDriver>) {
        self.browsers.finish(browsers).await;
    }

    /// The demo site's process (kept running for the whole test).
    pub fn demo(&self) -> &RelayProcess {
        &self.demo
    }
}
