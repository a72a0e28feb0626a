//! The relay's command-line flags; each also reads its `COBROWSE_*` environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

use crate::roles::Role;

/// Command-line flags; each also reads `COBROWSE_*` from the environment.
#[derive(Debug, Default, Parser)]
#[command(name = "cobrowse-relay", version, about = "Co-browse relay server")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// TOML configuration file.
    #[arg(long, env = "COBROWSE_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Address of the relay (agent console, loader, WebSockets) [default: 127.0.0.1:8080].
    #[arg(long, env = "COBROWSE_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Address of the demo website; the demo is off when absent.
    #[arg(long, env = "COBROWSE_DEMO_LISTEN")]
    pub demo_listen: Option<SocketAddr>,
    /// Directory of the embedded SQLite database [default: data].
    #[arg(long, env = "COBROWSE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// URL browsers use to reach the relay [default: http://<listen address>].
    #[arg(long, env = "COBROWSE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Origins customers may connect from, `*` wildcards allowed, comma-separated
    /// [default: the demo site's origin].
    #[arg(long, env = "COBROWSE_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Option<Vec<String>>,
    /// Hosts whose stylesheets the relay's CSS proxy fetches for the agent's view: `host` (default
    /// port only) or `host:port`, `*` wildcards allowed, comma-separated; other hosts' sheets the
    /// agent loads directly; a non-public address only when named without wildcards
    /// [default: the hosts of `allowed_origins`, with their ports].
    #[arg(long, env = "COBROWSE_ALLOWED_EXTERNAL_DOMAINS", value_delimiter = ',')]
    pub allowed_external_domains: Option<Vec<String>>,
    /// Origins whose frames (other than the site's own) the agent's view loads, scripts
    /// disabled; `*` for any, comma-separated [default: none: a labelled placeholder].
    #[arg(
        long,
        env = "COBROWSE_ALLOWED_THIRD_PARTY_DOMAINS",
        value_delimiter = ','
    )]
    pub allowed_third_party_domains: Option<Vec<String>>,
    /// A stylesheet (URL or file) applied to the agent's view only, for sites whose CSS does not
    /// mirror well [default: none].
    #[arg(long, env = "COBROWSE_CSS_PATCH_URL")]
    pub css_patch_url: Option<String>,
    /// Agent tokens, comma-separated [default: one development token made at start].
    #[arg(long, env = "COBROWSE_AGENT_TOKENS", value_delimiter = ',')]
    pub agent_tokens: Option<Vec<String>>,
    /// Supervisor tokens, comma-separated: all sessions, live codes, history, metrics
    /// [default: none].
    #[arg(long, env = "COBROWSE_SUPERVISOR_TOKENS", value_delimiter = ',')]
    pub supervisor_tokens: Option<Vec<String>>,
    /// Metrics tokens, comma-separated: `/metrics` only [default: none].
    #[arg(long, env = "COBROWSE_METRICS_TOKENS", value_delimiter = ',')]
    pub metrics_tokens: Option<Vec<String>>,
    /// Secret for HMAC-signed agent tokens (`cobrowse-relay token` mints them); 32+ characters.
    #[arg(long, env = "COBROWSE_AGENT_TOKEN_SECRET")]
    pub agent_token_secret: Option<String>,
    /// Sessions one agent may be in at once; 0 = unlimited [default: 1].
    #[arg(long, env = "COBROWSE_AGENT_SESSIONS_LIMIT")]
    pub agent_sessions_limit: Option<u32>,
    /// Join attempts per minute, per agent and per code; 0 = unlimited [default: 10].
    #[arg(long, env = "COBROWSE_JOIN_ATTEMPTS_PER_MINUTE")]
    pub join_attempts_per_minute: Option<u32>,
    /// Seconds a session waits for an agent before it ends [default: 600].
    #[arg(long, env = "COBROWSE_INACTIVITY_TIMEOUT")]
    pub inactivity_timeout: Option<u64>,
    /// Seconds a dropped customer or agent may take to reconnect and resume [default: 30].
    #[arg(long, env = "COBROWSE_DISCONNECT_GRACE")]
    pub disconnect_grace: Option<u64>,
    /// Seconds without any frame (browsers send heartbeats every 10 s) before a socket is
    /// treated as dropped [default: 30].
    #[arg(long, env = "COBROWSE_HEARTBEAT_TIMEOUT")]
    pub heartbeat_timeout: Option<u64>,
    /// Keep URL query strings in the session history [default: false].
    #[arg(long, env = "COBROWSE_KEEP_QUERY_STRINGS")]
    pub keep_query_strings: Option<bool>,
    /// Append each ended session's report to this JSONL file.
    #[arg(long, env = "COBROWSE_REPORT_FILE")]
    pub report_file: Option<PathBuf>,
    /// POST each ended session's report (JSON) to this URL, with retries.
    #[arg(long, env = "COBROWSE_REPORT_WEBHOOK")]
    pub report_webhook: Option<String>,
    /// Unit of the retention periods: seconds, minutes, hours or days [default: days].
    #[arg(long, env = "COBROWSE_RETENTION_UNIT")]
    pub retention_unit: Option<String>,
    /// Ended sessions are kept this long, in `retention_unit`s [default: 90].
    #[arg(long, env = "COBROWSE_HISTORY_RETENTION")]
    pub history_retention: Option<u64>,
    /// Page visits (URLs) are kept this long, in `retention_unit`s [default: 30].
    #[arg(long, env = "COBROWSE_PAGE_VISIT_RETENTION")]
    pub page_visit_retention: Option<u64>,
    /// Sessions never ended (a relay stopped abruptly) are closed after this long, in
    /// `retention_unit`s [default: 1].
    #[arg(long, env = "COBROWSE_LIVE_SESSION_RETENTION")]
    pub live_session_retention: Option<u64>,
    /// Seconds between retention sweeps [default: 60].
    #[arg(long, env = "COBROWSE_SWEEP_INTERVAL")]
    pub sweep_interval: Option<u64>,
    /// Directory of the built wasm bundles, served instead of the embedded ones [default:
    /// embedded, else dist].
    #[arg(long, env = "COBROWSE_ASSETS_DIR")]
    pub assets_dir: Option<PathBuf>,
    /// Directory of the static pages (demo site, console host page) [default: www].
    #[arg(long, env = "COBROWSE_WWW_DIR")]
    pub www_dir: Option<PathBuf>,
    /// Seconds a customer who left its page (a link, leaving the site) may take to come back
    /// on a page of the session before it ends [default: 300].
    #[arg(long, env = "COBROWSE_NAVIGATION_GRACE")]
    pub navigation_grace: Option<u64>,
    /// Whether agents may ask customers for write mode [default: true].
    #[arg(long, env = "COBROWSE_WRITE_MODE_ALLOWED")]
    pub write_mode_allowed: Option<bool>,
    /// Whether agents may click submit buttons in write mode [default: false].
    #[arg(long, env = "COBROWSE_AGENT_CAN_SUBMIT")]
    pub agent_can_submit: Option<bool>,
    /// Seconds after a customer denies write mode before the agent may ask again [default: 30].
    #[arg(long, env = "COBROWSE_WRITE_REQUEST_INTERVAL")]
    pub write_request_interval: Option<u64>,
    /// A JSON file of texts replacing the built-in English ones of the widget and the console.
    #[arg(long, env = "COBROWSE_LOCALIZATION")]
    pub localization: Option<PathBuf>,
    /// The console's theme: auto, light, dark or high-contrast [default: auto].
    #[arg(long, env = "COBROWSE_THEME")]
    pub theme: Option<String>,
    /// Sessions one client IP may create per minute; 0 = unlimited [default: 20].
    #[arg(long, env = "COBROWSE_SESSIONS_PER_IP_PER_MINUTE")]
    pub sessions_per_ip_per_minute: Option<u32>,
    /// Sessions all clients together may create per second; 0 = unlimited [default: 50].
    #[arg(long, env = "COBROWSE_SESSIONS_PER_SECOND")]
    pub sessions_per_second: Option<u32>,
    /// WebSockets one client IP may hold open at once; 0 = unlimited [default: 50].
    #[arg(long, env = "COBROWSE_CONNECTIONS_PER_IP")]
    pub connections_per_ip: Option<u32>,
    /// Seconds a new WebSocket has to create, resume or join a session before it is closed
    /// [default: 10].
    #[arg(long, env = "COBROWSE_HANDSHAKE_TIMEOUT")]
    pub handshake_timeout: Option<u64>,
    /// Reverse proxies (IPs or CIDRs) whose `X-Forwarded-For` names the client, comma-separated
    /// [default: none: the client is the socket's peer].
    #[arg(long, env = "COBROWSE_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Option<Vec<String>>,
    /// Page visits one session may record per minute; 0 = unlimited [default: 60].
    #[arg(long, env = "COBROWSE_PAGE_VISITS_PER_MINUTE")]
    pub page_visits_per_minute: Option<u32>,
    /// Mode changes one session may record per minute; 0 = unlimited [default: 30].
    #[arg(long, env = "COBROWSE_MODE_CHANGES_PER_MINUTE")]
    pub mode_changes_per_minute: Option<u32>,
    /// Store writes waiting at most; beyond it writes are shed and counted [default: 10000].
    #[arg(long, env = "COBROWSE_STORE_QUEUE")]
    pub store_queue: Option<usize>,
    /// Upstream fetches the CSS and font proxy makes at once; more are answered 503
    /// [default: 32].
    #[arg(long, env = "COBROWSE_PROXY_CONCURRENCY")]
    pub proxy_concurrency: Option<usize>,
    /// Redis URLs (comma-separated): one server, or the seed nodes of a Redis Cluster. Unset:
    /// one node with the embedded SQLite store [default: none].
    #[arg(long, env = "COBROWSE_REDIS_URL", value_delimiter = ',')]
    pub redis_url: Option<Vec<String>>,
    /// This node's name in Redis, logs and metrics [default: host name:port].
    #[arg(long, env = "COBROWSE_NODE_ID")]
    pub node_id: Option<String>,
    /// A Redis Stream each ended session's report is added to (needs redis_url).
    #[arg(long, env = "COBROWSE_REPORT_STREAM")]
    pub report_stream: Option<String>,
    /// Entries the report stream keeps at most [default: 100000].
    #[arg(long, env = "COBROWSE_REPORT_STREAM_MAX_LEN")]
    pub report_stream_max_len: Option<u64>,
    /// Seconds a stopping node (SIGTERM) waits for its clients to move to other nodes
    /// [default: 30].
    #[arg(long, env = "COBROWSE_DRAIN_TIMEOUT")]
    pub drain_timeout: Option<u64>,
    /// PEM certificate chain: the relay's listener serves HTTPS and WSS (with tls_key);
    /// re-read on SIGHUP.
    #[arg(long, env = "COBROWSE_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of tls_cert.
    #[arg(long, env = "COBROWSE_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// Address of the admin listener (metrics without a token, the REST API, health); when
    /// set, the relay's listener serves only the loader, assets, console and WebSockets.
    #[arg(long, env = "COBROWSE_ADMIN_LISTEN")]
    pub admin_listen: Option<SocketAddr>,
    /// `text` (for people) or `json` (one JSON object per line, with the session's fields)
    /// [default: text].
    #[arg(long, env = "COBROWSE_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Secret of HS256-signed JWTs for agents (at least 32 bytes).
    #[arg(long, env = "COBROWSE_JWT_SECRET")]
    pub jwt_secret: Option<String>,
    /// Public keys of RS256/ES256-signed JWTs: a PEM or JWKS file (read again on SIGHUP).
    #[arg(long, env = "COBROWSE_JWT_KEYS")]
    pub jwt_keys: Option<PathBuf>,
    /// The `iss` a JWT must carry.
    #[arg(long, env = "COBROWSE_JWT_ISSUER")]
    pub jwt_issuer: Option<String>,
    /// The `aud` a JWT must carry.
    #[arg(long, env = "COBROWSE_JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,
    /// The path prefix the relay serves everything under, e.g. /cobrowse (behind the site's
    /// own reverse proxy) [default: /].
    #[arg(long, env = "COBROWSE_BASE_PATH")]
    pub base_path: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Check the configuration (file, environment, flags; the TLS and JWT key files it names),
    /// print it as the relay would run with it, secrets redacted, and exit: non-zero, naming
    /// the key or file, when something is wrong.
    CheckConfig,
    /// Print a signed agent token (needs `agent_token_secret`), then exit.
    Token {
        /// The agent id the token stands for.
        #[arg(long)]
        agent: String,
        /// What the token may do: agent (its own sessions), supervisor (all sessions, codes,
        /// metrics) or metrics (`/metrics` only).
        #[arg(long, default_value = "agent")]
        role: Role,
        /// Seconds the token stays valid.
        #[arg(long, default_value_t = 8 * 3600)]
        valid_for: u64,
    },
}
