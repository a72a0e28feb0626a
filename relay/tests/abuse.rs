//! What an anonymous client on the internet can make the relay do, against the real relay on
//! port 0 with real WebSocket clients: session creation per client IP and in all, sockets per
//! client IP, sockets that never start a session, oversized frames, and who the client is
//! behind a proxy.

mod common;

use std::time::Duration;

use common::*;
use shared_protocol::*;
use tokio::io::AsyncWriteExt;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::MaybeTlsStream;

/// A customer socket whose upgrade request carries `forwarded_for` as `X-Forwarded-For`.
async fn customer_claiming(r: &Relay, forwarded_for: &str) -> Ws {
    let mut req = format!("ws://{}/ws/customer", r.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert("Origin", ORIGIN.parse().unwrap());
    req.headers_mut()
        .insert("X-Forwarded-For", forwarded_for.parse().unwrap());
    connect_async(req).await.unwrap().0
}

async fn create(c: &mut Ws) -> RelayMsg {
    send(
        c,
        0,
        CustomerMsg::Create {
            page: page(),
            user_agent: String::new(),
            first_session: true,
        },
    )
    .await;
    msg(c).await
}

async fn created(c: &mut Ws) {
    let answer = create(c).await;
    assert!(matches!(answer, RelayMsg::Created { .. }), "{answer:?}");
}

/// The creation is refused with `RateLimited` and a policy close.
async fn refused_creation(c: &mut Ws) {
    let answer = create(c).await;
    let RelayMsg::Error { code, message } = answer else {
        panic!("expected a refusal, got {answer:?}")
    };
    assert_eq!(code, ErrorCode::RateLimited, "{message}");
    assert!(message.contains("try again"), "{message}");
    assert_eq!(next(c).await.unwrap_err().0, CloseCode::Policy);
}

#[tokio::test]
async fn session_creation_is_limited_per_client_ip() {
    let r = relay_configured(|c| c.sessions_per_ip_per_minute = 3).await;
    let mut kept = Vec::new();
    for _ in 0..3 {
        let mut c = customer(&r).await;
        created(&mut c).await;
        kept.push(c);
    }
    refused_creation(&mut customer(&r).await).await;
}

#[tokio::test]
async fn session_creation_is_limited_in_all_per_second() {
    let r = relay_configured(|c| {
        c.sessions_per_ip_per_minute = 0;
        c.sessions_per_second = 2;
    })
    .await;
    let (mut c1, mut c2) = (customer(&r).await, customer(&r).await);
    created(&mut c1).await;
    created(&mut c2).await;
    refused_creation(&mut customer(&r).await).await;
}

#[tokio::test]
async fn a_spoofed_forwarded_for_from_an_untrusted_peer_does_not_escape_the_per_ip_limit() {
    let r = relay_configured(|c| c.sessions_per_ip_per_minute = 2).await;
    let mut kept = Vec::new();
    for claimed in ["203.0.113.1", "203.0.113.2"] {
        let mut c = customer_claiming(&r, claimed).await;
        created(&mut c).await;
        kept.push(c);
    }
    refused_creation(&mut customer_claiming(&r, "203.0.113.3").await).await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let r = relay_configured(|c| {
        c.sessions_per_ip_per_minute = 2;
        c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    let mut kept = Vec::new();
    for _ in 0..2 {
        let mut c = customer_claiming(&r, "203.0.113.1").await;
        created(&mut c).await;
        kept.push(c);
    }
    // The client wrote the left-most address itself; the proxy appended the real one.
    refused_creation(&mut customer_claiming(&r, "198.51.100.7, 203.0.113.1").await).await;
    let mut other = customer_claiming(&r, "203.0.113.2").await;
    created(&mut other).await;
}

#[tokio::test]
async fn websockets_per_client_ip_are_capped_and_freed_when_closed() {
    let r = relay_configured(|c| c.connections_per_ip = 3).await;
    let (mut c1, _c2) = (customer(&r).await, customer(&r).await);
    let _a = agent(&r).await;
    let mut req = format!("ws://{}/ws/customer", r.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert("Origin", ORIGIN.parse().unwrap());
    let err = connect_async(req).await.unwrap_err().to_string();
    assert!(err.contains("429"), "{err}");
    let err = connect_async(format!("ws://{}/ws/agent", r.addr))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("429"), "agents count too: {err}");
    // A closed socket gives its place back.
    c1.close(None).await.unwrap();
    let mut reopened = None;
    for _ in 0..250 {
        if let Ok((ws, _)) = connect_async(format!("ws://{}/ws/agent", r.addr)).await {
            reopened = Some(ws);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(reopened.is_some(), "a freed place is usable again");
}

#[tokio::test]
async fn a_socket_that_starts_no_session_in_time_is_closed() {
    let r = relay_configured(|c| c.handshake_timeout = Duration::from_millis(300)).await;
    let mut c = customer(&r).await;
    // Heartbeats do not keep a socket without a session open.
    send(&mut c, 0, CustomerMsg::Heartbeat { last_received: 0 }).await;
    let mut a = agent(&r).await;
    send(&mut a, 0, AgentMsg::Heartbeat { last_received: 0 }).await;
    for ws in [&mut c, &mut a] {
        let RelayMsg::Error { code, message } = msg(ws).await else {
            panic!("an error first")
        };
        assert_eq!(code, ErrorCode::NotInSession);
        assert!(message.contains("in time"), "{message}");
        assert_eq!(next(ws).await.unwrap_err().0, CloseCode::Policy);
    }
    // A socket that did start one stays open past the deadline.
    let (mut c, mut a, _) = joined(&r).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    send(&mut c, 1, CustomerMsg::Sealed(vec![1])).await;
    assert_eq!(msg(&mut a).await, RelayMsg::Sealed(vec![1]));
}

/// The header of a client frame (masked with a zero key, so the payload goes as it is).
fn frame_header(fin: bool, opcode: u8, len: usize) -> Vec<u8> {
    let mut header = vec![if fin { 0x80 } else { 0 } | opcode, 0x80 | 127];
    header.extend_from_slice(&(len as u64).to_be_bytes());
    header.extend_from_slice(&[0; 4]);
    header
}

async fn write_raw(ws: &mut Ws, bytes: &[u8]) {
    let MaybeTlsStream::Plain(tcp) = ws.get_mut() else {
        panic!("plain TCP")
    };
    tcp.write_all(bytes).await.unwrap();
}

/// The relay says why and closes with 1009 (message too big).
async fn refused_as_too_big(c: &mut Ws) {
    let RelayMsg::Error { code, message } = msg(c).await else {
        panic!("an error first")
    };
    assert_eq!(code, ErrorCode::BadFrame);
    assert!(message.contains(&MAX_FRAME_LEN.to_string()), "{message}");
    let (close, reason) = next(c).await.unwrap_err();
    assert_eq!(close, CloseCode::Size, "{reason}");
    assert_eq!(reason, message);
}

#[tokio::test]
async fn a_frame_over_the_protocol_limit_is_refused_with_a_reason_before_its_body_is_read() {
    let r = relay().await;
    let mut c = customer(&r).await;
    // Only the header of a binary frame one byte over the limit: a relay that waited for the
    // body would never answer.
    write_raw(&mut c, &frame_header(true, 2, MAX_FRAME_LEN + 1)).await;
    refused_as_too_big(&mut c).await;
}

#[tokio::test]
async fn a_message_growing_past_the_limit_in_fragments_is_refused_at_once() {
    let r = relay().await;
    let mut c = customer(&r).await;
    // A first fragment just under the limit, then a continuation that passes it; the message
    // is not finished, so a relay buffering up to a larger limit would still be waiting.
    let first = MAX_FRAME_LEN - 10;
    let mut bytes = frame_header(false, 2, first);
    bytes.resize(bytes.len() + first, 0);
    bytes.extend_from_slice(&frame_header(false, 0, 100));
    bytes.resize(bytes.len() + 100, 0);
    write_raw(&mut c, &bytes).await;
    refused_as_too_big(&mut c).await;
}
