//! Resolving the configuration: each key from its flag, else its environment variable, else the
//! file, else the default; then every value checked, with an error naming the key.

use shared_protocol::privacy::check_rules;

use super::*;
use crate::ui_settings::THEMES;

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
            assets_dir: cli.assets_dir.or(file.assets_dir).or(d.assets_dir),
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
            redis_url: cli.redis_url.or(file.redis_url).unwrap_or_default(),
            node_id: cli.node_id.or(file.node_id),
            report_stream: cli.report_stream.or(file.report_stream),
            report_stream_max_len: cli
                .report_stream_max_len
                .or(file.report_stream_max_len)
                .unwrap_or(d.report_stream_max_len),
            drain_timeout: cli
                .drain_timeout
                .or(file.drain_timeout)
                .map_or(d.drain_timeout, Duration::from_secs),
            tls_cert: cli.tls_cert.or(file.tls_cert),
            tls_key: cli.tls_key.or(file.tls_key),
            admin_listen: cli.admin_listen.or(file.admin_listen),
            jwt_secret: cli.jwt_secret.or(file.jwt_secret),
            jwt_keys: cli.jwt_keys.or(file.jwt_keys),
            jwt_issuer: cli.jwt_issuer.or(file.jwt_issuer),
            jwt_audience: cli.jwt_audience.or(file.jwt_audience),
            base_path: base_path(cli.base_path.or(file.base_path))?,
            log_format: match cli.log_format.or(file.log_format).as_deref() {
                None | Some("text") => LogFormat::Text,
                Some("json") => LogFormat::Json,
                Some(other) => {
                    return Err(ConfigError::Invalid {
                        key: "log_format",
                        message: format!("{other:?} is not one of text, json"),
                    })
                }
            },
        };
        config.validate()?;
        Ok(config)
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
        if self.jwt_secret.as_ref().is_some_and(|s| s.len() < 32) {
            return Err(ConfigError::Invalid {
                key: "jwt_secret",
                message: "at least 32 bytes: a short HS256 secret can be guessed offline from \
                          one token"
                    .into(),
            });
        }
        let jwt_claims = self.jwt_issuer.is_some() || self.jwt_audience.is_some();
        if jwt_claims && self.jwt_secret.is_none() && self.jwt_keys.is_none() {
            return Err(ConfigError::Invalid {
                key: "jwt_issuer",
                message: "jwt_issuer and jwt_audience need jwt_secret or jwt_keys".into(),
            });
        }
        match (&self.tls_cert, &self.tls_key) {
            (Some(_), None) => {
                return Err(ConfigError::Invalid {
                    key: "tls_key",
                    message: "tls_cert is set: its private key is needed too".into(),
                })
            }
            (None, Some(_)) => {
                return Err(ConfigError::Invalid {
                    key: "tls_cert",
                    message: "tls_key is set: its certificate is needed too".into(),
                })
            }
            _ => {}
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
        self.validate_cluster()?;
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

impl Config {
    /// The several-nodes options: Redis URLs, the node's name, the report stream.
    fn validate_cluster(&self) -> Result<(), ConfigError> {
        for url in &self.redis_url {
            if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
                return Err(ConfigError::Invalid {
                    key: "redis_url",
                    message: format!("{url:?} must start with redis:// or rediss://"),
                });
            }
        }
        if let Some(id) = &self.node_id {
            let fine = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':');
            if id.is_empty() || id.len() > 64 || !id.chars().all(fine) {
                return Err(ConfigError::Invalid {
                    key: "node_id",
                    message: format!("{id:?} must be 1 to 64 letters, digits or . - _ :"),
                });
            }
        }
        if self.report_stream.is_some() && self.redis_url.is_empty() {
            return Err(ConfigError::Invalid {
                key: "report_stream",
                message: "needs redis_url".into(),
            });
        }
        if self.report_stream_max_len == 0 {
            return Err(ConfigError::Invalid {
                key: "report_stream_max_len",
                message: "must be at least 1".into(),
            });
        }
        Ok(())
    }
}

/// `base_path` as the router nests it: `""` for the root, else `/a/b` (no trailing slash).
fn base_path(given: Option<String>) -> Result<String, ConfigError> {
    let Some(path) = given else {
        return Ok(String::new());
    };
    let bad = |message: &str| ConfigError::Invalid {
        key: "base_path",
        message: format!("{path:?}: {message}"),
    };
    if !path.starts_with('/') {
        return Err(bad("must start with /"));
    }
    let ok = |c: char| c.is_ascii_alphanumeric() || "/-_.~".contains(c);
    if !path.chars().all(ok) || path.contains("//") || path.split('/').any(|s| s == "..") {
        return Err(bad(
            "only letters, digits, -, _, . and ~ between single slashes",
        ));
    }
    Ok(path.trim_end_matches('/').to_string())
}
