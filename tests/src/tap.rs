//! A recording TCP proxy placed between the agent's browser and the relay. Everything the relay
//! sends towards the agent (the console's files and every forwarded frame, unmasked as
//! server-to-client WebSocket frames are) is kept, so a test can prove what the relay saw of the
//! customer's page: nothing readable.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub struct Tap {
    pub addr: SocketAddr,
    recorded: Arc<Mutex<Vec<u8>>>,
    pipes: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Tap {
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind tap");
        let addr = listener.local_addr().expect("tap addr");
        let recorded = Arc::new(Mutex::new(Vec::new()));
        let pipes = Arc::new(Mutex::new(Vec::new()));
        let (rec, live) = (recorded.clone(), pipes.clone());
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    continue;
                };
                let handle = tokio::spawn(pipe(client, server, rec.clone()));
                live.lock().unwrap().push(handle);
            }
        });
        Self {
            addr,
            recorded,
            pipes,
            task,
        }
    }

    /// Drops every connection open through the tap, as a network failure would; new ones are
    /// still accepted.
    pub fn cut(&self) {
        for pipe in self.pipes.lock().unwrap().drain(..) {
            pipe.abort();
        }
    }

    /// Every byte the relay sent through the tap so far.
    pub fn recorded(&self) -> Vec<u8> {
        self.recorded.lock().unwrap().clone()
    }
}

impl Drop for Tap {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn pipe(client: TcpStream, server: TcpStream, recorded: Arc<Mutex<Vec<u8>>>) {
    let (mut client_rx, mut client_tx) = client.into_split();
    let (mut server_rx, mut server_tx) = server.into_split();
    let upstream = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut client_rx, &mut server_tx).await;
        let _ = server_tx.shutdown().await;
    });
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match server_rx.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                recorded.lock().unwrap().extend_from_slice(&buf[..n]);
                if client_tx.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        }
    }
    let _ = client_tx.shutdown().await;
    upstream.abort();
}
