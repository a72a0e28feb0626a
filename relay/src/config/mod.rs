//! Relay configuration: every option declared once ([`Options`]), given by a TOML file
//! (`--config`), an environment variable or a flag, each over the one before, merged by figment
//! (`sources`), then resolved over the defaults and checked (`load`, `validate`). Unknown keys
//! and bad values are errors that name the key, never silently ignored.
//!
//! - this module: the resolved [`Config`] the relay runs with, and the errors;
//! - `cli`: the command line; `options`: the options as given, one field each;
//! - `sources`: the file, the environment and the flags merged; `load`: resolving over the
//!   defaults (written there, once) and printing; `validate`: the rules between values.

mod cli;
mod load;
mod options;
mod sources;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_sources;
mod validate;

pub use cli::{Cli, Command};
pub use options::Options;

use crate::locales::Locales;
use crate::ui_settings::{Theme, WidgetLook};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use shared_protocol::privacy::PrivacyRules;

/// The resolved configuration: the options given over their defaults, in the types the relay
/// runs with (`load` makes it from [`Options`]).
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub demo_listen: Option<SocketAddr>,
    pub data_dir: PathBuf,
    /// `None`: derived from the address the relay is bound to.
    pub public_url: Option<String>,
    /// `None`: the demo site's origin.
    pub allowed_origins: Option<Vec<String>>,
    /// `None`: the hosts of the allowed origins.
    pub allowed_external_domains: Option<Vec<String>>,
    /// Origins of frames the agent's view loads (`*`: any); empty: none.
    pub allowed_third_party_domains: Vec<String>,
    /// Origins that may frame the console and drive it by `postMessage`; empty: none.
    pub console_frame_ancestors: Vec<String>,
    pub css_patch_url: Option<String>,
    /// Static tokens of role `agent` (ids `agent-1`, ...). All three lists empty (and no
    /// `agent_token_secret`): a development supervisor token is made at start.
    pub agent_tokens: Vec<String>,
    /// Static tokens of role `supervisor` (ids `supervisor-1`, ...).
    pub supervisor_tokens: Vec<String>,
    /// Static tokens of role `metrics` (ids `metrics-1`, ...).
    pub metrics_tokens: Vec<String>,
    pub agent_token_secret: Option<String>,
    /// 0 = unlimited.
    pub agent_sessions_limit: u32,
    /// Per agent and per code; 0 = unlimited.
    pub join_attempts_per_minute: u32,
    pub inactivity_timeout: Duration,
    pub disconnect_grace: Duration,
    pub heartbeat_timeout: Duration,
    pub keep_query_strings: bool,
    pub report_file: Option<PathBuf>,
    pub report_webhook: Option<String>,
    pub retention: crate::store::Retention,
    pub sweep_interval: Duration,
    /// Set: the browser bundles come from this directory, not from the binary (development).
    /// `None`: the embedded ones, or `dist` when the binary embeds none (see `crate::assets`).
    pub assets_dir: Option<PathBuf>,
    pub www_dir: PathBuf,
    /// The `[privacy]` section: rules for every page.
    pub privacy: PrivacyRules,
    /// The `[[privacy_rules]]` sections: rules for pages matching their `url`, in order.
    pub privacy_rules: Vec<PrivacyRules>,
    pub navigation_grace: Duration,
    pub write_mode_allowed: bool,
    pub agent_can_submit: bool,
    /// After a denial, the agent's next request waits this long (told "too soon" meanwhile).
    pub write_request_interval: Duration,
    /// The `localization` file (English's texts replaced) and the `localization_dir` (a file
    /// per language), read and checked at load into `locales` with the shipped languages.
    pub localization: Option<PathBuf>,
    pub localization_dir: Option<PathBuf>,
    pub locales: Locales,
    pub theme: Theme,
    pub widget: WidgetLook,
    /// Per client IP (an IPv6 client by its /64); 0 = unlimited.
    pub sessions_per_ip_per_minute: u32,
    /// All clients together; 0 = unlimited.
    pub sessions_per_second: u32,
    /// Open WebSockets per client IP; 0 = unlimited.
    pub connections_per_ip: u32,
    /// How long a new WebSocket may stay without a session.
    pub handshake_timeout: Duration,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Per session; 0 = unlimited.
    pub page_visits_per_minute: u32,
    pub mode_changes_per_minute: u32,
    /// Store writes waiting at most (at least 1).
    pub store_queue: usize,
    /// Upstream fetches of the CSS and font proxy at once.
    pub proxy_concurrency: usize,
    /// Redis server URLs: empty = one node with SQLite; one = a single Redis server; several =
    /// the seed nodes of a Redis Cluster.
    pub redis_url: Vec<String>,
    /// This node's name in Redis, logs and metrics; `None`: host name + listening port.
    pub node_id: Option<String>,
    /// The Redis Stream that ended sessions' reports are also added to (needs `redis_url`).
    pub report_stream: Option<String>,
    /// Entries the report stream keeps at most (trimmed approximately, oldest first).
    pub report_stream_max_len: u64,
    /// After `SIGTERM`: how long a node waits for its clients to move before it exits.
    pub drain_timeout: Duration,
    /// PEM files: the relay's listener serves HTTPS and WSS; re-read on `SIGHUP`.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// The admin listener: `/metrics` (no token), `/api/v1/*`, `/health*`; the relay's own
    /// listener then serves only what browsers need.
    pub admin_listen: Option<SocketAddr>,
    pub log_format: LogFormat,
    /// Agents' JWTs: an HS256 secret, RS256/ES256 public keys (PEM or JWKS file), and the
    /// `iss` / `aud` they must carry.
    pub jwt_secret: Option<String>,
    pub jwt_keys: Option<PathBuf>,
    pub jwt_issuer: Option<String>,
    pub jwt_audience: Option<String>,
    /// The prefix everything is served under: `""` (the root) or `/cobrowse` (no trailing
    /// slash).
    pub base_path: String,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// For people reading a terminal or journal.
    Text,
    /// One JSON object per line, with the fields of the spans it happened in (the session's
    /// id, routing code and node), for log pipelines.
    Json,
}

impl Default for Config {
    /// Every option at its default: no option given (the defaults are written in `load`).
    fn default() -> Self {
        Self::resolve(Options::default()).expect("with no option given nothing can be wrong")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is invalid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("invalid value for {key}: {message}")]
    Invalid { key: &'static str, message: String },
    #[error("environment variable {variable}: {message}")]
    Environment { variable: String, message: String },
    /// The sources could not be merged (not expected once each was read).
    #[error("invalid configuration: {0}")]
    Sources(String),
}

const DAY_MS: i64 = 24 * 3600 * 1000;

/// Milliseconds in one `retention_unit`.
fn unit_millis(unit: &str) -> Result<i64, ConfigError> {
    match unit {
        "seconds" => Ok(1000),
        "minutes" => Ok(60 * 1000),
        "hours" => Ok(3600 * 1000),
        "days" => Ok(DAY_MS),
        other => Err(ConfigError::Invalid {
            key: "retention_unit",
            message: format!("{other:?} is not one of seconds, minutes, hours, days"),
        }),
    }
}

/// `*` matches any run of characters; everything else matches itself, case-insensitively.
pub fn origin_matches(pattern: &str, origin: &str) -> bool {
    let (p, o) = (pattern.to_ascii_lowercase(), origin.to_ascii_lowercase());
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return p == o;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !o.starts_with(first) || !o[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &o[first.len()..o.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

/// `*`, or an http(s) origin: a scheme, a host and maybe a port, with no path.
fn is_frame_origin(origin: &str) -> bool {
    if origin == "*" {
        return true;
    }
    let Some(rest) = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
    else {
        return false;
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}
