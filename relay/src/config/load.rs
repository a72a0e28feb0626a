//! Resolving the configuration: the options given (merged by `sources`) over the defaults, in
//! the types the relay runs with; and the configuration redacted for printing.

use std::ffi::OsString;

use std::net::SocketAddr;
use std::time::Duration;

use shared_protocol::privacy::PrivacyRules;

use super::validate::base_path;
use super::{sources, unit_millis, Cli, Config, ConfigError, LogFormat, Options};
use crate::locales::Locales;
use crate::roles::Role;
use crate::ui_settings::{load_localization, parse_theme};

const REDACTED: &str = "<redacted>";

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

    /// Resolves the configuration: the file, the environment and the flags (`cli`) merged
    /// over the defaults, then checked.
    pub fn load(cli: Cli) -> Result<Self, ConfigError> {
        Self::load_with_env(cli, std::env::vars_os())
    }

    /// [`Config::load`] with the given environment variables instead of the process's.
    pub(super) fn load_with_env(
        cli: Cli,
        env: impl IntoIterator<Item = (OsString, OsString)>,
    ) -> Result<Self, ConfigError> {
        let given = sources::merge(cli.config.as_deref(), env, &cli.options)?;
        let config = Self::resolve(given)?;
        config.validate()?;
        Ok(config)
    }

    /// The options given, over their defaults (here, the one place they are written), in the
    /// types the relay runs with.
    pub(super) fn resolve(o: Options) -> Result<Self, ConfigError> {
        let seconds = |given: Option<u64>, default| Duration::from_secs(given.unwrap_or(default));
        let unit = unit_millis(o.retention_unit.as_deref().unwrap_or("days"))?;
        // The default periods are counted in the unit too: `retention_unit = "hours"` alone
        // keeps history 90 hours.
        let period = |key: &'static str, given: Option<u64>, default: u64| {
            i64::try_from(given.unwrap_or(default))
                .ok()
                .and_then(|n| n.checked_mul(unit))
                .ok_or_else(|| ConfigError::Invalid {
                    key,
                    message: "too long to count in milliseconds".into(),
                })
        };
        Ok(Config {
            listen: o.listen.unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8080))),
            demo_listen: o.demo_listen,
            data_dir: o.data_dir.unwrap_or_else(|| "data".into()),
            public_url: o.public_url,
            allowed_origins: o.allowed_origins,
            allowed_external_domains: o.allowed_external_domains,
            allowed_third_party_domains: o.allowed_third_party_domains.unwrap_or_default(),
            console_frame_ancestors: o.console_frame_ancestors.unwrap_or_default(),
            css_patch_url: o.css_patch_url,
            agent_tokens: o.agent_tokens.unwrap_or_default(),
            supervisor_tokens: o.supervisor_tokens.unwrap_or_default(),
            metrics_tokens: o.metrics_tokens.unwrap_or_default(),
            agent_token_secret: o.agent_token_secret,
            agent_sessions_limit: o.agent_sessions_limit.unwrap_or(1),
            join_attempts_per_minute: o.join_attempts_per_minute.unwrap_or(10),
            inactivity_timeout: seconds(o.inactivity_timeout, 600),
            disconnect_grace: seconds(o.disconnect_grace, 30),
            heartbeat_timeout: seconds(o.heartbeat_timeout, 30),
            keep_query_strings: o.keep_query_strings.unwrap_or(false),
            report_file: o.report_file,
            report_webhook: o.report_webhook,
            retention: crate::store::Retention {
                history: period("history_retention", o.history_retention, 90)?,
                page_visits: period("page_visit_retention", o.page_visit_retention, 30)?,
                live_sessions: period("live_session_retention", o.live_session_retention, 1)?,
            },
            sweep_interval: seconds(o.sweep_interval, 60),
            assets_dir: o.assets_dir,
            www_dir: o.www_dir.unwrap_or_else(|| "www".into()),
            privacy: o.privacy.unwrap_or_default(),
            privacy_rules: o.privacy_rules.unwrap_or_default(),
            navigation_grace: seconds(o.navigation_grace, 300),
            write_mode_allowed: o.write_mode_allowed.unwrap_or(true),
            agent_can_submit: o.agent_can_submit.unwrap_or(false),
            write_request_interval: seconds(o.write_request_interval, 30),
            locales: Locales::load(
                o.localization_dir.as_deref(),
                o.localization
                    .as_deref()
                    .map(load_localization)
                    .transpose()?,
            )?,
            localization: o.localization,
            localization_dir: o.localization_dir,
            theme: o
                .theme
                .as_deref()
                .map(parse_theme)
                .transpose()?
                .unwrap_or_default(),
            widget: o.widget.unwrap_or_default(),
            sessions_per_ip_per_minute: o.sessions_per_ip_per_minute.unwrap_or(20),
            sessions_per_second: o.sessions_per_second.unwrap_or(50),
            connections_per_ip: o.connections_per_ip.unwrap_or(50),
            handshake_timeout: seconds(o.handshake_timeout, 10),
            trusted_proxies: crate::client_ip::parse_trusted_proxies(
                &o.trusted_proxies.unwrap_or_default(),
            )
            .map_err(|message| ConfigError::Invalid {
                key: "trusted_proxies",
                message,
            })?,
            page_visits_per_minute: o.page_visits_per_minute.unwrap_or(60),
            mode_changes_per_minute: o.mode_changes_per_minute.unwrap_or(30),
            store_queue: o.store_queue.unwrap_or(10_000),
            proxy_concurrency: o.proxy_concurrency.unwrap_or(32),
            redis_url: o.redis_url.unwrap_or_default(),
            node_id: o.node_id,
            report_stream: o.report_stream,
            report_stream_max_len: o.report_stream_max_len.unwrap_or(100_000),
            drain_timeout: seconds(o.drain_timeout, 30),
            tls_cert: o.tls_cert,
            tls_key: o.tls_key,
            admin_listen: o.admin_listen,
            jwt_secret: o.jwt_secret,
            jwt_keys: o.jwt_keys,
            jwt_issuer: o.jwt_issuer,
            jwt_audience: o.jwt_audience,
            base_path: base_path(o.base_path)?,
            log_format: match o.log_format.as_deref() {
                None | Some("text") => LogFormat::Text,
                Some("json") => LogFormat::Json,
                Some(other) => {
                    return Err(ConfigError::Invalid {
                        key: "log_format",
                        message: format!("{other:?} is not one of text, json"),
                    })
                }
            },
        })
    }

    /// This configuration with its secrets replaced, for printing (`check-config`).
    pub fn redacted(&self) -> Config {
        let hide = |v: &mut Vec<String>| v.iter_mut().for_each(|t| *t = REDACTED.into());
        let mut c = self.clone();
        hide(&mut c.agent_tokens);
        hide(&mut c.supervisor_tokens);
        hide(&mut c.metrics_tokens);
        for secret in [&mut c.agent_token_secret, &mut c.jwt_secret] {
            if secret.is_some() {
                *secret = Some(REDACTED.into());
            }
        }
        // `redis://:password@host`: the password goes.
        for url in &mut c.redis_url {
            if let Some((scheme, rest)) = url.split_once("://") {
                if let Some((_, host)) = rest.rsplit_once('@') {
                    *url = format!("{scheme}://{REDACTED}@{host}");
                }
            }
        }
        if let Some(hook) = &mut c.report_webhook {
            *hook = crate::stored_text::url_for_log(hook).to_string();
        }
        c
    }

    /// The JWT verifier `jwt_secret` / `jwt_keys` ask for, if any (reading the keys file).
    pub fn jwt_verifier(
        &self,
    ) -> Result<Option<crate::jwt::JwtVerifier>, crate::jwt::JwtKeysError> {
        if self.jwt_secret.is_none() && self.jwt_keys.is_none() {
            return Ok(None);
        }
        crate::jwt::JwtVerifier::new(
            self.jwt_secret.as_deref(),
            self.jwt_keys.as_deref(),
            self.jwt_issuer.clone(),
            self.jwt_audience.clone(),
        )
        .map(Some)
    }

    /// What the customer module gets at session start: the global rules, then the per-URL ones.
    pub fn privacy_for_customers(&self) -> Vec<PrivacyRules> {
        std::iter::once(self.privacy.clone())
            .chain(self.privacy_rules.iter().cloned())
            .collect()
    }
}
