//! The configuration from flags, environment and file: defaults, precedence, and a clear error
//! naming the key for every bad value.

use std::path::Path;

use super::*;
use crate::roles::Role;
use crate::ui_settings::{Corner, Theme};
use shared_protocol::texts::WidgetText;

/// The configuration from `cli` alone: no environment variables (the tests' process may have
/// some, and tests run side by side).
fn load(cli: Cli) -> Result<Config, ConfigError> {
    Config::load_with_env(cli, [])
}

fn write(text: &str) -> tempfile::NamedTempFile {
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), text).unwrap();
    f
}

/// The configuration from file `f` alone (no flags, no environment).
fn from_file(f: &tempfile::NamedTempFile) -> Result<Config, ConfigError> {
    load(Cli {
        config: Some(f.path().into()),
        ..Cli::default()
    })
}

#[test]
fn defaults_apply_without_file_or_flags() {
    let c = load(Cli::default()).unwrap();
    assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(c.inactivity_timeout, Duration::from_secs(600));
    assert!(c.demo_listen.is_none());
}

#[test]
fn write_mode_widget_theme_and_localization_options() {
    let c = load(Cli::default()).unwrap();
    assert!(c.write_mode_allowed && !c.agent_can_submit);
    assert_eq!(c.write_request_interval, Duration::from_secs(30));
    assert_eq!(c.theme, Theme::Auto);
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
    let c = from_file(&f).unwrap();
    assert!(!c.write_mode_allowed && c.agent_can_submit);
    assert_eq!(c.write_request_interval, Duration::from_secs(5));
    assert_eq!(
        c.allowed_third_party_domains,
        ["https://maps.example:8443", "*"]
    );
    assert_eq!(c.theme, Theme::Dark);
    assert_eq!(
        c.locales.texts("en").widget.get(WidgetText::Start),
        "Mitsurfen"
    );
    assert_eq!(c.widget.position, Corner::TopLeft);
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
        let e = from_file(&f).unwrap_err().to_string();
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
    let c = from_file(&f).unwrap();
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
        let e = from_file(&f).unwrap_err().to_string();
        assert!(e.contains(key), "{bad}: {e}");
    }
}

#[test]
fn flags_win_over_the_file() {
    let f = write("listen = \"127.0.0.1:9000\"\ninactivity_timeout = 30\n");
    let cli = Cli {
        config: Some(f.path().into()),
        options: Options {
            listen: Some("127.0.0.1:9001".parse().unwrap()),
            ..Default::default()
        },
        ..Default::default()
    };
    let c = load(cli).unwrap();
    assert_eq!(c.listen.port(), 9001);
    assert_eq!(c.inactivity_timeout, Duration::from_secs(30));
}

#[test]
fn assets_dir_set_anywhere_overrides_the_embedded_assets() {
    assert_eq!(load(Cli::default()).unwrap().assets_dir, None);
    let f = write("assets_dir = \"/srv/dist\"\n");
    assert_eq!(from_file(&f).unwrap().assets_dir, Some("/srv/dist".into()));
    let cli = Cli {
        config: Some(f.path().into()),
        options: Options {
            assets_dir: Some("dev/dist".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    assert_eq!(load(cli).unwrap().assets_dir, Some("dev/dist".into()));
}

#[test]
fn unknown_keys_and_bad_values_are_named() {
    let f = write("lisen = \"127.0.0.1:9000\"\n");
    let err = from_file(&f).unwrap_err().to_string();
    assert!(err.contains("lisen"), "{err}");
    let f = write("inactivity_timeout = 0\n");
    let err = from_file(&f).unwrap_err().to_string();
    assert!(err.contains("inactivity_timeout"), "{err}");
    let err = load(Cli {
        config: Some("/nonexistent/relay.toml".into()),
        ..Default::default()
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("/nonexistent/relay.toml"), "{err}");
}

#[test]
fn client_limits_are_read_and_checked() {
    let c = load(Cli::default()).unwrap();
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
    let c = load(Cli {
        config: Some(f.path().into()),
        options: Options {
            sessions_per_second: Some(9),
            ..Default::default()
        },
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
        let err = from_file(&f).unwrap_err().to_string();
        assert!(err.contains(named), "{bad:?}: {err}");
    }
}

#[test]
fn retention_is_counted_in_the_configured_unit() {
    let f = write("retention_unit = \"hours\"\nhistory_retention = 2\n");
    let c = from_file(&f).unwrap();
    assert_eq!(c.retention.history, 2 * 3600 * 1000);
    assert_eq!(c.retention.page_visits, 30 * 3600 * 1000);
    let f = write("retention_unit = \"days\"\nhistory_retention = 9223372036854775807\n");
    let err = from_file(&f).unwrap_err().to_string();
    assert!(err.contains("history_retention"), "{err}");
    let f = write("retention_unit = \"fortnights\"\n");
    let err = from_file(&f).unwrap_err().to_string();
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
    let c = from_file(&f).unwrap();
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
        let err = from_file(&f).unwrap_err().to_string();
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

#[test]
fn several_nodes_options_are_read_and_checked() {
    let c = load(Cli::default()).unwrap();
    assert!(c.redis_url.is_empty(), "one node with SQLite by default");
    assert_eq!(c.drain_timeout, Duration::from_secs(30));
    assert_eq!(c.report_stream_max_len, 100_000);
    let f = write(
        "redis_url = [\"redis://10.0.0.1:6379\", \"redis://10.0.0.2:6379\"]\n\
         node_id = \"relay-a:8080\"\nreport_stream = \"cobrowse:reports\"\n\
         report_stream_max_len = 500\ndrain_timeout = 5\n",
    );
    let c = from_file(&f).unwrap();
    assert_eq!(c.redis_url.len(), 2);
    assert_eq!(c.node_id.as_deref(), Some("relay-a:8080"));
    assert_eq!(c.report_stream.as_deref(), Some("cobrowse:reports"));
    assert_eq!(c.report_stream_max_len, 500);
    assert_eq!(c.drain_timeout, Duration::from_secs(5));
    for (bad, key) in [
        ("redis_url = [\"http://10.0.0.1\"]\n", "redis_url"),
        ("node_id = \"a b\"\n", "node_id"),
        ("report_stream = \"r\"\n", "report_stream"),
        (
            "redis_url = [\"redis://x\"]\nreport_stream_max_len = 0\n",
            "report_stream_max_len",
        ),
    ] {
        let err = from_file(&write(bad)).unwrap_err().to_string();
        assert!(err.contains(key), "{bad}: {err}");
    }
}

#[test]
fn tls_files_come_in_pairs_and_the_admin_listener_is_read() {
    let c = load(Cli::default()).unwrap();
    assert!(c.tls_cert.is_none() && c.tls_key.is_none() && c.admin_listen.is_none());
    let f = write(
        "tls_cert = \"/etc/cobrowse/cert.pem\"\ntls_key = \"/etc/cobrowse/key.pem\"\n\
         admin_listen = \"127.0.0.1:9090\"\n",
    );
    let c = from_file(&f).unwrap();
    assert_eq!(
        c.tls_cert.as_deref(),
        Some(Path::new("/etc/cobrowse/cert.pem"))
    );
    assert_eq!(
        c.tls_key.as_deref(),
        Some(Path::new("/etc/cobrowse/key.pem"))
    );
    assert_eq!(c.admin_listen, Some("127.0.0.1:9090".parse().unwrap()));
    for (bad, key) in [
        ("tls_cert = \"/c.pem\"\n", "tls_key"),
        ("tls_key = \"/k.pem\"\n", "tls_cert"),
        ("admin_listen = \"nowhere\"\n", "admin_listen"),
    ] {
        let err = from_file(&write(bad)).unwrap_err().to_string();
        assert!(err.contains(key), "{bad:?}: {err}");
    }
}

#[test]
fn log_format_is_text_or_json() {
    assert_eq!(load(Cli::default()).unwrap().log_format, LogFormat::Text);
    let c = from_file(&write("log_format = \"json\"\n")).unwrap();
    assert_eq!(c.log_format, LogFormat::Json);
    let err = from_file(&write("log_format = \"xml\"\n"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("log_format"), "{err}");
}

#[test]
fn jwt_options_are_checked() {
    let c = from_file(&write(
        "jwt_keys = \"/etc/cobrowse/idp.pem\"\njwt_issuer = \"https://idp\"\n\
         jwt_audience = \"cobrowse\"\n",
    ))
    .unwrap();
    assert_eq!(
        c.jwt_keys.as_deref(),
        Some(Path::new("/etc/cobrowse/idp.pem"))
    );
    assert_eq!(c.jwt_audience.as_deref(), Some("cobrowse"));
    for (bad, key) in [
        ("jwt_secret = \"short\"\n", "jwt_secret"),
        ("jwt_issuer = \"https://idp\"\n", "jwt_issuer"),
    ] {
        let err = from_file(&write(bad)).unwrap_err().to_string();
        assert!(err.contains(key), "{bad:?}: {err}");
    }
}

#[test]
fn base_path_is_a_clean_prefix() {
    assert_eq!(load(Cli::default()).unwrap().base_path, "");
    for (given, kept) in [("/", ""), ("/cobrowse", "/cobrowse"), ("/a/b-c/", "/a/b-c")] {
        let c = from_file(&write(&format!("base_path = \"{given}\"\n"))).unwrap();
        assert_eq!(c.base_path, kept, "{given}");
    }
    for bad in ["cobrowse", "/a//b", "/a/../b", "/a?b", "/a b"] {
        let err = from_file(&write(&format!("base_path = \"{bad}\"\n")))
            .unwrap_err()
            .to_string();
        assert!(err.contains("base_path"), "{bad}: {err}");
    }
}
