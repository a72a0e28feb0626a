//! The relay's public listener: plain TCP, or TLS (HTTPS and WSS) when `tls_cert` and
//! `tls_key` are set. The certificate is read again on [`TlsFiles::reload`] (the relay calls it
//! on `SIGHUP`): new connections get the new one, open ones keep theirs, so a renewed
//! certificate drops no session. A file that cannot be read keeps the certificate in use.
//!
//! TLS handshakes run beside the accept loop (a slow or silent client cannot hold others up)
//! and are bounded in time, in number, and in number per client address (one address cannot
//! take every handshake slot).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

/// A client taking longer than this to finish its handshake is dropped.
const HANDSHAKE_LIMIT: Duration = Duration::from_secs(5);
/// Handshakes under way at most; more connections wait in the kernel's backlog, so a flood of
/// silent connects costs bounded memory.
const HANDSHAKES_AT_ONCE: usize = 1024;
/// Handshakes under way from one address at most (a whole office behind one NAT finishes its
/// handshakes in milliseconds); a connection over it is closed at once.
const HANDSHAKES_PER_ADDRESS: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the certificate {path}: {message}")]
    Certificate { path: PathBuf, message: String },
    #[error("cannot read the private key {path}: {message}")]
    Key { path: PathBuf, message: String },
    #[error("the certificate and the key do not go together: {0}")]
    Mismatch(String),
}

/// The certificate and key files, and the TLS configuration made from them last.
pub struct TlsFiles {
    cert: PathBuf,
    key: PathBuf,
    acceptor: RwLock<TlsAcceptor>,
}

impl TlsFiles {
    /// Reads both files; an error names the file and what is wrong with it.
    pub fn load(cert: &Path, key: &Path) -> Result<Arc<Self>, TlsError> {
        Ok(Arc::new(Self {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            acceptor: RwLock::new(acceptor(cert, key)?),
        }))
    }

    /// Reads the files again; on error the certificate in use stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let fresh = acceptor(&self.cert, &self.key)?;
        *self.acceptor.write().unwrap_or_else(|p| p.into_inner()) = fresh;
        Ok(())
    }

    fn current(&self) -> TlsAcceptor {
        self.acceptor
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

fn acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor, TlsError> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect())
        .map_err(|e| TlsError::Certificate {
            path: cert.into(),
            message: e.to_string(),
        })?;
    if chain.is_empty() {
        return Err(TlsError::Certificate {
            path: cert.into(),
            message: "no certificate in it".into(),
        });
    }
    let private = PrivateKeyDer::from_pem_file(key).map_err(|e| TlsError::Key {
        path: key.into(),
        message: e.to_string(),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Mismatch(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(|e| TlsError::Mismatch(e.to_string()))?;
    // HTTP/1.1 only: browsers open WebSockets over it (HTTP/2 would need extended CONNECT).
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// A connection as the server reads it, plain or TLS.
pub trait Connection: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Connection for T {}

/// A connection ready for HTTP, and its peer.
type Accepted = (Box<dyn Connection>, SocketAddr);

/// The public listener, for [`crate::serve::serve_until`].
pub struct PublicListener {
    tcp: TcpListener,
    tls: Option<Arc<TlsFiles>>,
    handshakes: JoinSet<(IpAddr, Option<Accepted>)>,
    /// Handshakes under way per client address.
    shaking: HashMap<IpAddr, usize>,
}

impl PublicListener {
    pub fn new(tcp: TcpListener, tls: Option<Arc<TlsFiles>>) -> Self {
        Self {
            tcp,
            tls,
            handshakes: JoinSet::new(),
            shaking: HashMap::new(),
        }
    }
}

async fn accept_tcp(tcp: &TcpListener) -> (TcpStream, SocketAddr) {
    loop {
        match tcp.accept().await {
            Ok((stream, peer)) => {
                // Frames are small and latency-bound: Nagle's algorithm with the peer's
                // delayed ACKs held some back by up to ~40 ms (`make bench`, R1).
                let _ = stream.set_nodelay(true);
                return (stream, peer);
            }
            // Out of descriptors, say: wait instead of spinning.
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

impl axum::serve::Listener for PublicListener {
    type Io = Box<dyn Connection>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let Some(tls) = self.tls.clone() else {
            let (stream, peer) = accept_tcp(&self.tcp).await;
            return (Box::new(stream), peer);
        };
        loop {
            let room = self.handshakes.len() < HANDSHAKES_AT_ONCE;
            tokio::select! {
                (stream, peer) = accept_tcp(&self.tcp), if room => {
                    // By the address the limits count (an IPv6 /64, not each of its addresses).
                    let key = crate::client_ip::ClientIp(peer.ip()).limit_key();
                    let from = self.shaking.entry(key).or_default();
                    if *from >= HANDSHAKES_PER_ADDRESS {
                        tracing::debug!(%peer, "too many TLS handshakes from this address");
                        continue;
                    }
                    *from += 1;
                    let acceptor = tls.current();
                    self.handshakes.spawn(async move {
                        let shake = tokio::time::timeout(HANDSHAKE_LIMIT, acceptor.accept(stream));
                        let done = match shake.await {
                            Ok(Ok(stream)) => Some((Box::new(stream) as Box<dyn Connection>, peer)),
                            Ok(Err(e)) => {
                                tracing::debug!(%peer, error = %e, "TLS handshake failed");
                                None
                            }
                            Err(_) => None,
                        };
                        (key, done)
                    });
                }
                Some(done) = self.handshakes.join_next(), if !self.handshakes.is_empty() => {
                    // A handshake task never panics; were one to, its address keeps a slot.
                    let Ok((ip, done)) = done else { continue };
                    if let Some(from) = self.shaking.get_mut(&ip) {
                        *from -= 1;
                        if *from == 0 {
                            self.shaking.remove(&ip);
                        }
                    }
                    if let Some(ready) = done {
                        return ready;
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.tcp.local_addr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use test_servers::tls::self_signed_certificate;

    fn config_of(files: &TlsFiles) -> Arc<ServerConfig> {
        files.current().config().clone()
    }

    #[test]
    fn unreadable_files_are_named_and_the_certificate_in_use_stays() {
        let dir = tempfile::tempdir().unwrap();
        let (first, first_key) = self_signed_certificate(dir.path(), "first");
        let (_, other_key) = self_signed_certificate(dir.path(), "other");
        let (cert, key) = (dir.path().join("relay.pem"), dir.path().join("relay.key"));
        std::fs::copy(&first, &cert).unwrap();
        std::fs::copy(&first_key, &key).unwrap();
        let files = TlsFiles::load(&cert, &key).unwrap();
        let in_use = config_of(&files);
        files.reload().unwrap();
        assert!(!Arc::ptr_eq(&in_use, &config_of(&files)), "read again");
        let in_use = config_of(&files);

        std::fs::write(&cert, "not a certificate").unwrap();
        let e = files.reload().unwrap_err();
        assert!(matches!(e, TlsError::Certificate { .. }), "{e}");
        assert!(e.to_string().contains("relay.pem"), "{e}");
        std::fs::copy(&first, &cert).unwrap();
        std::fs::copy(&other_key, &key).unwrap();
        let e = files.reload().unwrap_err();
        assert!(matches!(e, TlsError::Mismatch(_)), "{e}");
        std::fs::remove_file(&key).unwrap();
        let e = files.reload().unwrap_err();
        assert!(e.to_string().contains("relay.key"), "{e}");
        assert!(Arc::ptr_eq(&in_use, &config_of(&files)), "kept");
        assert!(
            TlsFiles::load(&cert, &key).is_err(),
            "a start fails instead"
        );
    }
}
