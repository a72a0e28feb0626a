//! Every option, declared once: its field's name is the file key, the flag (`--` and dashes)
//! and the environment variable (`COBROWSE_` and capitals); its type is what an operator
//! writes; its doc comment is the flag's help. `sources` merges them, `load` resolves them
//! into a [`super::Config`].

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Deserializer, Serialize};
use shared_protocol::privacy::PrivacyRules;

use crate::ui_settings::WidgetLook;

/// The options as given: `None` where a source leaves one out (the next source, or the
/// default, then decides). Nested sections have no flag: they come from the file or from
/// `COBROWSE_<SECTION>__<KEY>` variables.
#[derive(Debug, Default, Clone, clap::Args, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    /// Address of the relay (agent console, loader, WebSockets) [default: 127.0.0.1:8080].
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// Address of the demo website; the demo is off when absent.
    #[arg(long)]
    pub demo_listen: Option<SocketAddr>,
    /// Directory of the embedded SQLite database [default: data].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// URL browsers use to reach the relay [default: http://<listen address>].
    #[arg(long)]
    pub public_url: Option<String>,
    /// Origins customers may connect from, `*` wildcards allowed, comma-separated
    /// [default: the demo site's origin].
    #[arg(long, value_delimiter = ',')]
    #[serde(deserialize_with = "comma_list")]
    pub allowed_origins: Option<Vec<String>>,
    /// Hosts whose stylesheets the relay's CSS proxy fetches for the agent's view: `host` (default
    /// port only) or `host:port`, `*` wildcards allowed, comma-separated; other hosts' sheets the
    /// agent loads directly; a non-public address only when named without wildcards
    /// [default: the hosts of `allowed_origins`, with their ports].
    #[arg(long, value_delimiter = ',')]
    #[serde(deserialize_with = "comma_list")]
    pub allowed_external_domains: Option<Vec<String>>,
    /// Origins whose frames (other than the site's own) the agent's view loads, scripts
    /// disabled; `*` for any, comma-separated [default: none: a labelled placeholder].
    #[arg(long, value_delimiter = ',')]
    #[serde(deserialize_with = "comma_list")]
    pub allowed_third_party_domains: Option<Vec<String>>,
    /// Origins of agent desktops allowed to frame the console (`/agent`) and drive it by
    /// `postMessage`, comma-separated [default: none: same origin only].
    #[arg(long, value_delimiter = ',')]
    #[serde(deserialize_with = "comma_list")]
    pub console_frame_ancestors: Option<Vec<String>>,
    /// A stylesheet (URL or file) applied to the agent's view only, for sites whose CSS does not
    /// mirror well [default: none].
    #[arg(long)]
    pub css_patch_url: Option<String>,
    /// Agent tokens, comma-separated [default: one development token made at start].
    #[arg(long, value_delimiter = ',')]
    #[serde(deserialize_with = "comma_list")]
    pub agent_tokens: Option<Vec<String>>,
    /// Supervisor tokens, comma-separated: all sessions, live codes, history, metrics
    /// [default: none].
    #[arg(long, value_delimiter = ',')]
    #[serde(deserialize_with = "comma_list")]
    pub supervisor_tokens: Option<Vec<String>>,
    /// Metrics tokens, comma-separated: `/metrics` only [default: none].
    #[arg(long, value_delimiter = ',')]
    #[serde(deserialize_with = "comma_list")]
    pub metrics_tokens: Option<Vec<String>>,
    /// Secret for HMAC-signed agent tokens (`cobrowse-relay token` mints them); 32+ characters.
    #[arg(long)]
    pub agent_token_secret: Option<String>,
    /// Sessions one agent may be in at once; 0 = unlimited [default: 1].
    #[arg(long)]
    pub agent_sessions_limit: Option<u32>,
    /// Join attempts per minute, per agent and per code; 0 = unlimited [default: 10].
    #[arg(long)]
    pub join_attempts_per_minute: Option<u32>,
    /// Seconds a session waits for an agent before it ends [default: 600].
    #[arg(long)]
    pub inactivity_timeout: Option<u64>,
    /// Seconds a dropped customer or agent may take to reconnect and resume [default: 30].
    #[arg(long)]
    pub disconnect_grace: Option<u64>,
    /// Seconds without any frame (browsers send heartbeats every 10 s) before a socket is
    /// treated as dropped [default: 30].
    #[arg(long)]
    pub heartbeat_timeout: Option<u64>,
    /// Keep URL query strings in the session history [default: false].
    #[arg(long)]
    pub keep_query_strings: Option<bool>,
    /// Append each ended session's report to this JSONL file.
    #[arg(long)]
    pub report_file: Option<PathBuf>,
    /// POST each ended session's report (JSON) to this URL, with retries.
    #[arg(long)]
    pub report_webhook: Option<String>,
    /// Unit of the retention periods: seconds, minutes, hours or days [default: days].
    #[arg(long)]
    pub retention_unit: Option<String>,
    /// Ended sessions are kept this long, in `retention_unit`s [default: 90].
    #[arg(long)]
    pub history_retention: Option<u64>,
    /// Page visits (URLs) are kept this long, in `retention_unit`s [default: 30].
    #[arg(long)]
    pub page_visit_retention: Option<u64>,
    /// Sessions never ended (a relay stopped abruptly) are closed after this long, in
    /// `retention_unit`s [default: 1].
    #[arg(long)]
    pub live_session_retention: Option<u64>,
    /// Seconds between retention sweeps [default: 60].
    #[arg(long)]
    pub sweep_interval: Option<u64>,
    /// Directory of the built wasm bundles, served instead of the embedded ones [default:
    /// embedded, else dist].
    #[arg(long)]
    pub assets_dir: Option<PathBuf>,
    /// Directory of the static pages (demo site, console host page) [default: www].
    #[arg(long)]
    pub www_dir: Option<PathBuf>,
    /// The `[privacy]` section: rules for every page (file, or `COBROWSE_PRIVACY__<KEY>`).
    #[arg(skip)]
    #[serde(skip_serializing)]
    pub privacy: Option<PrivacyRules>,
    /// The `[[privacy_rules]]` sections: rules for pages whose URL matches their `url`, over
    /// the global ones (file only: a list of sections fits neither a flag nor a variable).
    #[arg(skip)]
    #[serde(skip_serializing)]
    pub privacy_rules: Option<Vec<PrivacyRules>>,
    /// Seconds a customer who left its page (a link, leaving the site) may take to come back
    /// on a page of the session before it ends [default: 300].
    #[arg(long)]
    pub navigation_grace: Option<u64>,
    /// Whether agents may ask customers for write mode [default: true].
    #[arg(long)]
    pub write_mode_allowed: Option<bool>,
    /// Whether agents may click submit buttons in write mode [default: false].
    #[arg(long)]
    pub agent_can_submit: Option<bool>,
    /// Seconds after a customer denies write mode before the agent may ask again [default: 30].
    #[arg(long)]
    pub write_request_interval: Option<u64>,
    /// A JSON file of texts replacing the English ones of the widget and the console.
    #[arg(long)]
    pub localization: Option<PathBuf>,
    /// A directory of one JSON file of texts per language (`fr.json`, `pt-BR.json`), adding
    /// languages or replacing the shipped ones' texts key by key.
    #[arg(long)]
    pub localization_dir: Option<PathBuf>,
    /// The console's theme: auto, light, dark or high-contrast [default: auto].
    #[arg(long)]
    pub theme: Option<String>,
    /// The `[widget]` section: the customer widget's corner and colours (file, or
    /// `COBROWSE_WIDGET__<KEY>`).
    #[arg(skip)]
    #[serde(skip_serializing)]
    pub widget: Option<WidgetLook>,
    /// Sessions one client IP may create per minute; 0 = unlimited [default: 20].
    #[arg(long)]
    pub sessions_per_ip_per_minute: Option<u32>,
    /// Sessions all clients together may create per second; 0 = unlimited [default: 50].
    #[arg(long)]
    pub sessions_per_second: Option<u32>,
    /// WebSockets one client IP may hold open at once; 0 = unlimited [default: 50].
    #[arg(long)]
    pub connections_per_ip: Option<u32>,
    /// Seconds a new WebSocket has to create, resume or join a session before it is closed
    /// [default: 10].
    #[arg(long)]
    pub handshake_timeout: Option<u64>,
    /// Reverse proxies (IPs or CIDRs) whose `X-Forwarded-For` names the client, comma-separated
    /// [default: none: the client is the socket's peer].
    #[arg(long, value_delimiter = ',')]
    #[serde(deserialize_with = "comma_list")]
    pub trusted_proxies: Option<Vec<String>>,
    /// Page visits one session may record per minute; 0 = unlimited [default: 60].
    #[arg(long)]
    pub page_visits_per_minute: Option<u32>,
    /// Mode changes one session may record per minute; 0 = unlimited [default: 30].
    #[arg(long)]
    pub mode_changes_per_minute: Option<u32>,
    /// Store writes waiting at most; beyond it writes are shed and counted [default: 10000].
    #[arg(long)]
    pub store_queue: Option<usize>,
    /// Upstream fetches the CSS and font proxy makes at once; more are answered 503
    /// [default: 32].
    #[arg(long)]
    pub proxy_concurrency: Option<usize>,
    /// Redis URLs (comma-separated): one server, or the seed nodes of a Redis Cluster. Unset:
    /// one node with the embedded SQLite store [default: none].
    #[arg(long, value_delimiter = ',')]
    #[serde(deserialize_with = "comma_list")]
    pub redis_url: Option<Vec<String>>,
    /// This node's name in Redis, logs and metrics [default: host name:port].
    #[arg(long)]
    pub node_id: Option<String>,
    /// A Redis Stream each ended session's report is added to (needs redis_url).
    #[arg(long)]
    pub report_stream: Option<String>,
    /// Entries the report stream keeps at most [default: 100000].
    #[arg(long)]
    pub report_stream_max_len: Option<u64>,
    /// Seconds a stopping node (SIGTERM) waits for its clients to move to other nodes
    /// [default: 30].
    #[arg(long)]
    pub drain_timeout: Option<u64>,
    /// PEM certificate chain: the relay's listener serves HTTPS and WSS (with tls_key);
    /// re-read on SIGHUP.
    #[arg(long)]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of tls_cert.
    #[arg(long)]
    pub tls_key: Option<PathBuf>,
    /// Address of the admin listener (metrics without a token, the REST API, health); when
    /// set, the relay's listener serves only the loader, assets, console and WebSockets.
    #[arg(long)]
    pub admin_listen: Option<SocketAddr>,
    /// `text` (for people) or `json` (one JSON object per line, with the session's fields)
    /// [default: text].
    #[arg(long)]
    pub log_format: Option<String>,
    /// Secret of HS256-signed JWTs for agents (at least 32 bytes).
    #[arg(long)]
    pub jwt_secret: Option<String>,
    /// Public keys of RS256/ES256-signed JWTs: a PEM or JWKS file (read again on SIGHUP).
    #[arg(long)]
    pub jwt_keys: Option<PathBuf>,
    /// The `iss` a JWT must carry.
    #[arg(long)]
    pub jwt_issuer: Option<String>,
    /// The `aud` a JWT must carry.
    #[arg(long)]
    pub jwt_audience: Option<String>,
    /// The path prefix the relay serves everything under, e.g. /cobrowse (behind the site's
    /// own reverse proxy) [default: /].
    #[arg(long)]
    pub base_path: Option<String>,
}

/// A list: a sequence (the file), or one string of comma-separated items (a variable, as
/// flags take it).
fn comma_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    struct ListVisitor;
    impl<'de> serde::de::Visitor<'de> for ListVisitor {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of strings, or a comma-separated string")
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
            Ok(s.split(',').map(str::to_string).collect())
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element()? {
                items.push(item);
            }
            Ok(items)
        }
    }
    d.deserialize_any(ListVisitor).map(Some)
}
