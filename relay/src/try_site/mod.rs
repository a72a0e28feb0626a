//! `cobrowse-relay try URL` (development only): a local proxy that serves a site with the
//! co-browse snippet put into its HTML pages, so that a team can try co-browsing on its own
//! site before changing it (as the reference product's test proxy does). Everything the site
//! answers passes through as it is, except what [`rewrite`] changes: the snippet, the site's
//! own absolute URLs and redirects (pointed at the proxy), cookies (made to stick on the
//! proxy's origin), and the site's content security policy (dropped: it would refuse the
//! relay's script and socket). It listens on a loopback address only: it is a tool for one
//! person's browser, never a way to publish someone's site.

pub mod rewrite;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;

/// The largest request body passed on (forms, uploads of a try-out).
const BODY_MAX: usize = 32 << 20;

/// Headers that belong to one hop, or that the proxy sets itself.
const HOP_HEADERS: [HeaderName; 6] = [
    header::CONNECTION,
    header::HOST,
    header::TRANSFER_ENCODING,
    header::CONTENT_LENGTH,
    header::UPGRADE,
    header::TE,
];

/// What `try` was asked for and where it runs.
pub struct TrySite {
    /// The site's origin (`https://shop.example`).
    site: String,
    /// The proxy's own origin (`http://127.0.0.1:8090`).
    proxy: String,
    /// The tag put into each HTML page.
    snippet: String,
    client: reqwest::Client,
}

/// Why `try` cannot start.
#[derive(Debug, thiserror::Error)]
pub enum TryError {
    #[error("{0:?} is not an http:// or https:// URL of a site")]
    BadUrl(String),
    #[error("`try` listens on loopback addresses only (it is for trying a site in your own browser), not on {0}")]
    NotLoopback(SocketAddr),
    #[error("cannot make the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// The site's origin and the path to open first, from the URL given to `try`.
pub fn parse_site(url: &str) -> Result<(String, String), TryError> {
    let parsed = reqwest::Url::parse(url).map_err(|_| TryError::BadUrl(url.into()))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(TryError::BadUrl(url.into()));
    }
    let origin = parsed.origin().ascii_serialization();
    let path = match parsed.query() {
        Some(q) => format!("{}?{q}", parsed.path()),
        None => parsed.path().to_string(),
    };
    Ok((origin, path))
}

/// Refuses any address but a loopback one.
pub fn check_loopback(addr: SocketAddr) -> Result<(), TryError> {
    if addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(TryError::NotLoopback(addr))
    }
}

impl TrySite {
    /// The proxy at `proxy` (its origin) for the site at `site` (its origin), putting the
    /// snippet of the relay at `relay_url` into its pages.
    pub fn new(site: &str, proxy: &str, relay_url: &str) -> Result<Self, TryError> {
        let client = reqwest::Client::builder()
            // Redirects go back to the browser (through the proxy), as the site sent them.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            site: site.trim_end_matches('/').to_string(),
            proxy: proxy.trim_end_matches('/').to_string(),
            snippet: rewrite::snippet(relay_url),
            client,
        })
    }

    pub fn router(self) -> Router {
        Router::new().fallback(forward).with_state(Arc::new(self))
    }
}

async fn forward(State(t): State<Arc<TrySite>>, request: Request) -> Response {
    match pass(&t, request).await {
        Ok(response) => response,
        Err(why) => {
            tracing::warn!(%why, "try: the site did not answer");
            (
                StatusCode::BAD_GATEWAY,
                format!("cobrowse-relay try: {why}\n"),
            )
                .into_response()
        }
    }
}

/// One request to the site, and its answer rewritten for the proxy.
async fn pass(t: &TrySite, request: Request) -> Result<Response, String> {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let body = axum::body::to_bytes(body, BODY_MAX)
        .await
        .map_err(|e| format!("the request body: {e}"))?;
    let mut headers = without_hop_headers(&parts.headers);
    // Bodies come back as they are, so that HTML can be changed.
    headers.insert(
        header::ACCEPT_ENCODING,
        HeaderValue::from_static("identity"),
    );
    for name in [header::ORIGIN, header::REFERER] {
        if let Some(v) = headers.get(&name).and_then(|v| v.to_str().ok()) {
            let v = v.replace(&t.proxy, &t.site);
            if let Ok(v) = HeaderValue::from_str(&v) {
                headers.insert(name, v);
            }
        }
    }
    let answer = t
        .client
        .request(parts.method, format!("{}{path}", t.site))
        .headers(headers)
        .body(body)
        .send()
        .await
        .map_err(|e| format!("{}{path}: {e}", t.site))?;
    let status = answer.status();
    let mut headers = without_hop_headers(answer.headers());
    rewrite_headers(t, &mut headers);
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/html"));
    let bytes = answer
        .bytes()
        .await
        .map_err(|e| format!("{}{path}: {e}", t.site))?;
    let body = match (is_html, std::str::from_utf8(&bytes)) {
        (true, Ok(html)) => Body::from(rewrite::page(html, &t.snippet, &t.site, &t.proxy)),
        _ => Body::from(bytes),
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    Ok(response)
}

fn without_hop_headers(headers: &HeaderMap) -> HeaderMap {
    let mut out = headers.clone();
    for name in &HOP_HEADERS {
        out.remove(name);
    }
    out
}

/// The site's answer headers, for the proxy's origin.
fn rewrite_headers(t: &TrySite, headers: &mut HeaderMap) {
    for name in [
        header::CONTENT_SECURITY_POLICY,
        header::CONTENT_SECURITY_POLICY_REPORT_ONLY,
        header::STRICT_TRANSPORT_SECURITY,
    ] {
        headers.remove(name);
    }
    if let Some(v) = headers.get(header::LOCATION).and_then(|v| v.to_str().ok()) {
        if let Ok(v) = HeaderValue::from_str(&rewrite::location(v, &t.site, &t.proxy)) {
            headers.insert(header::LOCATION, v);
        }
    }
    let https = t.proxy.starts_with("https://");
    let cookies: Vec<HeaderValue> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| HeaderValue::from_str(&rewrite::cookie(v, https)).ok())
        .collect();
    headers.remove(header::SET_COOKIE);
    for cookie in cookies {
        headers.append(header::SET_COOKIE, cookie);
    }
}
