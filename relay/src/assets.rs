//! The browser assets embedded at build time (see `relay/build.rs`): the customer module, the
//! agent console's bundle and its page. Served precompressed by `Accept-Encoding`, immutable
//! under the bundle's hash (`/assets/<hash>/master/…`, `/console/<hash>/…`), revalidated
//! (`no-cache`) under the old unhashed paths so cached pages and links keep working.
//!
//! The rule: the relay serves what it embeds unless `assets_dir` is set (flag, environment or
//! file) or it embeds nothing (built without `dist/`); then `/assets/` comes from `assets_dir`
//! and the console from `www_dir/agent`, read from disk at each request as before.

use std::path::PathBuf;

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::config::Config;

/// One embedded file: its bytes as is and, when smaller, brotli- and gzip-encoded.
pub struct EmbeddedFile {
    /// `master/…`, `slave/…` (from `dist/`) or `agent/…` (from `www/agent/`).
    pub path: &'static str,
    pub content_type: &'static str,
    /// The first 16 hex digits of the served file's sha256.
    pub etag: &'static str,
    pub identity: &'static [u8],
    pub brotli: Option<&'static [u8]>,
    pub gzip: Option<&'static [u8]>,
}

include!(concat!(env!("OUT_DIR"), "/embedded_assets.rs"));

/// The directory assets come from when they are not embedded ([`Config::assets_dir`]'s default).
pub const DEFAULT_ASSETS_DIR: &str = "dist";

/// Whether this relay serves its embedded assets (see the module's rule).
pub fn embedded(config: &Config) -> bool {
    config.assets_dir.is_none() && !FILES.is_empty()
}

/// Where assets are read from when they are not embedded.
pub fn disk_dir(config: &Config) -> PathBuf {
    config
        .assets_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_ASSETS_DIR))
}

/// The URL path the loader imports the customer module from: hashed (immutable) when embedded.
pub fn master_base(config: &Config) -> String {
    match embedded(config) {
        true => format!("/assets/{BUNDLE_HASH}/master/"),
        false => "/assets/master/".into(),
    }
}

/// The embedded file at `path`, if any.
pub fn find(path: &str) -> Option<&'static EmbeddedFile> {
    FILES.iter().find(|f| f.path == path)
}

/// `/assets/{*path}`: the customer module and the console's bundle.
pub async fn bundle(Path(path): Path<String>, headers: HeaderMap) -> Response {
    serve(&path, "", &["master/", "slave/"], &headers)
}

/// `/console/{*path}`: the console's own files (its page is [`console_page`]).
pub async fn console_file(Path(path): Path<String>, headers: HeaderMap) -> Response {
    serve(&path, "agent/", &[""], &headers)
}

/// `/agent`: the console's page, always revalidated (it names the hashed files).
pub async fn console_page(headers: HeaderMap) -> Response {
    match find("agent/index.html") {
        Some(file) => respond(file, &headers, false),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `path` is `<hash>/<file>` (immutable; any other hash is 404) or `<file>` (revalidated).
/// The file is looked up as `prefix` + file, which must start with one of `allowed`.
fn serve(path: &str, prefix: &str, allowed: &[&str], headers: &HeaderMap) -> Response {
    let (file, immutable) = match path.split_once('/') {
        Some((hash, rest)) if hash == BUNDLE_HASH => (rest, true),
        _ => (path, false),
    };
    let key = format!("{prefix}{file}");
    match find(&key) {
        Some(found) if allowed.iter().any(|a| file.starts_with(a)) => {
            respond(found, headers, immutable)
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The best encoding the request accepts, an ETag per encoding, and 304 when it matches.
fn respond(file: &'static EmbeddedFile, headers: &HeaderMap, immutable: bool) -> Response {
    let accepted = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (body, encoding) = match (file.brotli, file.gzip) {
        (Some(br), _) if accepts(accepted, "br") => (br, Some("br")),
        (_, Some(gz)) if accepts(accepted, "gzip") => (gz, Some("gzip")),
        _ => (file.identity, None),
    };
    let etag = match encoding {
        Some(e) => format!("\"{}-{e}\"", file.etag),
        None => format!("\"{}\"", file.etag),
    };
    let cache = match immutable {
        true => "public, max-age=31536000, immutable",
        false => "no-cache",
    };
    let mut response = match headers.get(header::IF_NONE_MATCH) {
        Some(tag) if tag.as_bytes() == etag.as_bytes() => StatusCode::NOT_MODIFIED.into_response(),
        _ => body.into_response(),
    };
    let out = response.headers_mut();
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(file.content_type),
    );
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    out.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if let Ok(tag) = HeaderValue::from_str(&etag) {
        out.insert(header::ETAG, tag);
    }
    if let Some(encoding) = encoding {
        out.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    response
}

/// Whether an `Accept-Encoding` list accepts `coding` (named, not refused with `q=0`).
fn accepts(list: &str, coding: &str) -> bool {
    list.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let name = parts.next().unwrap_or("");
        let refused = parts.any(|p| {
            p.strip_prefix("q=")
                .and_then(|q| q.parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        name.eq_ignore_ascii_case(coding) && !refused
    })
}

#[cfg(test)]
mod tests {
    use super::accepts;

    #[test]
    fn accept_encoding_names_a_coding_unless_it_refuses_it() {
        assert!(accepts("gzip, deflate, br, zstd", "br"));
        assert!(accepts("gzip;q=0.5", "gzip"));
        assert!(!accepts("gzip;q=0, br", "gzip"));
        assert!(!accepts("identity", "br"));
        assert!(!accepts("", "gzip"));
        assert!(!accepts("brotli", "br"), "whole names only");
    }
}
