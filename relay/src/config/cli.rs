//! The relay's command line: the subcommands, `--config`, and every option as a flag (declared
//! in `options`).

use std::path::PathBuf;

use clap::Parser;

use super::options::Options;
use crate::roles::Role;

/// What every flag's environment variable is; clap does not read them: `sources` does, so
/// that nested sections can be set the same way and the file < environment < flag order is
/// kept in one place.
const ENVIRONMENT_HELP: &str = "Every option is also read from the environment: \
    COBROWSE_<OPTION> in capitals (e.g. COBROWSE_LISTEN; lists comma-separated), and a key of \
    the file's sections as COBROWSE_<SECTION>__<KEY> (e.g. COBROWSE_WIDGET__POSITION=top-left, \
    COBROWSE_PRIVACY__MASK='[\".balance\"]'). A flag wins over the environment, which wins \
    over the file.";

/// The command line.
#[derive(Debug, Default, Parser)]
#[command(
    name = "cobrowse-relay",
    version,
    about = "Co-browse relay server",
    after_help = ENVIRONMENT_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// TOML configuration file.
    #[arg(long, env = "COBROWSE_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Every option as a flag (the same names as the file's keys, with dashes).
    #[command(flatten)]
    pub options: Options,
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
    /// Development only: run the relay and a local proxy that serves the site at URL with the
    /// co-browse snippet put into its pages, to try co-browsing on it without changing it.
    /// Prints the proxied URL and the console's. Both listen on loopback addresses only.
    Try {
        /// The site's page to open first (http:// or https://).
        url: String,
        /// Where the proxy listens (a loopback address).
        #[arg(long, default_value = "127.0.0.1:8090")]
        proxy_listen: std::net::SocketAddr,
    },
}
