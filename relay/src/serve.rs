//! Serving HTTP/1.1 on the relay's listeners (public, admin, demo), with two things
//! `axum::serve` does not do:
//!
//! - a deadline for a request's headers ([`HEADER_LIMIT`]): a client that connects (or finishes
//!   its TLS handshake) and then sends nothing, or sends its headers a byte at a time, does not
//!   hold a descriptor for ever ([`BODY_LIMIT`], a layer of the apps, does the same for
//!   bodies);
//! - a stop in two steps: when its signal fires, [`serve_until`] stops accepting and tells
//!   every connection to take no further request, and hands back the [`Open`] ones, which
//!   [`Open::close`] then waits for (requests under way finish). Whatever the caller does in
//!   between (the relay saves its sessions there) cannot be raced by a client that connects,
//!   or sends another request, meanwhile.
//!
//! Upgraded connections (WebSockets) leave hyper when they upgrade; their sessions close them.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::serve::Listener;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::sync::watch;
use tower::ServiceExt;

/// A client has this long to send a request's headers once it is connected (or idle between
/// two requests on a kept-alive connection).
pub const HEADER_LIMIT: Duration = Duration::from_secs(10);
/// ... and this long to send a request's body (a layer of the apps: hyper bounds only the
/// headers). A body sent a byte now and then would hold the connection for ever.
pub const BODY_LIMIT: Duration = Duration::from_secs(10);
/// How long a stop waits for requests under way (a long poll answers within 25 s); a client
/// that reads its answer slowly cannot hold the stop, and what follows it, any longer.
pub const CLOSE_LIMIT: Duration = Duration::from_secs(30);

/// The connections a stopped [`serve_until`] leaves open.
#[must_use = "the connections stay open until `close` is awaited"]
pub struct Open {
    stop: watch::Sender<bool>,
    /// Held by every connection task: when all are gone, `stop.closed()` resolves.
    held: watch::Receiver<bool>,
}

impl Open {
    /// Waits for every connection to finish its request under way and close, at most
    /// [`CLOSE_LIMIT`] (the rest are dropped with the process).
    pub async fn close(self) {
        let Self { stop, held } = self;
        drop(held);
        if tokio::time::timeout(CLOSE_LIMIT, stop.closed())
            .await
            .is_err()
        {
            tracing::warn!("connections still open after {CLOSE_LIMIT:?}; stopping without them");
        }
    }
}

/// Serves `router` on `listener` until `until` resolves, then stops accepting (the listener is
/// dropped) and returns the connections still open. The handlers see the peer as
/// `ConnectInfo<SocketAddr>`, as with `into_make_service_with_connect_info`.
pub async fn serve_until<L>(
    mut listener: L,
    router: Router,
    until: impl Future<Output = ()>,
) -> Open
where
    L: Listener<Addr = SocketAddr>,
{
    let (stop, held) = watch::channel(false);
    tokio::pin!(until);
    loop {
        let (io, peer) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut until => break,
        };
        let service =
            router
                .clone()
                .map_request(move |mut request: axum::http::Request<Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    request
                });
        let mut stopping = held.clone();
        tokio::spawn(async move {
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(HEADER_LIMIT);
            let connection = http
                .serve_connection(TokioIo::new(io), TowerToHyperService::new(service))
                .with_upgrades();
            tokio::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        tracing::trace!(%peer, error = %e, "connection ended");
                    }
                    return;
                }
                _ = stopping.wait_for(|stop| *stop) => connection.as_mut().graceful_shutdown(),
            }
            if let Err(e) = connection.await {
                tracing::trace!(%peer, error = %e, "connection ended while stopping");
            }
            // `stopping` drops here: one fewer connection to wait for.
        });
    }
    // Connections kept alive take no new request from here on either (each finishes the one
    // under way), so nothing reaches the relay while the caller saves its sessions.
    let _ = stop.send(true);
    Open { stop, held }
}
