//! The rules between values, checked once the configuration is resolved: each error names
//! the key to change.

use shared_protocol::privacy::check_rules;

use std::time::Duration;

use super::{is_frame_origin, Config, ConfigError};
use crate::ui_settings::check_widget;

impl Config {
    /// Every rule; the first broken one is the error.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
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
        // An identity provider's keys sign tokens for many applications: without both claims
        // checked, a token it issued for another application would be taken here.
        if self.jwt_keys.is_some() {
            for (key, value) in [
                ("jwt_issuer", &self.jwt_issuer),
                ("jwt_audience", &self.jwt_audience),
            ] {
                if value.is_none() {
                    return Err(ConfigError::Invalid {
                        key,
                        message: "jwt_keys is set: the claim every token must carry is needed \
                                  too (tokens the identity provider signs for other \
                                  applications would be taken otherwise)"
                            .into(),
                    });
                }
            }
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
        check_widget(&self.widget)?;
        for origin in &self.allowed_third_party_domains {
            if !is_frame_origin(origin) {
                return Err(ConfigError::Invalid {
                    key: "allowed_third_party_domains",
                    message: format!("{origin:?} is not an origin (scheme://host[:port], or *)"),
                });
            }
        }
        for origin in &self.console_frame_ancestors {
            if origin == "*" || !is_frame_origin(origin) {
                return Err(ConfigError::Invalid {
                    key: "console_frame_ancestors",
                    message: format!(
                        "{origin:?} is not an origin (scheme://host[:port]; no `*`: each agent desktop by name)"
                    ),
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
pub(super) fn base_path(given: Option<String>) -> Result<String, ConfigError> {
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
