//! `cobrowse-relay`: parses flags, binds the listeners, prints the URLs and runs the relay.

use clap::Parser;
use cobrowse_relay::config::{Command, LogFormat};
use cobrowse_relay::try_site::{self, TrySite};
use cobrowse_relay::{auth, run, Cli, Config};
use tokio::net::TcpListener;

/// Info, but the Redis client's own reconnect attempts only when they fail for good: a dead
/// Redis node would otherwise log a warning a second until it is removed from the cluster
/// (the relay says itself when Redis is unreachable and when it is back).
const DEFAULT_LOG: &str = "info,redis=error";

#[tokio::main]
async fn main() {
    // `systemctl reload` may come while the relay is still starting: SIGHUP's default action
    // would end it. Held for the whole run (`run` reads its own for the reloads).
    let _early_hangups = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup());
    if let Err(e) = serve(Cli::parse()).await {
        eprintln!("cobrowse-relay: {e}");
        std::process::exit(1);
    }
}

/// Logs to stderr, filtered by `COBROWSE_LOG`, as text or JSON lines (`log_format`).
fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("COBROWSE_LOG")
        .unwrap_or_else(|_| DEFAULT_LOG.into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.init(),
        // Each line carries its span's fields as `span`: the session's id, routing code and
        // node. (The span list would miss them: it follows the entered span, and the relay
        // names a session's span as the event's parent instead.)
        LogFormat::Json => logs
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
}

async fn serve(mut cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let command = cli.command.take();
    let mut config = Config::load(cli)?;
    if let Some(Command::CheckConfig) = command {
        // The files it names, read as a start would read them.
        if let (Some(cert), Some(key)) = (&config.tls_cert, &config.tls_key) {
            cobrowse_relay::listeners::TlsFiles::load(cert, key)?;
        }
        config.jwt_verifier()?;
        println!("{:#?}", config.redacted());
        println!("configuration ok");
        return Ok(());
    }
    init_logs(config.log_format);
    if let Some(Command::Token {
        agent,
        role,
        valid_for,
    }) = command
    {
        let secret = config
            .agent_token_secret
            .as_deref()
            .ok_or("`token` needs agent_token_secret in the configuration")?;
        // `:` marks another namespace (`jwt:<sub>`): the relay would refuse such a token.
        if agent.is_empty() || agent.contains(':') {
            return Err("`token --agent`: an agent id is not empty and has no `:`".into());
        }
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
        println!(
            "{}",
            auth::mint(secret, role, &agent, now.as_secs() + valid_for)
        );
        return Ok(());
    }
    let bind = |addr| async move {
        TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))
    };
    // `try`: the proxy's listener first, so that its origin can be allowed.
    let try_site = match command {
        Some(Command::Try { url, proxy_listen }) => {
            let (site, first_path) = try_site::parse_site(&url)?;
            try_site::check_loopback(config.listen)?;
            try_site::check_loopback(proxy_listen)?;
            let proxy = bind(proxy_listen).await?;
            let origin = format!("http://{}", proxy.local_addr()?);
            config
                .allowed_origins
                .get_or_insert_with(Vec::new)
                .push(origin.clone());
            Some((proxy, site, origin, first_path))
        }
        _ => None,
    };
    let listener = bind(config.listen).await?;
    let demo = match config.demo_listen {
        Some(addr) => Some(bind(addr).await?),
        None => None,
    };
    // Ctrl-C, or SIGTERM from a service manager or an orchestrator's rolling restart. Both are
    // taken over now, before the relay says it is listening: a stop sent right after would
    // otherwise meet the default action and kill the process mid-start.
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let shutdown = async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    };
    run(
        listener,
        demo,
        config,
        |s| {
            println!();
            println!("  Co-browse relay:   {}", s.relay_url);
            if let Some(demo) = &s.demo_url {
                println!("  Demo website:      {demo}/   (the customer's side)");
            }
            println!("  Agent console:     {}", s.agent_url);
            if let Some(admin) = &s.admin_url {
                println!("  Admin (metrics, API, health): {admin}");
            }
            if let Some((proxy, site, origin, first_path)) = try_site {
                match TrySite::new(&site, &origin, &s.relay_url) {
                    Ok(t) => {
                        tokio::spawn(async move { axum::serve(proxy, t.router()).await });
                        println!("  Your site, with co-browse: {origin}{first_path}   (proxying {site})");
                    }
                    Err(e) => eprintln!("cobrowse-relay try: {e}"),
                }
            }
            if s.dev_token.is_some() {
                println!("                     (development supervisor token; set agent_tokens for real use)");
            }
            println!();
        },
        shutdown,
    )
    .await?;
    Ok(())
}
