//! The shipped deployment files: `deploy/relay.toml` holds every option of the README's
//! configuration table at its default (so the sample and the code cannot drift apart), the
//! table's flags and variables are those of its keys, and the systemd unit's `ExecStart` starts
//! the relay, which stops cleanly on `SIGTERM`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use clap::Parser;
use cobrowse_relay::{Cli, Config};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

#[test]
fn the_sample_configuration_is_every_option_at_its_default() {
    let sample = repo("deploy/relay.toml");
    let cli = Cli::parse_from(["cobrowse-relay", "--config", sample.to_str().unwrap()]);
    let loaded = Config::load(cli).expect("the sample loads");
    assert_eq!(
        format!("{loaded:#?}"),
        format!("{:#?}", Config::default()),
        "the sample's values are the defaults"
    );
    let text = std::fs::read_to_string(&sample).unwrap();
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    let keys: Vec<&str> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("| `")?.split_once('`').map(|(k, _)| k))
        .filter(|k| readme.contains(&format!("| `{k}` | `--")))
        .collect();
    assert!(keys.len() > 50, "the README's table: {keys:?}");
    for key in keys {
        let set = text
            .lines()
            .map(|l| l.trim_start_matches('#').trim_start())
            .any(|l| l.starts_with(&format!("{key} =")));
        assert!(set, "{key} is in the README but not in deploy/relay.toml");
    }
}

/// The configuration table's flag and variable of each key are the ones its single declaration
/// gives: `--` and the key with dashes, `COBROWSE_` and the key in capitals.
#[test]
fn the_readmes_flags_and_variables_follow_from_the_keys() {
    use clap::CommandFactory;
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    let command = Cli::command();
    let rows: Vec<Vec<&str>> = readme
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| l.split(" | ").map(|cell| cell.trim_matches('`')).collect())
        .filter(|cells: &Vec<&str>| cells.len() > 3 && cells[1].starts_with("--"))
        .collect();
    assert!(rows.len() > 50, "the README's table");
    for cells in rows {
        let key = cells[0].trim_start_matches("| `");
        assert_eq!(cells[1], format!("--{}", key.replace('_', "-")), "{key}");
        assert_eq!(
            cells[2],
            format!("COBROWSE_{}", key.to_uppercase()),
            "{key}"
        );
        assert!(
            command
                .get_arguments()
                .any(|a| a.get_long() == Some(&cells[1][2..])),
            "{key}: the relay has no {}",
            cells[1]
        );
    }
}

#[test]
fn the_systemd_units_exec_start_runs_the_relay() {
    let unit = std::fs::read_to_string(repo("deploy/systemd/cobrowse-relay.service")).unwrap();
    for hardening in [
        "DynamicUser=yes",
        "ProtectSystem=strict",
        "StateDirectory=cobrowse",
    ] {
        assert!(unit.lines().any(|l| l == hardening), "{hardening}");
    }
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("an ExecStart");
    let state = tempfile::tempdir().unwrap();
    // As systemd would run it, with this build's binary and the sample for /usr/local/bin and
    // /etc/cobrowse, and the state directory systemd would make.
    let words: Vec<String> = exec
        .split_whitespace()
        .map(|w| match w {
            "/usr/local/bin/cobrowse-relay" => env!("CARGO_BIN_EXE_cobrowse-relay").to_string(),
            "/etc/cobrowse/relay.toml" => repo("deploy/relay.toml").display().to_string(),
            "${STATE_DIRECTORY}" => state.path().display().to_string(),
            other => other.to_string(),
        })
        .collect();
    assert!(words[0].ends_with("cobrowse-relay"), "{exec}");
    let mut child = Command::new(&words[0])
        .args(&words[1..])
        // Port 8080 may be taken on a test machine: a free one instead.
        .env("COBROWSE_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut started = false;
    let mut line = String::new();
    while stdout.read_line(&mut line).unwrap() > 0 {
        if line.contains("Co-browse relay:") {
            started = true;
            break;
        }
        line.clear();
    }
    assert!(started, "the relay printed its URL");
    // SAFETY: signalling our own child by its pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    assert_eq!(child.wait().unwrap().code(), Some(0));
    assert!(
        state.path().join("cobrowse.sqlite3").exists(),
        "its history went to the state directory"
    );
}
