//! The relay's HTTP routes: the loader script, its settings (`loader`) and the wasm bundles
//! (for the snippet, with CORS since customer sites are other origins), the agent console,
//! and the WebSockets.
//! The bundles and the console's files come from the binary or from disk (`crate::assets`).

use axum::extract::State;
use axum::http::{header, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use tower::Layer;
use tower_http::cors::CorsLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};
use tower_http::timeout::RequestBodyTimeoutLayer;

use crate::assets;
use crate::config::Config;
use crate::state::AppState;
use crate::ui_settings::ConsoleSettings;
use crate::ws;

mod loader;

pub use loader::loader_js;

/// The agent console's Content-Security-Policy. The view is an `about:blank` iframe that
/// inherits it, so on top of the sandbox (no `allow-scripts`) no script of the customer's page
/// could run there, no form could post and no plugin load. The page's images, styles, fonts
/// and media load from wherever the customer's page had them; frames only from the origins of
/// `allowed_third_party_domains` (see [`console_csp`]).
pub const CONSOLE_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src * 'unsafe-inline' data: blob:; img-src * data: blob:; font-src * data:; \
     media-src * data: blob:; connect-src 'self'; frame-src 'self' about: blob:; \
     object-src 'none'; base-uri 'self' http: https:; form-action 'none'; frame-ancestors 'self'";

/// [`CONSOLE_CSP`] with the third-party frames the view may load (`*`: any http(s) one) and
/// the agent desktops that may frame the console (`console_frame_ancestors`). The origins are
/// checked when the configuration loads: no spaces, no `;`.
pub fn console_csp(allowed_frames: &[String], frame_ancestors: &[String]) -> String {
    let extra: Vec<&str> = if allowed_frames.iter().any(|o| o == "*") {
        vec!["http:", "https:"]
    } else {
        allowed_frames
            .iter()
            .map(|o| o.trim_end_matches('/'))
            .collect()
    };
    let mut csp = CONSOLE_CSP.to_string();
    if !extra.is_empty() {
        csp = csp.replace(
            "frame-src 'self' about: blob:",
            &format!("frame-src 'self' about: blob: {}", extra.join(" ")),
        );
    }
    for origin in frame_ancestors {
        csp.push(' ');
        csp.push_str(origin.trim_end_matches('/'));
    }
    csp
}

/// The response header naming the node that answered (behind a load balancer, which one).
pub use shared_protocol::node_hint::NODE_HEADER;

/// The relay's own listener: what browsers need (the loader, assets, console, WebSockets, the
/// view's proxy), and the REST API, metrics and health unless `admin_listen` takes them.
pub fn app(state: AppState) -> Router {
    let config = &state.config;
    let admin_apart = config.admin_listen.is_some();
    let console = format!("{}/agent", config.base_path);
    let csp = HeaderValue::from_str(&console_csp(
        &config.allowed_third_party_domains,
        &config.console_frame_ancestors,
    ))
    .unwrap_or(HeaderValue::from_static(CONSOLE_CSP));
    let files = match assets::embedded(config) {
        true => embedded_files(csp),
        false => files_on_disk(config, csp),
    };
    Router::new()
        .route("/", get(move || async move { Redirect::to(&console) }))
        .route(
            "/cobrowse.js",
            get(loader::script).layer(CorsLayer::permissive()),
        )
        .route(
            "/cobrowse.json",
            get(loader::boot).layer(CorsLayer::permissive()),
        )
        .route("/console/settings.json", get(console_settings))
        .merge(files)
        .route("/ws/customer", get(ws::customer))
        .route("/ws/agent", get(ws::agent))
        // Customer pages call it from their own origin: CORS open, the origin checked at open.
        .merge(ws::polling_routes().layer(CorsLayer::permissive()))
        .merge(match admin_apart {
            true => Router::new(),
            false => crate::health::routes().merge(crate::api::routes()),
        })
        .merge(crate::proxy::routes())
        .layer(RequestBodyTimeoutLayer::new(crate::serve::BODY_LIMIT))
        .layer(axum::middleware::from_fn(crate::access_log::access_log))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static(NODE_HEADER),
            HeaderValue::from_str(&state.node_id).unwrap_or(HeaderValue::from_static("relay")),
        ))
        .with_state(state)
}

/// The admin listener (`admin_listen`): metrics without a token, the REST API, health.
pub fn admin_app(state: AppState) -> Router {
    Router::new()
        .merge(crate::health::routes())
        .merge(crate::api::admin_routes())
        .layer(RequestBodyTimeoutLayer::new(crate::serve::BODY_LIMIT))
        .layer(axum::middleware::from_fn(crate::access_log::access_log))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static(NODE_HEADER),
            HeaderValue::from_str(&state.node_id).unwrap_or(HeaderValue::from_static("relay")),
        ))
        .with_state(state)
}

/// `/assets/` (with CORS), the console's page `/agent` and its files under `/console/`, from
/// the binary.
fn embedded_files(csp: HeaderValue) -> Router<AppState> {
    Router::new()
        .route(
            "/assets/{*path}",
            get(assets::bundle).layer(CorsLayer::permissive()),
        )
        .route(
            "/agent",
            get(assets::console_page).layer(console_csp_layer(csp.clone())),
        )
        .route(
            "/console/{*path}",
            get(assets::console_file).layer(console_csp_layer(csp)),
        )
}

/// The same routes from `assets_dir` and `www_dir/agent`, read at each request.
fn files_on_disk(config: &Config, csp: HeaderValue) -> Router<AppState> {
    let bundles = Router::new()
        .fallback_service(ServeDir::new(assets::disk_dir(config)))
        .layer(CorsLayer::permissive());
    let agent_dir = config.www_dir.join("agent");
    Router::new()
        .nest_service("/assets", bundles)
        .route_service(
            "/agent",
            console_page(ServeFile::new(agent_dir.join("index.html")), csp.clone()),
        )
        .nest_service("/console", console_page(ServeDir::new(agent_dir), csp))
}

fn console_csp_layer(csp: HeaderValue) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, csp)
}

/// The console's files, served with its Content-Security-Policy `csp`.
fn console_page<S>(service: S, csp: HeaderValue) -> SetResponseHeader<S, HeaderValue> {
    SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, csp).layer(service)
}

/// The console's settings: write mode, theme, the languages and the texts of the one the
/// console asks for (`?locale=`; the best the relay has answers).
async fn console_settings(
    State(state): State<AppState>,
    axum::extract::Query(asked): axum::extract::Query<loader::LocaleQuery>,
) -> Response {
    let config = &state.config;
    let lang = config.locales.best(&asked.locale);
    let settings = ConsoleSettings {
        write_mode_allowed: config.write_mode_allowed,
        theme: config.theme,
        lang: lang.to_string(),
        languages: config.locales.tags(),
        texts: config.locales.texts(lang).console.without_english(),
        allowed_third_party_domains: config.allowed_third_party_domains.clone(),
        host_origins: config.console_frame_ancestors.clone(),
    };
    ([(header::CACHE_CONTROL, "no-cache")], Json(settings)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_view_may_frame_only_allowed_third_parties() {
        assert_eq!(console_csp(&[], &[]), CONSOLE_CSP);
        let some = console_csp(&["https://maps.example:8443/".into()], &[]);
        assert!(some.contains("frame-src 'self' about: blob: https://maps.example:8443;"));
        let any = console_csp(&["*".into()], &[]);
        assert!(any.contains("frame-src 'self' about: blob: http: https:;"));
        assert!(
            any.contains("script-src 'self' 'wasm-unsafe-eval';"),
            "scripts stay ours"
        );
    }

    #[test]
    fn agent_desktops_may_frame_the_console() {
        assert!(CONSOLE_CSP.ends_with("frame-ancestors 'self'"));
        let framed = console_csp(
            &[],
            &[
                "https://desk.example".into(),
                "https://crm.example:8443/".into(),
            ],
        );
        assert!(framed
            .ends_with("frame-ancestors 'self' https://desk.example https://crm.example:8443"));
    }
}
