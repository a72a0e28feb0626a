//! Stylesheets for the agent's view that the customer's browser could not read itself.
//!
//! - `GET /proxy/css?url=...`: a cross-origin stylesheet of the customer's page. Hosts in
//!   `allowed_external_domains` (default: the hosts of `allowed_origins`) are fetched here and
//!   served with every URL made absolute (`@import`s back through this proxy); any other host
//!   gets a redirect, so the agent's browser loads the sheet from where it is. What limits the
//!   fetches (ports, private addresses, redirects, types, size, time, concurrency) lives in
//!   [`crate::proxy_fetch`].
//! - `GET /proxy/font?url=...`: a font file of the customer's site. Browsers fetch fonts with
//!   CORS, which the site does not grant the console's origin; served from the relay, the
//!   console's own origin, under the same rules as sheets.
//! - `GET /css-patch`: the operator's patch stylesheet (`css_patch_url`: a URL or a file),
//!   which the console applies to the view only; 204 when none is configured.

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use shared_css::{rewrite_urls, UrlKind};

use crate::proxy_fetch::{read_body, Wanted, FETCH_TIMEOUT, MAX_SHEET_BYTES};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/proxy/css", get(proxied_css))
        .route("/proxy/font", get(proxied_font))
        .route("/css-patch", get(css_patch))
}

/// Why a proxied file is not served. The client gets a fixed message per kind; the detail
/// (upstream errors, addresses, paths) goes to the log only.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("not an http(s) URL")]
    BadUrl,
    #[error("not a public address: {0}")]
    NotPublic(String),
    #[error("every proxy fetch permit is taken")]
    Busy,
    #[error("not a {0} (content type {1:?})")]
    WrongType(&'static str, String),
    #[error("the file is larger than {MAX_SHEET_BYTES} bytes")]
    TooLarge,
    #[error("the file could not be fetched: {0}")]
    Upstream(String),
}

impl IntoResponse for ProxyError {
    fn into_response(self) -> Response {
        tracing::warn!(error = %self, "proxy request refused");
        let (status, message) = match &self {
            ProxyError::BadUrl => (StatusCode::BAD_REQUEST, "not an http(s) URL"),
            ProxyError::NotPublic(_) => (StatusCode::FORBIDDEN, "this address is not public"),
            ProxyError::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "too many fetches at once, retry",
            ),
            ProxyError::WrongType("font", _) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "not a font"),
            ProxyError::WrongType(..) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "not a stylesheet"),
            ProxyError::TooLarge => (StatusCode::BAD_GATEWAY, "the file is larger than 4 MiB"),
            ProxyError::Upstream(_) => (StatusCode::BAD_GATEWAY, "the file could not be fetched"),
        };
        let mut response = (status, message).into_response();
        if matches!(self, ProxyError::Busy) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        }
        response
    }
}

#[derive(serde::Deserialize)]
struct Target {
    url: String,
}

/// The default of `allowed_external_domains`: the hosts of the customer origins, each with
/// its port when the origin has one (`http://127.0.0.1:4000` allows `127.0.0.1:4000` only).
pub fn hosts_of(origins: &[String]) -> Vec<String> {
    origins
        .iter()
        .map(|o| {
            let rest = o.split_once("://").map_or(o.as_str(), |(_, r)| r);
            rest.split('/').next().unwrap_or(rest).to_string()
        })
        .collect()
}

fn parse(url: &str) -> Result<reqwest::Url, ProxyError> {
    let parsed = reqwest::Url::parse(url).map_err(|_| ProxyError::BadUrl)?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(ProxyError::BadUrl);
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
    if state.proxy.allows(&url) {
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
    let fetched = state.proxy.fetch(url, Wanted::Stylesheet).await?;
    let final_url = fetched.url;
    let css = String::from_utf8_lossy(&fetched.body);
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

/// A font file, for the view's `@font-face` rules. The view is an iframe of the console's own
/// origin (the relay's), so its font requests are same-origin: no CORS header is sent, and no
/// other origin may read fonts through the relay.
async fn proxied_font(
    State(state): State<AppState>,
    Query(target): Query<Target>,
) -> Result<Response, ProxyError> {
    let url = match ours_to_fetch(&state, &target.url)? {
        Ok(url) => url,
        Err(redirect) => return Ok(redirect),
    };
    let fetched = state.proxy.fetch(url, Wanted::Font).await?;
    Ok((
        [
            (header::CONTENT_TYPE, fetched.content_type),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CACHE_CONTROL, "max-age=3600".to_string()),
        ],
        fetched.body,
    )
        .into_response())
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
        let response = client
            .get(url)
            .send()
            .await
            .map_err(|e| ProxyError::Upstream(e.without_url().to_string()))?;
        let fetched = read_body(response, Wanted::Stylesheet).await?;
        let css = String::from_utf8_lossy(&fetched.body);
        // The view resolves URLs against the customer's page: make the patch's absolute.
        let css = rewrite_urls(&css, |_, u| Some(fetched.url.join(u).ok()?.to_string()));
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
