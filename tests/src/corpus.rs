//! The fidelity corpus: website templates and sites from npm, not written by us
//! (`tests/corpus/package.json`, pinned, installed by `scripts/setup.sh test`), served as their
//! teams would deploy them: as files from a web server of their own origin, with the co-browse
//! snippet put into each HTML page. [`PAGES`] lists the pages the fidelity test drives.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use cobrowse_relay::try_site::rewrite;
use tokio::net::TcpListener;

/// The corpus's pages: (package, path in it). Admin dashboards with charts and data tables,
/// landing pages with web and icon fonts, sticky headers and carousels, a blog, a slide deck,
/// and a component library's pages (navbar, dropdown, slider, sticky, off-canvas, table, form,
/// modal).
pub const PAGES: &[(&str, &str)] = &[
    ("startbootstrap-sb-admin-2", "index.html"),
    ("startbootstrap-sb-admin-2", "buttons.html"),
    ("startbootstrap-sb-admin-2", "cards.html"),
    ("startbootstrap-sb-admin-2", "charts.html"),
    ("startbootstrap-sb-admin-2", "tables.html"),
    ("startbootstrap-sb-admin-2", "login.html"),
    ("startbootstrap-sb-admin-2", "register.html"),
    ("startbootstrap-sb-admin-2", "utilities-color.html"),
    ("startbootstrap-sb-admin", "dist/index.html"),
    ("startbootstrap-sb-admin", "dist/charts.html"),
    ("startbootstrap-sb-admin", "dist/tables.html"),
    ("startbootstrap-sb-admin", "dist/login.html"),
    ("startbootstrap-clean-blog", "dist/index.html"),
    ("startbootstrap-clean-blog", "dist/about.html"),
    ("startbootstrap-clean-blog", "dist/post.html"),
    ("startbootstrap-clean-blog", "dist/contact.html"),
    ("startbootstrap-agency", "dist/index.html"),
    ("startbootstrap-landing-page", "dist/index.html"),
    ("startbootstrap-resume", "dist/index.html"),
    ("startbootstrap-freelancer", "dist/index.html"),
    ("startbootstrap-creative", "dist/index.html"),
    ("startbootstrap-grayscale", "dist/index.html"),
    ("reveal.js", "demo.html"),
    ("html5-boilerplate", "dist/index.html"),
    ("uikit", "tests/navbar.html"),
    ("uikit", "tests/dropdown.html"),
    ("uikit", "tests/slider.html"),
    ("uikit", "tests/sticky.html"),
    ("uikit", "tests/offcanvas.html"),
    ("uikit", "tests/table.html"),
    ("uikit", "tests/form.html"),
    ("uikit", "tests/modal.html"),
];

/// The corpus's web server (stops with the test's runtime).
pub struct CorpusSite {
    /// `http://127.0.0.1:<port>`: the site's origin; a page is at `{url}/{package}/{path}`.
    pub url: String,
    listener: Option<TcpListener>,
}

struct Served {
    root: PathBuf,
    snippet: String,
}

/// Where `npm install` put the corpus.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/node_modules")
}

impl CorpusSite {
    /// Takes the site's port, so the relay can be told its origin before it serves.
    pub async fn bind() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind corpus");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        Self {
            url,
            listener: Some(listener),
        }
    }

    /// Serves the corpus with the snippet of the relay at `relay_url` in its pages.
    pub fn serve(&mut self, relay_url: &str) {
        let root = root();
        assert!(
            root.join("uikit").is_dir(),
            "the corpus is not installed in {}: run `scripts/setup.sh test` (`make test` does)",
            root.display()
        );
        let served = Arc::new(Served {
            root,
            snippet: rewrite::snippet(relay_url),
        });
        let listener = self.listener.take().expect("served once");
        let app = Router::new().fallback(file).with_state(served);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
    }

    /// The address of `path` in `package`.
    pub fn page(&self, package: &str, path: &str) -> String {
        format!("{}/{package}/{path}", self.url)
    }
}

async fn file(State(served): State<Arc<Served>>, req: Request) -> Response {
    let path = req.uri().path();
    let rel = Path::new(path.trim_start_matches('/'));
    if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let file = served.root.join(rel);
    let Ok(bytes) = tokio::fs::read(&file).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let extension = file
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if extension == "html" {
        let html = String::from_utf8_lossy(&bytes);
        let html = rewrite::with_snippet(&html, &served.snippet);
        return ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    }
    ([(header::CONTENT_TYPE, content_type(&extension))], bytes).into_response()
}

fn content_type(extension: &str) -> &'static str {
    match extension {
        "css" => "text/css",
        "js" | "mjs" => "text/javascript",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "eot" => "application/vnd.ms-fontobject",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        _ => "application/octet-stream",
    }
}
