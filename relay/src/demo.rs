//! The demo website, served on its own port (a different origin, as a real customer site is):
//! `www/demo` at `/`, and the fidelity fixtures of `www/fixtures` at `/fixtures/`. HTML pages
//! get the relay's URL put into their snippet; everything else is served as it is.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::error::HttpError;

/// Replaced in demo HTML by the relay's public URL.
pub const RELAY_URL_PLACEHOLDER: &str = "{{COBROWSE_URL}}";

struct Demo {
    dir: PathBuf,
    relay_url: String,
}

/// Serves `www_dir/demo` at `/` and `www_dir/fixtures` at `/fixtures/`.
pub fn app(www_dir: PathBuf, relay_url: String) -> Router {
    let fixtures = Arc::new(Demo {
        dir: www_dir.join("fixtures"),
        relay_url: relay_url.clone(),
    });
    let demo = Arc::new(Demo {
        dir: www_dir.join("demo"),
        relay_url,
    });
    Router::new()
        .nest(
            "/fixtures",
            Router::new().fallback(page).with_state(fixtures),
        )
        .fallback(page)
        .with_state(demo)
}

async fn page(State(demo): State<Arc<Demo>>, req: Request) -> Result<Response, HttpError> {
    let path = req.uri().path().to_string();
    let rel = if path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.clone()
    };
    let Some(file) = safe_join(&demo.dir, &rel) else {
        return Err(HttpError::NotFound(path));
    };
    if file.extension().is_some_and(|e| e == "html") {
        let html = tokio::fs::read_to_string(&file)
            .await
            .map_err(|_| HttpError::NotFound(path))?;
        let html = html.replace(RELAY_URL_PLACEHOLDER, &demo.relay_url);
        return Ok((
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            html,
        )
            .into_response());
    }
    ServeDir::new(&demo.dir)
        .oneshot(req)
        .await
        .map(IntoResponse::into_response)
        .map_err(|e| HttpError::Internal(e.to_string()))
}

/// `dir` joined with a URL path, or `None` if the path tries to leave `dir`.
fn safe_join(dir: &Path, url_path: &str) -> Option<PathBuf> {
    let rel = Path::new(url_path.trim_start_matches('/'));
    rel.components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then(|| dir.join(rel))
}

#[cfg(test)]
mod tests {
    use super::safe_join;
    use std::path::Path;

    #[test]
    fn paths_cannot_leave_the_demo_directory() {
        let d = Path::new("/srv/demo");
        assert_eq!(
            safe_join(d, "/account.html").unwrap(),
            Path::new("/srv/demo/account.html")
        );
        assert!(safe_join(d, "/../secret").is_none());
        assert!(safe_join(d, "/a/../../b").is_none());
    }
}
