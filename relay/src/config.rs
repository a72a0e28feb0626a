//! Relay configuration: one TOML file (`--config`), every key overridable by an environment
//! variable and a flag (flag > env > file > default). Unknown keys and bad values are errors
//! that name the key, never silently ignored.

use crate::roles::Role;
use crate::ui_settings::{Localization, WidgetLook, THEMES};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use serde::Deserialize;
use shared_protocol::privacy::{check_rules, PrivacyRules};

/// Command-line flags; each also reads `COBROWSE_*` from the environment.
#[derive(Debug, Default, Parser)]
#[command(name = "cobrowse-relay", version, about = "Co-browse relay server")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// TOML configuration file.
    #[arg(long, env = "COBROWSE_CONFIG")]
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
    /// Directory of the built wasm bundles [default: dist].
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
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
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

/// The file's keys: the same names as the flags, with underscores.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    demo_listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    public_url: Option<String>,
    allowed_origins: Option<Vec<String>>,
    allowed_external_domains: Option<Vec<String>>,
    allowed_third_party_domains: Option<Vec<String>>,
    css_patch_url: Option<String>,
    agent_tokens: Option<Vec<String>>,
    supervisor_tokens: Option<Vec<String>>,
    metrics_tokens: Option<Vec<String>>,
    agent_token_secret: Option<String>,
    agent_sessions_limit: Option<u32>,
    join_attempts_per_minute: Option<u32>,
    inactivity_timeout: Option<u64>,
    disconnect_grace: Option<u64>,
    heartbeat_timeout: Option<u64>,
    keep_query_strings: Option<bool>,
    report_file: Option<PathBuf>,
    report_webhook: Option<String>,
    retention_unit: Option<String>,
    history_retention: Option<u64>,
    page_visit_retention: Option<u64>,
    live_session_retention: Option<u64>,
    sweep_interval: Option<u64>,
    assets_dir: Option<PathBuf>,
    www_dir: Option<PathBuf>,
    /// Privacy rules for every page (file only: lists of selectors do not fit a flag).
    privacy: Option<PrivacyRules>,
    /// Privacy rules for pages whose URL matches `url`, over the global ones.
    privacy_rules: Option<Vec<PrivacyRules>>,
    navigation_grace: Option<u64>,
    write_mode_allowed: Option<bool>,
    agent_can_submit: Option<bool>,
    write_request_interval: Option<u64>,
    localization: Option<PathBuf>,
    theme: Option<String>,
    /// The customer widget's corner and colours (file only).
    widget: Option<WidgetLook>,
    sessions_per_ip_per_minute: Option<u32>,
    sessions_per_second: Option<u32>,
    connections_per_ip: Option<u32>,
    handshake_timeout: Option<u64>,
    trusted_proxies: Option<Vec<String>>,
    page_visits_per_minute: Option<u32>,
    mode_changes_per_minute: Option<u32>,
    store_queue: Option<usize>,
    proxy_concurrency: Option<usize>,
}

/// The resolved configuration.
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
    pub assets_dir: PathBuf,
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
    /// The `localization` file's path and texts (read and checked at load).
    pub localization: Option<PathBuf>,
    pub texts: Localization,
    /// One of [`THEMES`].
    pub theme: String,
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
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            demo_listen: None,
            data_dir: PathBuf::from("data"),
            public_url: None,
            allowed_origins: None,
            allowed_external_domains: None,
            allowed_third_party_domains: Vec::new(),
            css_patch_url: None,
            agent_tokens: Vec::new(),
            supervisor_tokens: Vec::new(),
            metrics_tokens: Vec::new(),
            agent_token_secret: None,
            agent_sessions_limit: 1,
            join_attempts_per_minute: 10,
            inactivity_timeout: Duration::from_secs(600),
            disconnect_grace: Duration::from_secs(30),
            heartbeat_timeout: Duration::from_secs(30),
            keep_query_strings: false,
            report_file: None,
            report_webhook: None,
            retention: crate::store::Retention {
                history: 90 * DAY_MS,
                page_visits: 30 * DAY_MS,
                live_sessions: DAY_MS,
            },
            sweep_interval: Duration::from_secs(60),
            assets_dir: PathBuf::from("dist"),
            www_dir: PathBuf::from("www"),
            privacy: PrivacyRules::default(),
            privacy_rules: Vec::new(),
            navigation_grace: Duration::from_secs(300),
            write_mode_allowed: true,
            agent_can_submit: false,
            write_request_interval: Duration::from_secs(30),
            localization: None,
            texts: Localization::default(),
            theme: "auto".into(),
            widget: WidgetLook::default(),
            sessions_per_ip_per_minute: 20,
            sessions_per_second: 50,
            connections_per_ip: 50,
            handshake_timeout: Duration::from_secs(10),
            trusted_proxies: Vec::new(),
            page_visits_per_minute: 60,
            mode_changes_per_minute: 30,
            store_queue: 10_000,
            proxy_concurrency: 32,
        }
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
}

impl Config {
    /// Each static token list under its key, with the role its tokens carry.
    pub fn static_tokens(&self) -> impl Iterator<Item = (&'static str, Role, &Vec<String>)> {
        [
            ("agent_tokens", Role::Agent, &self.agent_tokens),
            (
                "supervisor_tokens",
                Role::Supervisor,
                &self.supervisor_tokens,
            ),
            ("metrics_tokens", Role::Metrics, &self.metrics_tokens),
        ]
        .into_iter()
    }

    /// Resolves the configuration: flags and env (already merged by clap) over the file over
    /// defaults.
    pub fn load(cli: Cli) -> Result<Self, ConfigError> {
        let file = match &cli.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let d = Config::default();
        let config = Config {
            listen: cli.listen.or(file.listen).unwrap_or(d.listen),
            demo_listen: cli.demo_listen.or(file.demo_listen),
            data_dir: cli.data_dir.or(file.data_dir).unwrap_or(d.data_dir),
            public_url: cli.public_url.or(file.public_url),
            allowed_origins: cli.allowed_origins.or(file.allowed_origins),
            allowed_external_domains: cli
                .allowed_external_domains
                .or(file.allowed_external_domains),
            allowed_third_party_domains: cli
                .allowed_third_party_domains
                .or(file.allowed_third_party_domains)
                .unwrap_or_default(),
            css_patch_url: cli.css_patch_url.or(file.css_patch_url),
            agent_tokens: cli.agent_tokens.or(file.agent_tokens).unwrap_or_default(),
            supervisor_tokens: cli
                .supervisor_tokens
                .or(file.supervisor_tokens)
                .unwrap_or_default(),
            metrics_tokens: cli
                .metrics_tokens
                .or(file.metrics_tokens)
                .unwrap_or_default(),
            agent_token_secret: cli.agent_token_secret.or(file.agent_token_secret),
            agent_sessions_limit: cli
                .agent_sessions_limit
                .or(file.agent_sessions_limit)
                .unwrap_or(d.agent_sessions_limit),
            join_attempts_per_minute: cli
                .join_attempts_per_minute
                .or(file.join_attempts_per_minute)
                .unwrap_or(d.join_attempts_per_minute),
            inactivity_timeout: cli
                .inactivity_timeout
                .or(file.inactivity_timeout)
                .map(Duration::from_secs)
                .unwrap_or(d.inactivity_timeout),
            disconnect_grace: cli
                .disconnect_grace
                .or(file.disconnect_grace)
                .map(Duration::from_secs)
                .unwrap_or(d.disconnect_grace),
            heartbeat_timeout: cli
                .heartbeat_timeout
                .or(file.heartbeat_timeout)
                .map(Duration::from_secs)
                .unwrap_or(d.heartbeat_timeout),
            keep_query_strings: cli
                .keep_query_strings
                .or(file.keep_query_strings)
                .unwrap_or(d.keep_query_strings),
            report_file: cli.report_file.or(file.report_file),
            report_webhook: cli.report_webhook.or(file.report_webhook),
            retention: {
                let unit = cli.retention_unit.or(file.retention_unit);
                let unit = unit_millis(unit.as_deref().unwrap_or("days"))?;
                let pick = |a: Option<u64>, b: Option<u64>, default: i64| {
                    a.or(b).map(|n| n as i64 * unit).unwrap_or(default)
                };
                crate::store::Retention {
                    history: pick(cli.history_retention, file.history_retention, 90 * unit),
                    page_visits: pick(
                        cli.page_visit_retention,
                        file.page_visit_retention,
                        30 * unit,
                    ),
                    live_sessions: pick(
                        cli.live_session_retention,
                        file.live_session_retention,
                        unit,
                    ),
                }
            },
            sweep_interval: cli
                .sweep_interval
                .or(file.sweep_interval)
                .map(Duration::from_secs)
                .unwrap_or(d.sweep_interval),
            assets_dir: cli.assets_dir.or(file.assets_dir).unwrap_or(d.assets_dir),
            www_dir: cli.www_dir.or(file.www_dir).unwrap_or(d.www_dir),
            privacy: file.privacy.unwrap_or_default(),
            privacy_rules: file.privacy_rules.unwrap_or_default(),
            navigation_grace: cli
                .navigation_grace
                .or(file.navigation_grace)
                .map(Duration::from_secs)
                .unwrap_or(d.navigation_grace),
            write_mode_allowed: cli
                .write_mode_allowed
                .or(file.write_mode_allowed)
                .unwrap_or(d.write_mode_allowed),
            agent_can_submit: cli
                .agent_can_submit
                .or(file.agent_can_submit)
                .unwrap_or(d.agent_can_submit),
            write_request_interval: cli
                .write_request_interval
                .or(file.write_request_interval)
                .map_or(d.write_request_interval, Duration::from_secs),
            texts: match cli.localization.as_ref().or(file.localization.as_ref()) {
                Some(path) => Localization::load(path)?,
                None => Localization::default(),
            },
            localization: cli.localization.or(file.localization),
            theme: cli.theme.or(file.theme).unwrap_or(d.theme),
            widget: file.widget.unwrap_or_default(),
            sessions_per_ip_per_minute: cli
                .sessions_per_ip_per_minute
                .or(file.sessions_per_ip_per_minute)
                .unwrap_or(d.sessions_per_ip_per_minute),
            sessions_per_second: cli
                .sessions_per_second
                .or(file.sessions_per_second)
                .unwrap_or(d.sessions_per_second),
            connections_per_ip: cli
                .connections_per_ip
                .or(file.connections_per_ip)
                .unwrap_or(d.connections_per_ip),
            handshake_timeout: cli
                .handshake_timeout
                .or(file.handshake_timeout)
                .map(Duration::from_secs)
                .unwrap_or(d.handshake_timeout),
            trusted_proxies: crate::client_ip::parse_trusted_proxies(
                &cli.trusted_proxies
                    .or(file.trusted_proxies)
                    .unwrap_or_default(),
            )
            .map_err(|message| ConfigError::Invalid {
                key: "trusted_proxies",
                message,
            })?,
            page_visits_per_minute: cli
                .page_visits_per_minute
                .or(file.page_visits_per_minute)
                .unwrap_or(d.page_visits_per_minute),
            mode_changes_per_minute: cli
                .mode_changes_per_minute
                .or(file.mode_changes_per_minute)
                .unwrap_or(d.mode_changes_per_minute),
            store_queue: cli
                .store_queue
                .or(file.store_queue)
                .unwrap_or(d.store_queue),
            proxy_concurrency: cli
                .proxy_concurrency
                .or(file.proxy_concurrency)
                .unwrap_or(d.proxy_concurrency),
        };
        config.validate()?;
        Ok(config)
    }

    /// What the customer module gets at session start: the global rules, then the per-URL ones.
    pub fn privacy_for_customers(&self) -> Vec<PrivacyRules> {
        std::iter::once(self.privacy.clone())
            .chain(self.privacy_rules.iter().cloned())
            .collect()
    }

    fn validate(&self) -> Result<(), ConfigError> {
        check_rules(&self.privacy, false).map_err(|message| ConfigError::Invalid {
            key: "privacy",
            message,
        })?;
        for (i, rules) in self.privacy_rules.iter().enumerate() {
            check_rules(rules, true).map_err(|message| ConfigError::Invalid {
                key: "privacy_rules",
                message: format!("entry {}: {message}", i + 1),
            })?;
        }
        if self.navigation_grace < self.disconnect_grace {
            return Err(ConfigError::Invalid {
                key: "navigation_grace",
                message: "must be at least disconnect_grace".into(),
            });
        }
        if !THEMES.contains(&self.theme.as_str()) {
            return Err(ConfigError::Invalid {
                key: "theme",
                message: format!("{:?} is not one of {}", self.theme, THEMES.join(", ")),
            });
        }
        self.widget.check()?;
        for origin in &self.allowed_third_party_domains {
            if !is_frame_origin(origin) {
                return Err(ConfigError::Invalid {
                    key: "allowed_third_party_domains",
                    message: format!("{origin:?} is not an origin (scheme://host[:port], or *)"),
                });
            }
        }
        if self.inactivity_timeout.is_zero() {
            return Err(ConfigError::Invalid {
                key: "inactivity_timeout",
                message: "must be at least 1 second".into(),
            });
        }
        let heartbeat = Duration::from_secs(shared_protocol::HEARTBEAT_INTERVAL_SECS as u64);
        if self.heartbeat_timeout <= heartbeat {
            return Err(ConfigError::Invalid {
                key: "heartbeat_timeout",
                message: format!("must be longer than the {heartbeat:?} heartbeat interval"),
            });
        }
        if self.handshake_timeout.is_zero() {
            return Err(ConfigError::Invalid {
                key: "handshake_timeout",
                message: "must be at least 1 second".into(),
            });
        }
        if self.store_queue == 0 {
            return Err(ConfigError::Invalid {
                key: "store_queue",
                message: "must be at least 1".into(),
            });
        }
        if self.proxy_concurrency == 0 {
            return Err(ConfigError::Invalid {
                key: "proxy_concurrency",
                message: "must be at least 1".into(),
            });
        }
        if self.sweep_interval.is_zero() {
            return Err(ConfigError::Invalid {
                key: "sweep_interval",
                message: "must be at least 1 second".into(),
            });
        }
        if let Some(url) = &self.report_webhook {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ConfigError::Invalid {
                    key: "report_webhook",
                    message: format!("{url:?} must start with http:// or https://"),
                });
            }
        }
        if let Some(url) = &self.public_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ConfigError::Invalid {
                    key: "public_url",
                    message: format!("{url:?} must start with http:// or https://"),
                });
            }
        }
        if self
            .agent_token_secret
            .as_ref()
            .is_some_and(|s| s.len() < 32)
        {
            return Err(ConfigError::Invalid {
                key: "agent_token_secret",
                message: "needs at least 32 characters".into(),
            });
        }
        for (key, _, tokens) in self.static_tokens() {
            if tokens.iter().any(|t| t.len() < 16) {
                return Err(ConfigError::Invalid {
                    key,
                    message: "each token needs at least 16 characters".into(),
                });
            }
        }
        let all: Vec<&String> = self.static_tokens().flat_map(|(_, _, t)| t).collect();
        if let Some((key, _, _)) = self.static_tokens().find(|(_, _, tokens)| {
            tokens
                .iter()
                .any(|t| all.iter().filter(|o| *o == &t).count() > 1)
        }) {
            return Err(ConfigError::Invalid {
                key,
                message: "a token appears twice (in this or another token list)".into(),
            });
        }
        Ok(())
    }
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

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: e.message().to_string(),
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        f
    }

    #[test]
    fn defaults_apply_without_file_or_flags() {
        let c = Config::load(Cli::default()).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.inactivity_timeout, Duration::from_secs(600));
        assert!(c.demo_listen.is_none());
    }

    #[test]
    fn write_mode_widget_theme_and_localization_options() {
        let c = Config::load(Cli::default()).unwrap();
        assert!(c.write_mode_allowed && !c.agent_can_submit);
        assert_eq!(c.write_request_interval, Duration::from_secs(30));
        assert_eq!(c.theme, "auto");
        let dir = tempfile::tempdir().unwrap();
        let l10n = dir.path().join("de.json");
        std::fs::write(&l10n, r#"{"widget": {"start": "Mitsurfen"}}"#).unwrap();
        let f = write(&format!(
            "write_mode_allowed = false\nagent_can_submit = true\ntheme = \"dark\"\n\
             write_request_interval = 5\n\
             allowed_third_party_domains = [\"https://maps.example:8443\", \"*\"]\n\
             localization = {:?}\n[widget]\nposition = \"top-left\"\naccent = \"#123456\"\n",
            l10n.display().to_string()
        ));
        let c = Config::load(Cli {
            config: Some(f.path().into()),
            ..Cli::default()
        })
        .unwrap();
        assert!(!c.write_mode_allowed && c.agent_can_submit);
        assert_eq!(c.write_request_interval, Duration::from_secs(5));
        assert_eq!(
            c.allowed_third_party_domains,
            ["https://maps.example:8443", "*"]
        );
        assert_eq!(c.theme, "dark");
        assert_eq!(c.texts.widget["start"], "Mitsurfen");
        assert_eq!(c.widget.position.as_deref(), Some("top-left"));
        for (bad, names) in [
            ("theme = \"neon\"\n", "theme"),
            ("[widget]\naccent = \"red;x:url(y)\"\n", "widget"),
            ("localization = \"/no/such/file.json\"\n", "localization"),
            ("[widget]\ncolour = \"red\"\n", "colour"),
            (
                "allowed_third_party_domains = [\"maps.example/x\"]\n",
                "allowed_third_party_domains",
            ),
        ] {
            let f = write(bad);
            let e = Config::load(Cli {
                config: Some(f.path().into()),
                ..Cli::default()
            })
            .unwrap_err()
            .to_string();
            assert!(e.contains(names), "{bad}: {e}");
        }
    }

    #[test]
    fn token_lists_per_role() {
        let f = write(
            "agent_tokens = [\"agent-token-0123456789\"]\n\
             supervisor_tokens = [\"supervisor-token-0123456789\"]\n\
             metrics_tokens = [\"metrics-token-0123456789\"]\n",
        );
        let c = Config::load(Cli {
            config: Some(f.path().into()),
            ..Cli::default()
        })
        .unwrap();
        let lists: Vec<(&str, Role, usize)> =
            c.static_tokens().map(|(k, r, t)| (k, r, t.len())).collect();
        assert_eq!(
            lists,
            [
                ("agent_tokens", Role::Agent, 1),
                ("supervisor_tokens", Role::Supervisor, 1),
                ("metrics_tokens", Role::Metrics, 1)
            ]
        );
        for (bad, key) in [
            ("supervisor_tokens = [\"short\"]\n", "supervisor_tokens"),
            ("metrics_tokens = [\"short\"]\n", "metrics_tokens"),
            (
                "agent_tokens = [\"the-same-token-0123\"]\n\
                 metrics_tokens = [\"the-same-token-0123\"]\n",
                "appears twice",
            ),
        ] {
            let f = write(bad);
            let e = Config::load(Cli {
                config: Some(f.path().into()),
                ..Cli::default()
            })
            .unwrap_err()
            .to_string();
            assert!(e.contains(key), "{bad}: {e}");
        }
    }

    #[test]
    fn flags_win_over_the_file() {
        let f = write("listen = \"127.0.0.1:9000\"\ninactivity_timeout = 30\n");
        let cli = Cli {
            config: Some(f.path().into()),
            listen: Some("127.0.0.1:9001".parse().unwrap()),
            ..Default::default()
        };
        let c = Config::load(cli).unwrap();
        assert_eq!(c.listen.port(), 9001);
        assert_eq!(c.inactivity_timeout, Duration::from_secs(30));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let f = write("lisen = \"127.0.0.1:9000\"\n");
        let err = Config::load(Cli {
            config: Some(f.path().into()),
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("lisen"), "{err}");
        let f = write("inactivity_timeout = 0\n");
        let err = Config::load(Cli {
            config: Some(f.path().into()),
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("inactivity_timeout"), "{err}");
        let err = Config::load(Cli {
            config: Some("/nonexistent/relay.toml".into()),
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("/nonexistent/relay.toml"), "{err}");
    }

    #[test]
    fn client_limits_are_read_and_checked() {
        let c = Config::load(Cli::default()).unwrap();
        assert_eq!(
            (c.sessions_per_ip_per_minute, c.sessions_per_second),
            (20, 50)
        );
        assert_eq!(c.connections_per_ip, 50);
        assert_eq!(c.handshake_timeout, Duration::from_secs(10));
        assert!(c.trusted_proxies.is_empty());
        assert_eq!(
            (c.page_visits_per_minute, c.mode_changes_per_minute),
            (60, 30)
        );
        assert_eq!(c.store_queue, 10_000);
        assert_eq!(c.proxy_concurrency, 32);
        let f = write(
            "sessions_per_ip_per_minute = 0\nconnections_per_ip = 5\nhandshake_timeout = 3\n\
             trusted_proxies = [\"10.0.0.0/8\", \"192.0.2.7\"]\nstore_queue = 7\n",
        );
        let c = Config::load(Cli {
            config: Some(f.path().into()),
            sessions_per_second: Some(9),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(c.sessions_per_ip_per_minute, 0);
        assert_eq!(c.sessions_per_second, 9);
        assert_eq!(c.connections_per_ip, 5);
        assert_eq!(c.handshake_timeout, Duration::from_secs(3));
        assert_eq!(c.trusted_proxies.len(), 2);
        assert_eq!(c.store_queue, 7);
        for (bad, named) in [
            ("trusted_proxies = [\"10.0.0.0/40\"]\n", "trusted_proxies"),
            (
                "trusted_proxies = [\"proxy.internal\"]\n",
                "trusted_proxies",
            ),
            ("handshake_timeout = 0\n", "handshake_timeout"),
            ("store_queue = 0\n", "store_queue"),
            ("proxy_concurrency = 0\n", "proxy_concurrency"),
        ] {
            let f = write(bad);
            let err = Config::load(Cli {
                config: Some(f.path().into()),
                ..Default::default()
            })
            .unwrap_err()
            .to_string();
            assert!(err.contains(named), "{bad:?}: {err}");
        }
    }

    #[test]
    fn retention_is_counted_in_the_configured_unit() {
        let f = write("retention_unit = \"hours\"\nhistory_retention = 2\n");
        let c = Config::load(Cli {
            config: Some(f.path().into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(c.retention.history, 2 * 3600 * 1000);
        assert_eq!(c.retention.page_visits, 30 * 3600 * 1000);
        let f = write("retention_unit = \"fortnights\"\n");
        let err = Config::load(Cli {
            config: Some(f.path().into()),
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("retention_unit"), "{err}");
    }

    #[test]
    fn privacy_rules_come_from_the_file_global_then_per_url() {
        let f = write(
            "[privacy]\nmask = [\".balance\"]\nprivate_by_default = false\n\
             indicator_text = \"Masqué\"\n\n\
             [[privacy_rules]]\nurl = \"https://bank.example/loans/*\"\nblock = [\"#offer\"]\n\
             mask_url_queries = true\n",
        );
        let c = Config::load(Cli {
            config: Some(f.path().into()),
            ..Default::default()
        })
        .unwrap();
        let sent = c.privacy_for_customers();
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[0].mask, [".balance"]);
        assert_eq!(sent[0].indicator_text.as_deref(), Some("Masqué"));
        assert_eq!(sent[1].url.as_deref(), Some("https://bank.example/loans/*"));
        assert_eq!(sent[1].mask_url_queries, Some(true));
    }

    #[test]
    fn bad_privacy_rules_are_named() {
        for (text, named) in [
            ("[privacy]\nmasks = [\"a\"]\n", "masks"),
            ("[[privacy_rules]]\nmask = [\"a\"]\n", "needs `url`"),
            ("[privacy]\nurl = \"*\"\n", "per-URL"),
            ("[[privacy_rules]]\nurl = \"*\"\nblock = [\"\"]\n", "block"),
            ("[privacy]\nprivate_by_default = \"yes\"\n", "bool"),
        ] {
            let f = write(text);
            let err = Config::load(Cli {
                config: Some(f.path().into()),
                ..Default::default()
            })
            .unwrap_err()
            .to_string();
            assert!(err.contains(named), "{text:?}: {err}");
        }
    }

    #[test]
    fn origin_patterns() {
        assert!(origin_matches(
            "https://bank.example",
            "https://bank.example"
        ));
        assert!(origin_matches(
            "https://*.bank.example",
            "https://www.bank.example"
        ));
        assert!(!origin_matches(
            "https://*.bank.example",
            "https://bank.example.evil"
        ));
        assert!(origin_matches(
            "http://127.0.0.1:*",
            "http://127.0.0.1:4000"
        ));
        assert!(!origin_matches(
            "https://bank.example",
            "https://evil.example"
        ));
        assert!(origin_matches("*", "https://anything"));
    }
}
