//! The snippet's two requests: the loader script (`/cobrowse.js`: the page API, `page_api.js`,
//! the co-browse button drawn before the module is loaded, `launcher.js`, how co-browse starts,
//! `starter.js` (the three shared with the npm package), and the loader, `loader.js`, in one
//! function scope)
//! and what it fetches before it imports the customer module (`/cobrowse.json`: where the
//! module is and the widget's settings from the relay's configuration). Both are open to
//! every origin (customer sites are other origins) and revalidated by ETag, so a page view
//! that finds them cached costs two `304`s.
//!
//! The loader finds its relay (`data-cobrowse-url`, or its own URL), fetches the JSON, imports
//! the module from the directory named there and starts it with the settings as they came.
//! Nothing of the configuration is spliced into the script; a failure is logged to the
//! browser's console and the host page goes on without co-browse.

use std::sync::OnceLock;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::assets;
use crate::state::AppState;
use crate::ui_settings::WidgetSettings;

/// The loader's source: the page API (the npm package's too, so a file of its own), the
/// button drawn before the module loads, and the loader, in one function scope.
const LOADER_SOURCE: &str = concat!(
    "(function () {\n\"use strict\";\n",
    include_str!("page_api.js"),
    include_str!("launcher.js"),
    include_str!("starter.js"),
    include_str!("loader.js"),
    "})();\n"
);

/// The loader script as served, the same for every configuration: its source without comment
/// lines, blank lines and indentation (a page without a session loads this and
/// `cobrowse.json` only: 1 KB of brotli less). The sources keep no comment inside a string.
pub fn loader_js() -> &'static str {
    static SERVED: OnceLock<String> = OnceLock::new();
    SERVED.get_or_init(|| {
        LOADER_SOURCE
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with("//"))
            .fold(String::new(), |mut js, line| {
                js.push_str(line);
                js.push('\n');
                js
            })
    })
}

/// `/cobrowse.json`: what the loader needs to start the customer module.
#[derive(Serialize)]
struct LoaderBoot {
    /// The path (under the relay's URL) of the module's directory, ending in `/`: hashed
    /// (immutable) when the relay embeds its bundles.
    module: String,
    /// Handed to the module's `start` as they are.
    settings: WidgetSettings,
}

/// `/cobrowse.js`.
pub async fn script(headers: HeaderMap) -> Response {
    revalidated(
        loader_js().as_bytes().to_vec(),
        "text/javascript; charset=utf-8",
        &headers,
    )
}

/// What a page or the console asks for: `?locale=fr-CA` (its language).
#[derive(serde::Deserialize, Default)]
pub struct LocaleQuery {
    #[serde(default)]
    pub locale: String,
}

/// `/cobrowse.json` (`?locale=`: the page's language; the best the relay has answers).
pub async fn boot(
    State(state): State<AppState>,
    Query(asked): Query<LocaleQuery>,
    headers: HeaderMap,
) -> Response {
    let config = &state.config;
    let lang = config.locales.best(&asked.locale);
    let boot = LoaderBoot {
        module: assets::master_base(config),
        settings: WidgetSettings {
            write_mode_allowed: config.write_mode_allowed,
            agent_can_submit: config.agent_can_submit,
            write_request_interval: config.write_request_interval.as_secs(),
            site_origins: state.allowed_origins.to_vec(),
            widget: config.widget.clone(),
            lang: lang.to_string(),
            texts: config.locales.texts(lang).widget.without_english(),
        },
    };
    match serde_json::to_vec(&boot) {
        Ok(body) => revalidated(body, "application/json", &headers),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// `body` with `Cache-Control: no-cache` and an ETag of its content; `304` when the request
/// already has it.
fn revalidated(body: Vec<u8>, content_type: &'static str, headers: &HeaderMap) -> Response {
    let digest = Sha256::digest(&body);
    let etag = format!("\"{}\"", hex_prefix(&digest[..8]));
    let mut response = match headers.get(header::IF_NONE_MATCH) {
        Some(tag) if tag.as_bytes() == etag.as_bytes() => StatusCode::NOT_MODIFIED.into_response(),
        _ => body.into_response(),
    };
    let out = response.headers_mut();
    out.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(tag) = HeaderValue::from_str(&etag) {
        out.insert(header::ETAG, tag);
    }
    response
}

fn hex_prefix(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
