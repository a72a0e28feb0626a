//! The CSS and font proxy's upstream fetches, and everything that limits them:
//! - a host is allowed with its port: `allowed_external_domains` entries are `host` (the
//!   scheme's default port only) or `host:port` (`*` wildcards in either part);
//! - the host's addresses are resolved here and each must be public, unless an entry without
//!   wildcards names that host and port; the connection goes to the addresses that were checked
//!   (no second lookup a DNS server could answer differently);
//! - redirects are followed by hand, each hop checked like the first (at most [`MAX_HOPS`]);
//! - only sheets or fonts, at most [`MAX_SHEET_BYTES`], within [`FETCH_TIMEOUT`];
//! - at most `proxy_concurrency` fetches at once, beyond which the client is told to retry.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::header;
use reqwest::Url;
use tokio::sync::Semaphore;

use crate::config::origin_matches;
use crate::proxy::ProxyError;
use crate::public_address::is_public;

/// Larger stylesheets and fonts than this are not proxied.
pub const MAX_SHEET_BYTES: usize = 4 << 20;
/// How long one proxied fetch may take, redirects included.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// Redirects followed at most.
pub const MAX_HOPS: usize = 5;

/// What a proxied URL must turn out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    Stylesheet,
    Font,
}

impl Wanted {
    pub fn name(self) -> &'static str {
        match self {
            Wanted::Stylesheet => "stylesheet",
            Wanted::Font => "font",
        }
    }

    /// Whether a response labelled `content_type` from `url` is one. Fonts come labelled many
    /// ways; `application/octet-stream` (servers without font types, object stores) only for a
    /// path with a font's extension, so no other download passes as a font.
    pub fn accepts(self, content_type: &str, url: &Url) -> bool {
        let essence = content_type.split(';').next().unwrap_or("").trim();
        let essence = essence.to_ascii_lowercase();
        match self {
            Wanted::Stylesheet => essence == "text/css",
            Wanted::Font => {
                essence.starts_with("font/")
                    || essence.starts_with("application/font-")
                    || essence.starts_with("application/x-font-")
                    || essence == "application/vnd.ms-fontobject"
                    || (essence == "application/octet-stream" && has_font_extension(url))
            }
        }
    }
}

fn has_font_extension(url: &Url) -> bool {
    let path = url.path().to_ascii_lowercase();
    [".woff2", ".woff", ".ttf", ".otf", ".eot", ".ttc"]
        .iter()
        .any(|ext| path.ends_with(ext))
}

/// A fetched file: its bytes, content type and the address it came from after redirects.
pub struct Fetched {
    pub body: Vec<u8>,
    pub content_type: String,
    pub url: Url,
}

/// The proxy's upstream side: the allowed hosts and the permits for fetches at once.
pub struct Fetcher {
    domains: Vec<String>,
    permits: Arc<Semaphore>,
}

impl Fetcher {
    pub fn new(domains: Vec<String>, concurrency: usize) -> Self {
        Fetcher {
            domains,
            permits: Arc::new(Semaphore::new(concurrency)),
        }
    }

    /// Whether `url`'s host and port are in `allowed_external_domains`.
    pub fn allows(&self, url: &Url) -> bool {
        self.domains.iter().any(|p| host_port_matches(p, url))
    }

    /// Whether an entry without wildcards names `url`'s host and port.
    fn names_explicitly(&self, url: &Url) -> bool {
        self.domains
            .iter()
            .any(|p| !p.contains('*') && host_port_matches(p, url))
    }

    /// GETs `url` (allowed, see [`Fetcher::allows`]) under every limit of this module.
    pub async fn fetch(&self, url: Url, wanted: Wanted) -> Result<Fetched, ProxyError> {
        let _permit = self
            .permits
            .clone()
            .try_acquire_owned()
            .map_err(|_| ProxyError::Busy)?;
        tokio::time::timeout(FETCH_TIMEOUT, self.follow(url, wanted))
            .await
            .map_err(|_| ProxyError::Upstream("timed out".into()))?
    }

    async fn follow(&self, mut url: Url, wanted: Wanted) -> Result<Fetched, ProxyError> {
        for _ in 0..=MAX_HOPS {
            if !self.allows(&url) {
                return Err(ProxyError::Upstream(format!(
                    "redirected off-list to {}",
                    shown(&url)
                )));
            }
            let addrs = self.checked_addresses(&url).await?;
            let response = pinned_client(&url, &addrs)?
                .get(url.clone())
                .send()
                .await
                // Without the URL: its query is the customer's page's, and this goes to the log.
                .map_err(|e| ProxyError::Upstream(e.without_url().to_string()))?;
            if response.status().is_redirection() {
                let location = response
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .ok_or_else(|| ProxyError::Upstream("redirect without a location".into()))?;
                url = url
                    .join(location)
                    .map_err(|e| ProxyError::Upstream(format!("bad redirect: {e}")))?;
                continue;
            }
            return read_body(response, wanted).await;
        }
        Err(ProxyError::Upstream("too many redirects".into()))
    }

    /// The addresses of `url`'s host, all public unless the host is named explicitly.
    async fn checked_addresses(&self, url: &Url) -> Result<Vec<SocketAddr>, ProxyError> {
        let port = url.port_or_known_default().unwrap_or(80);
        let addrs: Vec<SocketAddr> = match url.host() {
            Some(url::Host::Ipv4(ip)) => vec![SocketAddr::new(ip.into(), port)],
            Some(url::Host::Ipv6(ip)) => vec![SocketAddr::new(ip.into(), port)],
            Some(url::Host::Domain(name)) => tokio::net::lookup_host((name, port))
                .await
                .map_err(|e| ProxyError::Upstream(format!("{name}: {e}")))?
                .collect(),
            None => return Err(ProxyError::BadUrl),
        };
        if addrs.is_empty() {
            return Err(ProxyError::Upstream(format!("{}: no address", shown(url))));
        }
        if !self.names_explicitly(url) && addrs.iter().any(|a| !is_public(a.ip())) {
            return Err(ProxyError::NotPublic(format!(
                "{} is at {addrs:?}",
                shown(url)
            )));
        }
        Ok(addrs)
    }
}

/// `url` as errors (which are logged) show it: a page's stylesheet address may carry a
/// customer's query string.
fn shown(url: &Url) -> std::borrow::Cow<'_, str> {
    crate::stored_text::url_for_log(url.as_str())
}

/// A client that connects `url`'s host to `addrs` only, follows no redirect and ignores any
/// system proxy (which would look the name up again).
fn pinned_client(url: &Url, addrs: &[SocketAddr]) -> Result<reqwest::Client, ProxyError> {
    let mut builder = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(FETCH_TIMEOUT);
    if let Some(url::Host::Domain(name)) = url.host() {
        builder = builder.resolve_to_addrs(name, addrs);
    }
    builder
        .build()
        .map_err(|e| ProxyError::Upstream(format!("client: {e}")))
}

/// The body of a successful response that is `wanted`, at most [`MAX_SHEET_BYTES`].
pub async fn read_body(
    mut response: reqwest::Response,
    wanted: Wanted,
) -> Result<Fetched, ProxyError> {
    let url = response.url().clone();
    if !response.status().is_success() {
        return Err(ProxyError::Upstream(format!(
            "{}: HTTP {}",
            shown(&url),
            response.status()
        )));
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if !wanted.accepts(&content_type, &url) {
        return Err(ProxyError::WrongType(wanted.name(), content_type));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| ProxyError::Upstream(e.without_url().to_string()))?
    {
        if body.len() + chunk.len() > MAX_SHEET_BYTES {
            return Err(ProxyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetched {
        body,
        content_type,
        url,
    })
}

/// Whether `pattern` (`host` or `host:port`, `*` wildcards) matches `url`'s host and port. A
/// pattern without a port matches the scheme's default port only.
pub fn host_port_matches(pattern: &str, url: &Url) -> bool {
    let host = url.host_str().unwrap_or("");
    // `[::1]:8080` has a port; `[::1]` and `example.com` do not.
    match pattern.rsplit_once(':') {
        Some((host_pattern, port_pattern)) if !port_pattern.contains(']') => {
            let port = url.port_or_known_default().unwrap_or(0).to_string();
            origin_matches(host_pattern, host) && origin_matches(port_pattern, &port)
        }
        _ => origin_matches(pattern, host) && url.port().is_none(),
    }
}
