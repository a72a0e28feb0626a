//! The three sources together: the environment sets top-level and nested options, each source
//! wins over the one before (file < environment < flag) for every kind of value, and a bad or
//! unknown variable is named. Variables are passed in, never set on the test process.

use std::ffi::OsString;

use clap::Parser;

use super::*;
use crate::ui_settings::{Corner, Theme};

fn write(text: &str) -> tempfile::NamedTempFile {
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), text).unwrap();
    f
}

fn vars(pairs: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
    pairs
        .iter()
        .map(|(k, v)| (OsString::from(k), OsString::from(v)))
        .collect()
}

/// The configuration from the command line `args` (parsed by clap, as the binary does) and the
/// variables `env`.
fn load(args: &[&str], env: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let cli =
        Cli::try_parse_from(std::iter::once("cobrowse-relay").chain(args.iter().copied())).unwrap();
    Config::load_with_env(cli, vars(env))
}

const FILE: &str = "theme = \"dark\"\ninactivity_timeout = 100\nagent_can_submit = true\n\
                    allowed_origins = [\"https://file.example\"]\n\
                    [privacy]\nindicator_text = \"from the file\"\nmask = [\".file\"]\n";

const ENV: [(&str, &str); 5] = [
    ("COBROWSE_THEME", "light"),
    ("COBROWSE_INACTIVITY_TIMEOUT", "200"),
    ("COBROWSE_AGENT_CAN_SUBMIT", "false"),
    (
        "COBROWSE_ALLOWED_ORIGINS",
        "https://env.example,https://*.env.example",
    ),
    ("COBROWSE_PRIVACY__INDICATOR_TEXT", "from the environment"),
];

const FLAGS: [&str; 8] = [
    "--theme",
    "high-contrast",
    "--inactivity-timeout",
    "300",
    "--agent-can-submit",
    "true",
    "--allowed-origins",
    "https://flag.example",
];

#[test]
fn the_environment_wins_over_the_file_and_a_flag_over_both() {
    let f = write(FILE);
    let file = f.path().to_str().unwrap();

    let c = load(&["--config", file], &[]).unwrap();
    assert_eq!(c.theme, Theme::Dark);
    assert_eq!(c.inactivity_timeout, Duration::from_secs(100));
    assert!(c.agent_can_submit);
    assert_eq!(c.allowed_origins.unwrap(), ["https://file.example"]);
    assert_eq!(c.privacy.indicator_text.as_deref(), Some("from the file"));

    let c = load(&["--config", file], &ENV).unwrap();
    assert_eq!(c.theme, Theme::Light, "string");
    assert_eq!(c.inactivity_timeout, Duration::from_secs(200), "number");
    assert!(!c.agent_can_submit, "bool");
    assert_eq!(
        c.allowed_origins.unwrap(),
        ["https://env.example", "https://*.env.example"],
        "list, comma-separated"
    );
    assert_eq!(
        c.privacy.indicator_text.as_deref(),
        Some("from the environment"),
        "nested"
    );
    assert_eq!(c.privacy.mask, [".file"], "the section's other keys stay");

    let args: Vec<&str> = ["--config", file].into_iter().chain(FLAGS).collect();
    let c = load(&args, &ENV).unwrap();
    assert_eq!(c.theme, Theme::HighContrast);
    assert_eq!(c.inactivity_timeout, Duration::from_secs(300));
    assert!(c.agent_can_submit);
    assert_eq!(c.allowed_origins.unwrap(), ["https://flag.example"]);
    // Nested sections have no flags: the environment's value stays.
    assert_eq!(
        c.privacy.indicator_text.as_deref(),
        Some("from the environment")
    );
}

#[test]
fn the_environment_sets_nested_sections() {
    let c = load(
        &[],
        &[
            ("COBROWSE_PRIVACY__PRIVATE_BY_DEFAULT", "true"),
            ("COBROWSE_PRIVACY__MASK", "[\".balance\", \"#iban\"]"),
            ("COBROWSE_WIDGET__POSITION", "top-left"),
            ("COBROWSE_WIDGET__ACCENT", "#123456"),
        ],
    )
    .unwrap();
    assert_eq!(c.privacy.private_by_default, Some(true));
    assert_eq!(c.privacy.mask, [".balance", "#iban"]);
    assert_eq!(c.widget.position, Corner::TopLeft);
    assert_eq!(c.widget.accent.as_deref(), Some("#123456"));
    // And the section's rules still apply to what the environment gave.
    let err = load(&[], &[("COBROWSE_WIDGET__POSITION", "middle")])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("COBROWSE_WIDGET__POSITION") && err.contains("middle"),
        "{err}"
    );
    // A whole section and one of its keys: neither is dropped unsaid.
    let err = load(
        &[],
        &[
            ("COBROWSE_WIDGET", "top-left"),
            ("COBROWSE_WIDGET__ACCENT", "#123456"),
        ],
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("COBROWSE_WIDGET"), "{err}");
}

#[test]
fn top_level_variables_are_taken_as_written() {
    let c = load(
        &[],
        &[
            // Digits stay text where text belongs.
            ("COBROWSE_NODE_ID", "12345"),
            ("COBROWSE_JWT_SECRET", "01234567890123456789012345678901"),
            ("COBROWSE_KEEP_QUERY_STRINGS", "true"),
            ("COBROWSE_LISTEN", "127.0.0.1:9100"),
            ("COBROWSE_REDIS_URL", "redis://a:6379,redis://b:6379"),
            // Not options: the file's path (clap's) and the log filter (the binary's).
            ("COBROWSE_LOG", "debug"),
            ("COBROWSE_CONFIG", "/not/read/here.toml"),
            // Empty: unset, as before.
            ("COBROWSE_PUBLIC_URL", ""),
            ("PATH", "/usr/bin"),
        ],
    )
    .unwrap();
    assert_eq!(c.node_id.as_deref(), Some("12345"));
    assert_eq!(
        c.jwt_secret.as_deref(),
        Some("01234567890123456789012345678901")
    );
    assert!(c.keep_query_strings);
    assert_eq!(c.listen.port(), 9100);
    assert_eq!(c.redis_url, ["redis://a:6379", "redis://b:6379"]);
    assert_eq!(c.public_url, None);
}

#[test]
fn a_bad_or_unknown_variable_is_named() {
    for (variable, value, named) in [
        ("COBROWSE_LISEN", "127.0.0.1:1", "COBROWSE_LISEN"),
        (
            "COBROWSE_INACTIVITY_TIMEOUT",
            "soon",
            "COBROWSE_INACTIVITY_TIMEOUT",
        ),
        (
            "COBROWSE_WRITE_MODE_ALLOWED",
            "maybe",
            "COBROWSE_WRITE_MODE_ALLOWED",
        ),
        ("COBROWSE_LISTEN", "nowhere", "COBROWSE_LISTEN"),
        (
            "COBROWSE_PRIVACY__MASKS",
            "[\"a\"]",
            "COBROWSE_PRIVACY__MASKS",
        ),
        (
            "COBROWSE_PRIVACY__PRIVATE_BY_DEFAULT",
            "sometimes",
            "COBROWSE_PRIVACY__PRIVATE_BY_DEFAULT",
        ),
        // Checked after merging, by the option's key.
        ("COBROWSE_STORE_QUEUE", "0", "store_queue"),
    ] {
        let err = load(&[], &[(variable, value)]).unwrap_err().to_string();
        assert!(err.contains(named), "{variable}={value}: {err}");
    }
}

#[test]
fn jwt_keys_need_an_issuer_and_an_audience() {
    let keys = "jwt_keys = \"/etc/cobrowse/idp.pem\"\n";
    for (text, missing) in [
        (format!("{keys}jwt_audience = \"cobrowse\"\n"), "jwt_issuer"),
        (
            format!("{keys}jwt_issuer = \"https://idp\"\n"),
            "jwt_audience",
        ),
        (keys.to_string(), "jwt_issuer"),
    ] {
        let f = write(&text);
        let err = load(&["--config", f.path().to_str().unwrap()], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains(missing), "{text:?}: {err}");
    }
    // Both given, from any source: accepted.
    let f = write(&format!("{keys}jwt_issuer = \"https://idp\"\n"));
    let c = load(
        &["--config", f.path().to_str().unwrap()],
        &[("COBROWSE_JWT_AUDIENCE", "cobrowse")],
    )
    .unwrap();
    assert_eq!(c.jwt_audience.as_deref(), Some("cobrowse"));
    // An HS256 secret is the relay's own: the claims stay optional with it.
    let secret = "jwt_secret = \"01234567890123456789012345678901\"\n";
    let f = write(secret);
    assert!(load(&["--config", f.path().to_str().unwrap()], &[]).is_ok());
}
