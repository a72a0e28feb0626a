//! Building the relay's shared state from its configuration: the public URL, the origins
//! allowed to start sessions, the agent tokens (or a development token when none is set),
//! the reporter, the store's writer and the limits; and what [`crate::run`] tells its caller.

use std::sync::Arc;

use crate::sessions::Registry;
use crate::state::{self, AppState, Shared};
use crate::store::SessionStore;
use crate::{
    auth, client_limits, cluster, jwt, limits, metrics, proxy, proxy_fetch, report_stream,
    reporting, roles, store, Config,
};

/// What [`crate::run`] tells the caller once it is listening.
#[derive(Debug, Clone)]
pub struct Started {
    pub relay_url: String,
    pub demo_url: Option<String>,
    /// The agent console URL, with the development token when one was made.
    pub agent_url: String,
    /// The admin listener's URL (`admin_listen`), when there is one.
    pub admin_url: Option<String>,
    pub dev_token: Option<String>,
}

/// Builds the shared state for a relay bound to `listener` (and the demo to `demo`).
pub fn build_state(
    config: Config,
    relay_addr: std::net::SocketAddr,
    demo_addr: Option<std::net::SocketAddr>,
    store: Arc<dyn SessionStore>,
    cluster: Option<Arc<cluster::Cluster>>,
    jwt: Option<Arc<jwt::JwtVerifier>>,
) -> (AppState, Started, Option<tokio::task::JoinHandle<()>>) {
    let scheme = if config.tls_cert.is_some() {
        "https"
    } else {
        "http"
    };
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("{scheme}://{relay_addr}{}", config.base_path))
        .trim_end_matches('/')
        .to_string();
    let demo_url = demo_addr.map(|a| format!("http://{a}"));
    let allowed_origins = config.allowed_origins.clone().unwrap_or_else(|| {
        let mut v: Vec<String> = demo_url.iter().cloned().collect();
        if let Some(a) = demo_addr.filter(|a| a.ip().is_loopback()) {
            v.push(format!("http://localhost:{}", a.port()));
        }
        v
    });
    let external_domains = config
        .allowed_external_domains
        .clone()
        .unwrap_or_else(|| proxy::hosts_of(&allowed_origins));
    let proxy = proxy_fetch::Fetcher::new(external_domains, config.proxy_concurrency);
    let no_tokens = config.static_tokens().all(|(_, _, t)| t.is_empty());
    let signed = config.agent_token_secret.is_some() || jwt.is_some();
    let (static_tokens, dev_token) = if no_tokens && !signed {
        // A supervisor, so the demo's console can also read the history and metrics.
        let token = format!("dev-{}", uuid::Uuid::new_v4().simple());
        let dev = (
            token.clone(),
            "dev-agent".to_string(),
            roles::Role::Supervisor,
        );
        (vec![dev], Some(token))
    } else {
        let tokens = config
            .static_tokens()
            .flat_map(|(_, role, tokens)| {
                tokens.iter().enumerate().map(move |(i, t)| {
                    // Ids `agent-1`, `supervisor-1`, `metrics-1`, ... in list order.
                    (t.clone(), format!("{role}-{}", i + 1), role)
                })
            })
            .collect();
        (tokens, None)
    };
    let agent_url = match &dev_token {
        Some(t) => format!("{public_url}/agent#token={t}"),
        None => format!("{public_url}/agent"),
    };
    let started = Started {
        relay_url: public_url.clone(),
        demo_url,
        agent_url,
        dev_token,
        admin_url: None,
    };
    let auth =
        auth::AgentAuth::new(static_tokens, config.agent_token_secret.as_deref()).with_jwt(jwt);
    let stream = config
        .report_stream
        .clone()
        .map(|stream| report_stream::StreamSink {
            redis_url: config.redis_url.clone(),
            stream,
            max_len: config.report_stream_max_len,
            marker_ttl: config.retention.history,
        });
    let (reporter, reporter_task) = reporting::Reporter::start(
        config.report_file.clone(),
        config.report_webhook.clone(),
        stream,
    );
    let metrics = metrics::Metrics::default();
    let writer = store::StoreWriter::start(
        store.clone(),
        config.store_queue,
        metrics.store_writer.clone(),
    );
    let node_id = config
        .node_id
        .clone()
        .unwrap_or_else(|| state::default_node_id(relay_addr.port()));
    let state = Arc::new(Shared {
        node_id,
        agent_joins: limits::RateLimiter::new(config.join_attempts_per_minute),
        code_joins: limits::RateLimiter::new(config.join_attempts_per_minute),
        limits: client_limits::ClientLimits::new(&config),
        config,
        public_url,
        allowed_origins,
        proxy,
        auth,
        registry: Registry::default(),
        metrics,
        reporter,
        writer,
        store,
        cluster,
        polls: Default::default(),
    });
    (state, started, reporter_task)
}
