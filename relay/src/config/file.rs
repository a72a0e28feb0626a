//! The keys of the TOML configuration file: the flags' names with underscores; any other key
//! is an error.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;
use shared_protocol::privacy::PrivacyRules;

use crate::ui_settings::WidgetLook;

/// The file's keys: the same names as the flags, with underscores.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileConfig {
    pub(super) listen: Option<SocketAddr>,
    pub(super) demo_listen: Option<SocketAddr>,
    pub(super) data_dir: Option<PathBuf>,
    pub(super) public_url: Option<String>,
    pub(super) allowed_origins: Option<Vec<String>>,
    pub(super) allowed_external_domains: Option<Vec<String>>,
    pub(super) allowed_third_party_domains: Option<Vec<String>>,
    pub(super) css_patch_url: Option<String>,
    pub(super) agent_tokens: Option<Vec<String>>,
    pub(super) supervisor_tokens: Option<Vec<String>>,
    pub(super) metrics_tokens: Option<Vec<String>>,
    pub(super) agent_token_secret: Option<String>,
    pub(super) agent_sessions_limit: Option<u32>,
    pub(super) join_attempts_per_minute: Option<u32>,
    pub(super) inactivity_timeout: Option<u64>,
    pub(super) disconnect_grace: Option<u64>,
    pub(super) heartbeat_timeout: Option<u64>,
    pub(super) keep_query_strings: Option<bool>,
    pub(super) report_file: Option<PathBuf>,
    pub(super) report_webhook: Option<String>,
    pub(super) retention_unit: Option<String>,
    pub(super) history_retention: Option<u64>,
    pub(super) page_visit_retention: Option<u64>,
    pub(super) live_session_retention: Option<u64>,
    pub(super) sweep_interval: Option<u64>,
    pub(super) assets_dir: Option<PathBuf>,
    pub(super) www_dir: Option<PathBuf>,
    /// Privacy rules for every page (file only: lists of selectors do not fit a flag).
    pub(super) privacy: Option<PrivacyRules>,
    /// Privacy rules for pages whose URL matches `url`, over the global ones.
    pub(super) privacy_rules: Option<Vec<PrivacyRules>>,
    pub(super) navigation_grace: Option<u64>,
    pub(super) write_mode_allowed: Option<bool>,
    pub(super) agent_can_submit: Option<bool>,
    pub(super) write_request_interval: Option<u64>,
    pub(super) localization: Option<PathBuf>,
    pub(super) theme: Option<String>,
    /// The customer widget's corner and colours (file only).
    pub(super) widget: Option<WidgetLook>,
    pub(super) sessions_per_ip_per_minute: Option<u32>,
    pub(super) sessions_per_second: Option<u32>,
    pub(super) connections_per_ip: Option<u32>,
    pub(super) handshake_timeout: Option<u64>,
    pub(super) trusted_proxies: Option<Vec<String>>,
    pub(super) page_visits_per_minute: Option<u32>,
    pub(super) mode_changes_per_minute: Option<u32>,
    pub(super) store_queue: Option<usize>,
    pub(super) proxy_concurrency: Option<usize>,
    pub(super) redis_url: Option<Vec<String>>,
    pub(super) node_id: Option<String>,
    pub(super) report_stream: Option<String>,
    pub(super) report_stream_max_len: Option<u64>,
    pub(super) drain_timeout: Option<u64>,
    pub(super) tls_cert: Option<PathBuf>,
    pub(super) tls_key: Option<PathBuf>,
    pub(super) admin_listen: Option<SocketAddr>,
    pub(super) log_format: Option<String>,
    pub(super) jwt_secret: Option<String>,
    pub(super) jwt_keys: Option<PathBuf>,
    pub(super) jwt_issuer: Option<String>,
    pub(super) jwt_audience: Option<String>,
    pub(super) base_path: Option<String>,
}
