//! The co-browse relay: routes end-to-end sealed frames between a customer and an agent, runs
//! the session lifecycle, authenticates agents, stores session records in SQLite and serves the
//! loader, the wasm bundles, the agent console and (optionally) the demo website.
//!
//! Everything lives behind [`run`] ([`assemble`] builds its shared state); the binary only
//! parses flags. Tests call [`run`] with listeners on port 0.

pub mod access_log;
pub mod api;
pub mod api_end;
pub mod assemble;
pub mod assets;
pub mod auth;
pub mod client_ip;
pub mod client_limits;
pub mod cluster;
pub mod config;
pub mod demo;
pub mod error;
pub mod health;
pub mod http;
pub mod jwt;
pub mod limits;
pub mod listeners;
pub mod live_sync;
pub mod locales;
pub mod membership;
pub mod metrics;
pub mod proxy;
pub mod proxy_fetch;
pub mod public_address;
pub mod report;
pub mod report_stream;
pub mod reporting;
pub mod restart;
pub mod roles;
pub mod serve;
pub mod sessions;
pub mod state;
pub mod store;
pub mod stored_text;
pub mod timers;
pub mod try_site;
pub mod ui_settings;
pub mod user_agent;
pub mod ws;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use shared_protocol::EndReason;
use tokio::net::TcpListener;

pub use assemble::{build_state, Started};
pub use config::{Cli, Config, ConfigError};
pub use http::app;
pub use state::{AppState, Shared};

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot open the session store: {0}")]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Cluster(#[from] cluster::ConnectError),
    #[error(transparent)]
    Tls(#[from] listeners::TlsError),
    #[error(transparent)]
    JwtKeys(#[from] jwt::JwtKeysError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// Applies the retention periods every `sweep_interval`.
async fn sweep_forever(state: AppState) {
    let mut tick = tokio::time::interval(state.config.sweep_interval);
    loop {
        tick.tick().await;
        let retention = state.config.retention;
        let span = tracing::info_span!("sweep");
        state.persist(&span, "sweep", move |store| {
            let swept = store.sweep(store::now_millis(), &retention)?;
            if swept != store::Swept::default() {
                tracing::info!(?swept, "retention sweep");
            }
            Ok(())
        });
    }
}

/// Runs the relay (and the demo site, when `demo` is given) until `shutdown` resolves; then
/// every live session ends with [`EndReason::Shutdown`] and both sides are told.
/// `on_started` is called once the listeners are ready.
pub async fn run(
    listener: TcpListener,
    demo: Option<TcpListener>,
    config: Config,
    on_started: impl FnOnce(&Started),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RunError> {
    let store = store::open(&config)?;
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(listeners::TlsFiles::load(cert, key)?),
        _ => None,
    };
    let admin = match config.admin_listen {
        Some(addr) => Some(
            TcpListener::bind(addr)
                .await
                .map_err(|source| RunError::Listen { addr, source })?,
        ),
        None => None,
    };
    let demo_addr = demo.as_ref().map(|d| d.local_addr()).transpose()?;
    let relay_addr = listener.local_addr()?;
    let (cluster, opened) = membership::join(&config, relay_addr.port()).await?;
    let jwt = config.jwt_verifier()?.map(Arc::new);
    let (state, mut started, reporter_task) =
        build_state(config, relay_addr, demo_addr, store, cluster, jwt.clone());
    if let Some(admin) = &admin {
        started.admin_url = Some(format!("http://{}", admin.local_addr()?));
    }
    // Listening for SIGHUP from here on, whatever is configured: its default action would end
    // the process, and `systemctl reload` sends it to every relay.
    let jwt_file = jwt.filter(|j| j.watches_a_file());
    let hangups = {
        use tokio::signal::unix::{signal, SignalKind};
        signal(SignalKind::hangup())?
    };
    let reloads = tokio::spawn(reload_on_hangup(tls.clone(), jwt_file, hangups));
    if state.cluster.is_none() {
        restart::restore(&state);
    }
    let sweeper = tokio::spawn(sweep_forever(state.clone()));
    if let Some(opened) = opened {
        tokio::spawn(ws::accept_forever(state.clone(), opened));
        tokio::spawn(membership::renew_forever(state.clone()));
    }
    let loader = assets::disk_dir(&state.config).join("master/master_wasm.js");
    if !assets::embedded(&state.config) && !loader.exists() {
        tracing::warn!(path = %loader.display(), "wasm bundles not found; build them with `make run`");
    }
    if state.allowed_origins.is_empty() {
        tracing::warn!("allowed_origins is empty: no customer can start a session");
    }

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let demo_task = demo.map(|listener| {
        let app = demo::app(state.config.www_dir.clone(), state.public_url.clone());
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let stopped = async move {
                let _ = stop.wait_for(|s| *s).await;
            };
            serve::serve_until(listener, app, stopped)
                .await
                .close()
                .await
        })
    });
    let admin_task = admin.map(|listener| {
        let app = http::admin_app(state.clone());
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let stopped = async move {
                let _ = stop.wait_for(|s| *s).await;
            };
            serve::serve_until(listener, app, stopped)
                .await
                .close()
                .await
        })
    });
    let sessions = state.clone();
    let state_for_shutdown = state.clone();
    let base_path = state.config.base_path.clone();
    let router = match base_path.as_str() {
        "" => app(state),
        prefix => {
            // `<prefix>/` as well as `<prefix>`: the address a reverse proxy usually forwards.
            let console = format!("{prefix}/agent");
            let to_console = move || async move { axum::response::Redirect::to(&console) };
            axum::Router::new()
                .route(&format!("{prefix}/"), axum::routing::get(to_console))
                .nest(prefix, app(state))
        }
    };
    on_started(&started);
    // Plain or TLS.
    let listener = listeners::PublicListener::new(listener, tls);
    // The peer address is where the per-client limits start (see `client_ip`).
    let open = serve::serve_until(listener, router, shutdown).await;
    // No connection is accepted from here on, so none can join or resume a session being saved.
    tracing::info!("shutting down");
    let _ = stop_tx.send(true);
    // With several nodes the sessions move to the others (below, once this node takes no
    // more connections); alone, they are saved for the next start and both sides retry.
    if sessions.cluster.is_none() {
        match restart::save(&sessions) {
            Ok(n) => tracing::info!(sessions = n, "sessions saved for the next start"),
            Err(e) => {
                tracing::error!(error = %e, "cannot save the live sessions; ending them");
                for s in sessions.registry.all() {
                    sessions.end(&s, EndReason::Shutdown);
                }
            }
        }
        // Let the send tasks deliver the close frames.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Upgraded WebSockets are not connections any more; sessions were ended above, or are
    // handed over now.
    open.close().await;
    membership::drain(&state_for_shutdown).await;
    // Every queued write (the shutdown ends included) reaches the database before we return.
    let writer_state = state_for_shutdown.clone();
    tokio::task::spawn_blocking(move || writer_state.writer.finish())
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    sweeper.abort();
    reloads.abort();
    // Reports of the sessions just ended go out before we stop (a stuck webhook gets 10 s).
    state_for_shutdown.reporter.close();
    if let Some(task) = reporter_task {
        let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
    }
    for task in [demo_task, admin_task].into_iter().flatten() {
        let _ = task.await;
    }
    Ok(())
}

/// Reads the TLS certificate and key and the JWT keys again on every `SIGHUP` (a renewed
/// certificate, a rotated key), keeping those in use when the files cannot be read.
async fn reload_on_hangup(
    tls: Option<Arc<listeners::TlsFiles>>,
    jwt: Option<Arc<jwt::JwtVerifier>>,
    mut hangups: tokio::signal::unix::Signal,
) {
    while hangups.recv().await.is_some() {
        if tls.is_none() && jwt.is_none() {
            tracing::info!("SIGHUP: no TLS files or JWT keys configured, nothing to read again");
        }
        if let Some(tls) = &tls {
            match tls.reload() {
                Ok(()) => tracing::info!("TLS certificate and key read again"),
                Err(e) => {
                    tracing::error!(error = %e, "TLS files unreadable; the certificate in use stays")
                }
            }
        }
        if let Some(jwt) = &jwt {
            match jwt.reload() {
                Ok(()) => tracing::info!("JWT keys read again"),
                Err(e) => tracing::error!(error = %e, "JWT keys unreadable; the keys in use stay"),
            }
        }
    }
}
