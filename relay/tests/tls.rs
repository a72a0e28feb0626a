//! The relay's listener over TLS (`tls_cert`, `tls_key`): HTTPS and WSS with the configured
//! certificate, a new certificate read on `SIGHUP` without dropping a session; and the admin
//! listener (`admin_listen`) taking metrics, the REST API and health off the public one; the
//! listener's limits (handshakes per address, a deadline for a request's headers).

mod common;

use std::path::Path;
use std::sync::Arc;

use common::*;
use shared_protocol::*;
use test_servers::tls::self_signed_certificate;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

fn client_trusting(cert: &Path) -> reqwest::Client {
    let pem = std::fs::read(cert).unwrap();
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap()
}

/// Whether a new HTTPS connection to `r` gets `cert` (each test certificate trusts only itself).
async fn serves(r: &Relay, cert: &Path) -> bool {
    let url = format!("https://{}/cobrowse.js", r.addr);
    client_trusting(cert)
        .get(url)
        .send()
        .await
        .is_ok_and(|res| res.status() == 200)
}

/// A WebSocket over TLS to `path`, trusting `cert`.
async fn wss(r: &Relay, path: &str, cert: &Path) -> Ws {
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls_pki_types::CertificateDer::from_pem_file(cert).unwrap())
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let mut req = format!("wss://{}{path}", r.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert("Origin", ORIGIN.parse().unwrap());
    let connector = tokio_tungstenite::Connector::Rustls(Arc::new(config));
    tokio_tungstenite::connect_async_tls_with_config(req, None, false, Some(connector))
        .await
        .unwrap()
        .0
}

#[tokio::test]
async fn https_and_wss_carry_a_session_and_sighup_swaps_the_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (first, first_key) = self_signed_certificate(dir.path(), "first");
    let (second, second_key) = self_signed_certificate(dir.path(), "second");
    let (cert, key) = (dir.path().join("relay.pem"), dir.path().join("relay.key"));
    std::fs::copy(&first, &cert).unwrap();
    std::fs::copy(&first_key, &key).unwrap();
    let (c, k) = (cert.clone(), key.clone());
    let r = relay_configured(move |config| {
        config.tls_cert = Some(c);
        config.tls_key = Some(k);
    })
    .await;
    let started = r.started.clone().expect("started");
    assert!(started.relay_url.starts_with("https://"), "{started:?}");
    assert!(serves(&r, &first).await, "the configured certificate");
    assert!(!serves(&r, &second).await);
    let plain = reqwest::get(format!("http://{}/cobrowse.js", r.addr)).await;
    assert!(plain.is_err(), "no plain HTTP on a TLS listener");

    // A whole session over WSS.
    let customer = wss(&r, "/ws/customer", &first).await;
    let agent = wss(&r, "/ws/agent", &first).await;
    let (mut c, _, mut a, _, _) = create_and_join(customer, agent, None).await;
    send(&mut c, 1, CustomerMsg::Sealed(vec![1])).await;
    assert_eq!(msg(&mut a).await, RelayMsg::Sealed(vec![1]));

    // A renewed certificate: new connections get it, the session goes on.
    std::fs::copy(&second, &cert).unwrap();
    std::fs::copy(&second_key, &key).unwrap();
    // SAFETY: raising a signal in our own process; the relay above installed its handler.
    unsafe { libc::raise(libc::SIGHUP) };
    let mut swapped = false;
    for _ in 0..250 {
        if serves(&r, &second).await {
            swapped = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(swapped, "the new certificate is served after SIGHUP");
    assert!(!serves(&r, &first).await, "and the old one no more");
    send(&mut c, 2, CustomerMsg::Sealed(vec![2])).await;
    assert_eq!(
        msg(&mut a).await,
        RelayMsg::Sealed(vec![2]),
        "the open session was not dropped"
    );
    r.shut_down().await;
}

#[tokio::test]
async fn the_admin_listener_takes_metrics_the_api_and_health() {
    let r = relay_configured(|c| c.admin_listen = Some("127.0.0.1:0".parse().unwrap())).await;
    let admin = r.started.clone().unwrap().admin_url.expect("an admin URL");
    let get = |url: String, token: Option<&'static str>| async move {
        let mut req = reqwest::Client::new().get(url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap().status().as_u16()
    };
    // The public listener still serves what browsers need...
    assert_eq!(get(r.url("/cobrowse.js"), None).await, 200);
    // ...and nothing of the admin side, even with a token.
    for path in ["/metrics", "/api/v1/sessions", "/health", "/health/ready"] {
        assert_eq!(get(r.url(path), Some(SUPERVISOR)).await, 404, "{path}");
    }
    assert_eq!(get(format!("{admin}/metrics"), None).await, 200, "no token");
    assert_eq!(get(format!("{admin}/api/v1/sessions"), None).await, 401);
    assert_eq!(
        get(format!("{admin}/api/v1/sessions"), Some(SUPERVISOR)).await,
        200
    );
    assert_eq!(get(format!("{admin}/health/live"), None).await, 200);
    assert_eq!(get(format!("{admin}/health"), None).await, 200);
    r.shut_down().await;
}

#[tokio::test]
async fn one_address_cannot_take_every_handshake_slot() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed_certificate(dir.path(), "relay");
    let c = cert.clone();
    let r = relay_configured(move |config| {
        config.tls_cert = Some(c);
        config.tls_key = Some(key);
    })
    .await;
    assert!(serves(&r, &cert).await);
    // 32 connections that never say hello hold this address's handshake slots (the listener
    // takes connections in the order they came)...
    let mut silent = Vec::new();
    for _ in 0..32 {
        silent.push(tokio::net::TcpStream::connect(r.addr).await.unwrap());
    }
    assert!(
        !serves(&r, &cert).await,
        "a 33rd handshake from the same address is refused"
    );
    // ... until they go: then the address is served again.
    drop(silent);
    let mut served = false;
    for _ in 0..250 {
        if serves(&r, &cert).await {
            served = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(served, "the slots are free again");
    r.shut_down().await;
}

#[tokio::test]
async fn a_client_that_sends_no_request_is_dropped() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let r = relay().await;
    // One sends nothing at all, one half a request; both are closed by the header deadline
    // (`serve::HEADER_LIMIT`, and `BODY_LIMIT` for a body), where before they held their
    // descriptors for ever.
    let mut nothing = tokio::net::TcpStream::connect(r.addr).await.unwrap();
    let mut half = tokio::net::TcpStream::connect(r.addr).await.unwrap();
    half.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // A third sends its headers and then its body a byte now and then.
    let mut slow_body = tokio::net::TcpStream::connect(r.addr).await.unwrap();
    slow_body
        .write_all(b"POST /poll HTTP/1.1\r\nHost: x\r\nx-cobrowse-poll: 00\r\nContent-Length: 100000\r\n\r\nab")
        .await
        .unwrap();
    let wait = cobrowse_relay::serve::HEADER_LIMIT * 3;
    for stream in [&mut nothing, &mut half, &mut slow_body] {
        let mut rest = Vec::new();
        let read = tokio::time::timeout(wait, stream.read_to_end(&mut rest)).await;
        assert!(matches!(read, Ok(Ok(_))), "closed by the relay: {read:?}");
    }
    // A client that does send its request is answered on a connection opened alike.
    let mut whole = tokio::net::TcpStream::connect(r.addr).await.unwrap();
    whole
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    whole.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    r.shut_down().await;
}
