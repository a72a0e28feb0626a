//! The agent's HTTP long-polling connection to the relay, for when a proxy refuses the
//! WebSocket: `POST <relay>/poll/agent` opens it (the relay answers an id, sent back in the
//! `x-cobrowse-poll` header), `GET /poll` waits for records down while `POST /poll` carries the
//! frames queued meanwhile up, one request each way at a time (so both stay in order), and
//! `DELETE /poll` closes once the session let the connection go. Records are
//! [`shared_protocol::poll_records`]. The connection lives on the relay node that opened it:
//! the later requests carry that node's name (its `x-cobrowse-node` answer) as the `?node=`
//! hint a load balancer routes on. While it is open, a WebSocket is tried every
//! [`PROBE_WEBSOCKET_EVERY_MS`]; when one opens, the connection closes itself with
//! [`CLOSE_WEBSOCKET_AVAILABLE`] and the session resumes over a WebSocket.

use futures::channel::mpsc;
use futures::future::{select, Either};
use futures::StreamExt;
use shared_protocol::node_hint;
use shared_protocol::poll_records::{decode_records, encode_records, Record};
use shared_protocol::transport::{
    self, Attempt, CLOSE_WEBSOCKET_AVAILABLE, PROBE_WEBSOCKET_EVERY_MS,
};
use shared_web::fetch::{poll_request, Answer};
use web_sys::AbortController;
use yew::Callback;

use crate::connection::{opened, relay_event, websocket_opens, ConnEvent, Urls, ABNORMAL};

/// Serves one polling connection until it closes; its close code.
pub(crate) async fn run(
    urls: &Urls,
    first: &[u8],
    rx: &mut mpsc::UnboundedReceiver<Vec<u8>>,
    on_event: &Callback<ConnEvent>,
    attempt: &mut Attempt,
) -> u16 {
    let Ok(abort) = AbortController::new() else {
        return ABNORMAL;
    };
    let opening = poll_request(
        "POST",
        &urls.poll_open,
        None,
        None,
        Some(&abort.signal()),
        false,
    )
    .await;
    let (id, url) = match opening {
        Ok(Answer {
            status: 200,
            body,
            header: node,
        }) => (
            String::from_utf8_lossy(&body).trim().to_string(),
            node_hint::url_with_node(&urls.poll, node.as_deref()),
        ),
        _ => return ABNORMAL,
    };
    let url = &url;
    opened(attempt, on_event);
    let up = async {
        let mut frames = vec![first.to_vec()];
        loop {
            let body = encode_records(&frames.drain(..).map(Record::Message).collect::<Vec<_>>());
            if !matches!(
                poll_request("POST", url, Some(&id), Some(&body), None, false).await,
                Ok(Answer {
                    status: 200..=299,
                    ..
                })
            ) {
                return ABNORMAL;
            }
            // What came meanwhile goes in one body.
            match rx.next().await {
                Some(frame) => frames.push(frame),
                None => break,
            }
            while let Ok(frame) = rx.try_recv() {
                frames.push(frame);
            }
        }
        // The session let the connection go.
        let _ = poll_request("DELETE", url, Some(&id), None, None, false).await;
        1000
    };
    let down = async {
        loop {
            let body = match poll_request("GET", url, Some(&id), None, Some(&abort.signal()), false)
                .await
            {
                Ok(Answer {
                    status: 200, body, ..
                }) => body,
                Ok(Answer { status: 204, .. }) => continue,
                _ => return ABNORMAL,
            };
            let records = match decode_records(&body) {
                Ok(records) => records,
                Err(e) => {
                    on_event.emit(ConnEvent::BadFrame(e.to_string()));
                    return ABNORMAL;
                }
            };
            for record in records {
                match record {
                    Record::Message(bytes) => on_event.emit(relay_event(&bytes)),
                    Record::Close { code, .. } => return transport::from_relay(code),
                }
            }
        }
    };
    let probe = async {
        loop {
            gloo_timers::future::TimeoutFuture::new(PROBE_WEBSOCKET_EVERY_MS).await;
            if websocket_opens(&urls.websocket).await {
                return CLOSE_WEBSOCKET_AVAILABLE;
            }
        }
    };
    let down_or_probe = async {
        match select(Box::pin(down), Box::pin(probe)).await {
            Either::Left((code, _)) | Either::Right((code, _)) => code,
        }
    };
    let code = match select(Box::pin(up), Box::pin(down_or_probe)).await {
        Either::Left((code, _)) | Either::Right((code, _)) => code,
    };
    // After a switch no `DELETE`: the resume over the WebSocket takes this connection's place
    // and the relay closes it then (a `DELETE` first would show the customer the agent gone
    // for a moment). Frames still queued here are resent after that resume.
    abort.abort();
    code
}
