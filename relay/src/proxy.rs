//! Stylesheets for the agent's view that the customer's browser could not read itself.
//!
//! - `GET /proxy/css?url=...`: a cross-origin stylesheet of the customer's page. Hosts in
//!   `allowed_external_domains` (default: the hosts of `allowed_origins`) are fetched here and
//!   served with every URL made absolute (`@import`s back through this proxy); any other host
//!   gets a redirect, so the agent's browser loads the sheet from where it is. Only responses
//!   that are CSS are passed on; size and time are bounded.
//! - `GET /proxy/font?url=...`: a font file of the customer's site. Browsers fetch fonts with
//!   CORS, which the site does not grant the console's origin; served from here with
//!   `Access-Control-Allow-Origin: *`, under the same rules as sheets.
//! - `GET /css-patch`: the operator's patch stylesheet (`css_patch_url`: a URL or a file),
//!   which the console applies to the view only; 204 when none is configured.

use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use shared_css::{rewrite_urls, UrlKind};

use crate::config::origin_matches;
use crate::state::AppState;

/// Larger stylesheets and fonts than this are not proxied.
pub const MAX_SHEET_BYTES: usize = 4 << 20;
/// How long one upstream fetch may take.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/proxy/css", get(proxied_css))
        .route("/proxy/font", get(proxied_font))
        .route("/css-patch", get(css_patch))
}

#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("not an http(s) URL: {0}")]
    BadUrl(String),
    #[error("the stylesheet could not be fetched: {0}")]
    Upstream(String),
    #[error("not a {0} (content type {1:?})")]
    WrongType(&'static str, String),
    #[error("the file is larger than {MAX_SHEET_BYTES} bytes")]
    TooLarge,
}

impl IntoResponse for ProxyError {
    fn into_response(self) -> Response {
        let status = match self {
            ProxyError::BadUrl(_) => StatusCode::BAD_REQUEST,
            ProxyError::WrongType(..) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ProxyError::Upstream(_) | ProxyError::TooLarge => StatusCode::BAD_GATEWAY,
        };
        (status, self.to_string()).into_response()
    }
}

#[derive(serde::Deserialize)]
struct Target {
    url: String,
}

/// The default of `allowed_external_domains`: the hosts of the customer origins.
pub fn hosts_of(origins: &[String]) -> Vec<String> {
    origins
        .iter()
        .map(|o| {
            let rest = o.split_once("://").map_or(o.as_str(), |(_, r)| r);
            let host = rest.split('/').next().unwrap_or(rest);
            // `[::1]:80` keeps its brackets; `host:port` loses the port.
            match host.rsplit_once(':') {
                Some((h, port)) if !port.contains(']') => h.to_string(),
                _ => host.to_string(),
            }
        })
        .collect()
}

/// Whether `url`'s host is one of `domains` (patterns, `*` wildcards).
pub fn allowed(domains: &[String], url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or("");
    domains.iter().any(|pattern| origin_matches(pattern, host))
}

/// The client of the proxy: bounded in time, following redirects only within `domains` (a
/// redirect elsewhere ends the fetch, so the proxy never reaches a host it may not).
pub fn client(domains: Vec<String>) -> reqwest::Client {
    let policy = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= 5 || !allowed(&domains, attempt.url()) {
            attempt.stop()
        } else {
            attempt.follow()
        }
    });
    reqwest::Client::builder()
        .timeout(FETCH_TIMEOUT)
        .redirect(policy)
        .build()
        .unwrap_or_default()
}

fn parse(url: &str) -> Result<reqwest::Url, ProxyError> {
    let parsed = reqwest::Url::parse(url).map_err(|_| ProxyError::BadUrl(url.into()))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(ProxyError::BadUrl(url.into()));
    }
    Ok(parsed)
}

/// The URL to fetch, or (for a host not in `allowed_external_domains`) the redirect that
/// sends the agent's browser to it directly.
fn ours_to_fetch(
    state: &AppState,
    url: &str,
) -> Result<Result<reqwest::Url, Response>, ProxyError> {
    let url = parse(url)?;
    if allowed(&state.external_domains, &url) {
        Ok(Ok(url))
    } else {
        Ok(Err(Redirect::temporary(url.as_str()).into_response()))
    }
}

async fn proxied_css(
    State(state): State<AppState>,
    Query(target): Query<Target>,
) -> Result<Response, ProxyError> {
    let url = match ours_to_fetch(&state, &target.url)? {
        Ok(url) => url,
        Err(redirect) => return Ok(redirect),
    };
    let (css, final_url) = fetch_css(&state.http, url).await?;
    let proxy = format!("{}/proxy/", state.public_url);
    let css = rewrite_urls(&css, |kind, u| {
        if kind == UrlKind::Resource && reqwest::Url::parse(u).is_ok() {
            return None;
        }
        let absolute = final_url.join(u).ok()?;
        if !matches!(absolute.scheme(), "http" | "https") {
            return None;
        }
        Some(match kind {
            UrlKind::Import => format!("{proxy}css?url={}", encode(absolute.as_str())),
            UrlKind::Font => format!("{proxy}font?url={}", encode(absolute.as_str())),
            UrlKind::Resource => absolute.to_string(),
        })
    });
    Ok(css_response(css))
}

/// The sheet's text and the address it came from (after redirects, which URLs resolve
/// against).
async fn fetch_css(
    client: &reqwest::Client,
    url: reqwest::Url,
) -> Result<(String, reqwest::Url), ProxyError> {
    let (body, _, final_url) =
        fetch(client, url, "stylesheet", |t| t.starts_with("text/css")).await?;
    Ok((String::from_utf8_lossy(&body).into_owned(), final_url))
}

/// A font file, for the view's `@font-face` rules.
async fn proxied_font(
    State(state): State<AppState>,
    Query(target): Query<Target>,
) -> Result<Response, ProxyError> {
    let url = match ours_to_fetch(&state, &target.url)? {
        Ok(url) => url,
        Err(redirect) => return Ok(redirect),
    };
    // Servers label fonts many ways; what is never a font (pages, scripts) is refused.
    let is_font = |t: &str| {
        t.starts_with("font/")
            || t.starts_with("application/font")
            || t.starts_with("application/x-font")
            || t.starts_with("application/vnd.ms-fontobject")
            || t.starts_with("application/octet-stream")
    };
    let (body, content_type, _) = fetch(&state.http, url, "font", is_font).await?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*".to_string()),
            (header::CACHE_CONTROL, "max-age=3600".to_string()),
        ],
        body,
    )
        .into_response())
}

/// A bounded GET whose content type (lowercase) passes `type_ok`: the body, its content type
/// and the address it came from after redirects.
async fn fetch(
    client: &reqwest::Client,
    url: reqwest::Url,
    what: &'static str,
    type_ok: impl Fn(&str) -> bool,
) -> Result<(Vec<u8>, String, reqwest::Url), ProxyError> {
    let mut response = client
        .get(url)
        .send()
        .await
        .map_err(|e| ProxyError::Upstream(e.to_string()))?;
    if !response.status().is_success() {
        return Err(ProxyError::Upstream(format!("HTTP {}", response.status())));
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if !type_ok(&content_type.to_ascii_lowercase()) {
        return Err(ProxyError::WrongType(what, content_type));
    }
    let final_url = response.url().clone();
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| ProxyError::Upstream(e.to_string()))?
    {
        if body.len() + chunk.len() > MAX_SHEET_BYTES {
            return Err(ProxyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, content_type, final_url))
}

async fn css_patch(State(state): State<AppState>) -> Result<Response, ProxyError> {
    let Some(source) = state.config.css_patch_url.clone() else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    if source.starts_with("http://") || source.starts_with("https://") {
        let url = parse(&source)?;
        // The operator's own address: not limited to the external domains.
        let client = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .build()
            .unwrap_or_default();
        let (css, final_url) = fetch_css(&client, url).await?;
        // The view resolves URLs against the customer's page: make the patch's absolute.
        let css = rewrite_urls(&css, |_, u| Some(final_url.join(u).ok()?.to_string()));
        return Ok(css_response(css));
    }
    let css = tokio::fs::read_to_string(&source)
        .await
        .map_err(|e| ProxyError::Upstream(format!("{source}: {e}")))?;
    Ok(css_response(css))
}

fn css_response(css: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        css,
    )
        .into_response()
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
