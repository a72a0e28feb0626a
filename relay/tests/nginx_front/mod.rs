//! The shipped nginx sample (`deploy/nginx/`) in front of two relay nodes (`relay-1`,
//! `relay-2`, each `run` on port 0), and clients that reach them through it over TLS.
//!
//! The files are the ones an operator installs, changed only where a machine differs
//! ([`site_conf`]): the `listen` ports become random loopback ones (the IPv6 `listen` lines go),
//! the certificate paths and the node list's path point into nginx's temporary directory, and in
//! the node list the sample's addresses `10.0.0.1:8080` and `10.0.0.2:8080` become the nodes'.
//! Each substitution must match, so a sample that changes shape fails here instead of being
//! tested half. One test also shortens nginx's timeouts ([`Front::start_with`]).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use cobrowse_relay::Config;
use test_servers::nginx::Nginx;
pub use test_servers::nginx_sample::NODES;
use test_servers::nginx_sample::{site_conf, with_directives};
use tokio::net::TcpSocket;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue, StatusCode};
use tokio_tungstenite::{client_async_tls_with_config, Connector};

use crate::common::{relay_configured, Relay, Ws, ORIGIN};

/// The response header naming the node that answered.
pub const NODE_HEADER: &str = "x-cobrowse-node";

pub struct Front {
    pub nginx: Nginx,
    /// `relay-1`, `relay-2`; `None` once stopped.
    pub nodes: Vec<Option<Relay>>,
    http: reqwest::Client,
    tls: Arc<rustls::ClientConfig>,
}

impl Front {
    /// Two nodes that believe X-Forwarded-For from nginx (loopback), each configured further
    /// by `adjust`, and nginx in front of them.
    pub async fn start(adjust: impl Fn(&mut Config)) -> Self {
        Self::start_with(adjust, &[]).await
    }

    /// [`Front::start`], with every line of `cobrowse.conf` that sets one of `directives`
    /// (`("proxy_read_timeout", "1s")`) setting it to that value instead.
    pub async fn start_with(adjust: impl Fn(&mut Config), directives: &[(&str, &str)]) -> Self {
        let mut nodes = Vec::new();
        for name in NODES {
            let relay = relay_configured(|c| {
                c.node_id = Some(name.into());
                c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
                adjust(c);
            })
            .await;
            nodes.push(Some(relay));
        }
        let addrs: Vec<SocketAddr> = nodes.iter().flatten().map(|r| r.addr).collect();
        let directives: Vec<(String, String)> = directives
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        let nginx = tokio::task::spawn_blocking(move || {
            Nginx::start(|s| with_directives(&site_conf(s, &addrs), &directives))
        })
        .await
        .expect("nginx starts");
        let pem = nginx.certificate_pem();
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            nginx,
            nodes,
            http,
            tls: Arc::new(tls_trusting(&pem)),
        }
    }

    /// `GET` through nginx over HTTPS.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.get_url(&self.nginx.https_url(path)).await
    }

    pub async fn get_url(&self, url: &str) -> reqwest::Response {
        self.http
            .get(url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}\n{}", self.nginx.logs()))
    }

    /// A WebSocket through nginx (`wss://`) to `path`, from the loopback address `from`, with
    /// the page's `Origin` and any `headers`: the socket and the name of the node that took it,
    /// or the status nginx or the relay refused it with.
    pub async fn socket(
        &self,
        from: IpAddr,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<(Ws, String), StatusCode> {
        let socket = TcpSocket::new_v4().unwrap();
        socket.bind(SocketAddr::new(from, 0)).unwrap();
        let stream = socket
            .connect(([127, 0, 0, 1], self.nginx.https_port).into())
            .await
            .unwrap();
        let url = self.nginx.https_url(path).replacen("https", "wss", 1);
        let mut request = url.into_client_request().unwrap();
        request
            .headers_mut()
            .insert("origin", HeaderValue::from_static(ORIGIN));
        for (name, value) in headers {
            request.headers_mut().append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        let connector = Some(Connector::Rustls(self.tls.clone()));
        match client_async_tls_with_config(request, stream, None, connector).await {
            Ok((ws, response)) => Ok((ws, node_of(response.headers()))),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => Err(response.status()),
            Err(e) => panic!("wss {path}: {e}\n{}", self.nginx.logs()),
        }
    }

    /// Stops node `i` as a crash would: its `run` future is dropped, its listener with it.
    pub async fn kill(&mut self, i: usize) {
        let relay = self.nodes[i].take().expect("running");
        relay.task.abort();
        let _ = relay.task.await;
    }
}

/// The `X-Cobrowse-Node` header's value ("" without one).
pub fn node_of(headers: &tokio_tungstenite::tungstenite::http::HeaderMap) -> String {
    headers
        .get(NODE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// A TLS client configuration that trusts `pem` only.
fn tls_trusting(pem: &[u8]) -> rustls::ClientConfig {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(pem).expect("a PEM certificate"))
        .unwrap();
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth()
}
