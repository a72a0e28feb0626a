//! A web server of its own origin for a built app (the Vite app's `dist`, say): the files of a
//! folder as they are, with the content types a browser needs (`application/wasm` for
//! streaming compilation). Bound first, so the relay can be told its origin before it serves.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::net::TcpListener;

pub struct StaticSite {
    /// `http://127.0.0.1:<port>`: the site's origin.
    pub url: String,
    listener: Option<TcpListener>,
}

impl StaticSite {
    pub async fn bind() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind site");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        Self {
            url,
            listener: Some(listener),
        }
    }

    /// Serves `root`'s files (`/` is `index.html`) until the test's runtime stops.
    pub fn serve(&mut self, root: PathBuf) {
        let listener = self.listener.take().expect("served once");
        let app = Router::new().fallback(file).with_state(Arc::new(root));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
    }
}

async fn file(State(root): State<Arc<PathBuf>>, req: Request) -> Response {
    let path = match req.uri().path() {
        "/" => "index.html",
        p => p.trim_start_matches('/'),
    };
    let rel = Path::new(path);
    if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let Ok(bytes) = tokio::fs::read(root.join(rel)).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let kind = match rel.extension().and_then(|e| e.to_str()).unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript",
        "css" => "text/css",
        "wasm" => "application/wasm",
        "json" => "application/json",
        _ => "application/octet-stream",
    };
    ([(header::CONTENT_TYPE, kind)], bytes).into_response()
}
