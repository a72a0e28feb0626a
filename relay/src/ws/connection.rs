//! One connection's plumbing: the socket's buffers, and the send task that drains its bounded
//! queue into the socket (a WebSocket here, or the Redis bridge's stand-in for one).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use futures_util::stream::BoxStream;
use futures_util::{Sink, SinkExt, StreamExt};
use shared_protocol::MAX_FRAME_LEN;
use tokio::sync::{mpsc, Notify};
use tracing::Instrument;

use crate::sessions::{Outbox, Outgoing, QUEUE_LEN};

/// Buffers sized for many mostly idle connections. axum's defaults allocate (and zero) a
/// 128 KiB read buffer per socket (137 KiB per idle connection measured by `make bench`, R3;
/// 4 KiB: 10.5 KiB, 1 KiB: 7.6 KiB). Frames of any size still arrive whole, in more reads: a
/// 1 MB snapshot costs ~1,000 reads, a few ms, once per page.
///
/// No message may exceed the protocol's [`MAX_FRAME_LEN`]: a frame announcing more is refused
/// from its header, and a message in fragments as soon as it passes the limit, instead of
/// being buffered up to tungstenite's default of 64 MiB and refused only when decoded.
pub(super) fn sized(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_message_size(MAX_FRAME_LEN)
        .max_frame_size(MAX_FRAME_LEN)
}

const READ_BUFFER: usize = 1024;
/// Frames are written when this much is buffered, or at the flush after a burst.
const WRITE_BUFFER: usize = 16 * 1024;

/// The messages a connection reads: a WebSocket's, or (for a socket on another node) those
/// that node forwards through Redis.
pub(in crate::ws) type Incoming = BoxStream<'static, Result<Message, axum::Error>>;

/// The caller's side of a connection: its queue, its read half, and a signal that the queue
/// has drained below half after being fuller (time for a receiver that fell behind to catch up).
pub(in crate::ws) struct Connection {
    pub tx: Outbox,
    pub stream: Incoming,
    pub drained: Arc<Notify>,
    /// The send task: done once every queued frame is written and the queue's senders are gone.
    pub sent: tokio::task::JoinHandle<()>,
}

/// Splits the socket: a task writes queued frames; the caller keeps the read half.
pub(super) fn spawn_sender(socket: WebSocket) -> Connection {
    let (sink, stream) = socket.split();
    connection(sink, stream.boxed())
}

/// A connection writing to `sink` (by a send task) and reading `stream`.
pub(in crate::ws) fn connection<S>(sink: S, stream: Incoming) -> Connection
where
    S: Sink<Message> + Unpin + Send + 'static,
{
    let (tx, rx) = mpsc::channel(QUEUE_LEN);
    let drained = Arc::new(Notify::new());
    let sent = tokio::spawn(send_loop(sink, rx, drained.clone()).in_current_span());
    Connection {
        tx,
        stream,
        drained,
        sent,
    }
}

async fn send_loop<S>(mut sink: S, mut rx: mpsc::Receiver<Outgoing>, drained: Arc<Notify>)
where
    S: Sink<Message> + Unpin,
{
    let mut was_full = false;
    'outer: while let Some(mut out) = rx.recv().await {
        // Everything already queued goes out with one flush (one write under load, not one
        // per frame); a lone frame is flushed at once, so nothing waits.
        loop {
            // Signal once per time the queue went above half and came back down.
            if rx.len() > QUEUE_LEN / 2 {
                was_full = true;
            } else if std::mem::take(&mut was_full) {
                drained.notify_one();
            }
            match out {
                Outgoing::Frame(bytes) => {
                    if sink
                        .feed(Message::Binary(Bytes::from_owner(bytes)))
                        .await
                        .is_err()
                    {
                        break 'outer;
                    }
                }
                Outgoing::Close(closing) => {
                    let frame = CloseFrame {
                        code: closing.code,
                        reason: closing.reason.into(),
                    };
                    let _ = sink.send(Message::Close(Some(frame))).await;
                    break 'outer;
                }
            }
            match rx.try_recv() {
                Ok(next) => out = next,
                Err(_) => break,
            }
        }
        if sink.flush().await.is_err() {
            break;
        }
    }
    let _ = sink.close().await;
}
