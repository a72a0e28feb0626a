//! The one state struct shared by every handler: resolved configuration, live sessions and the
//! store.

use std::sync::Arc;

use shared_protocol::page_address;
use shared_protocol::privacy::{Effective, PrivacyRules};
use shared_protocol::{EndReason, PageInfo};

use crate::auth::{AgentAuth, AuthError, Identity};
use crate::client_limits::ClientLimits;
use crate::config::{origin_matches, Config};
use crate::limits::RateLimiter;
use crate::metrics::{bump, Metrics};
use crate::reporting::Reporter;
use crate::sessions::{Registry, Session};
use crate::store::{now_millis, SessionStore, StoreError, StoreWriter};
use crate::stored_text;

pub type AppState = Arc<Shared>;

pub struct Shared {
    pub config: Config,
    /// This node's name (`node_id`, or host name:port): in logs, metrics, `/health` and the
    /// `X-Cobrowse-Node` header of every response, so an operator sees which node answered.
    pub node_id: String,
    /// The URL browsers use to reach the relay, without a trailing slash.
    pub public_url: String,
    /// Origins customers may connect from (patterns).
    pub allowed_origins: Vec<String>,
    /// The CSS and font proxy's upstream side (`allowed_external_domains`, its limits).
    pub proxy: crate::proxy_fetch::Fetcher,
    pub auth: AgentAuth,
    /// Join attempts per agent id and per routing code.
    pub agent_joins: RateLimiter,
    pub code_joins: RateLimiter,
    /// What anonymous clients may cost: sockets, sessions, page visits and mode changes.
    pub limits: ClientLimits,
    pub registry: Registry,
    pub metrics: Metrics,
    pub reporter: Reporter,
    pub store: Arc<dyn SessionStore>,
    pub writer: StoreWriter,
    /// With `redis_url`: this node's part in the cluster; `None` for a single node.
    pub cluster: Option<Arc<crate::cluster::Cluster>>,
    /// Connections over HTTP long polling open on this node.
    pub polls: crate::ws::Polls,
}

impl Shared {
    /// Queues a store write (applied in order, off the async runtime); failures are logged,
    /// never fatal to a session. `f` may run again (a store that could not be reached is
    /// retried), so it must be idempotent.
    pub fn persist(
        &self,
        span: &tracing::Span,
        what: &'static str,
        f: impl Fn(&dyn SessionStore) -> Result<(), StoreError> + Send + 'static,
    ) {
        self.writer.write(span, what, f);
    }

    /// Ends a session (once) and records why.
    pub fn end(&self, session: &Arc<Session>, reason: EndReason) {
        self.end_at(session, reason, now_millis());
    }

    /// [`Shared::end`], recorded as ended `at` (a session that ended while the relay was down
    /// ended when it stopped, not when it started again).
    pub fn end_at(&self, session: &Arc<Session>, reason: EndReason, at: crate::store::Millis) {
        // Another node carries it on: its end is that node's to record.
        if session.handed_over() {
            return;
        }
        if self.registry.end(session, reason) {
            tracing::info!(parent: &session.span, reason = reason.as_str(), "session ended");
            self.release(session);
            bump(&self.metrics.sessions_ended, 1);
            if !session.was_joined() {
                bump(&self.metrics.sessions_never_joined, 1);
            }
            let id = session.id;
            let reports = self.reporter.sender();
            // Taken before the write: one retried after a Redis outage still says when it ended.
            self.persist(&session.span, "session end", move |s| {
                s.mark_ended(id, at, reason)?;
                // Built after the end is stored, so the report is complete; sent once, as a
                // retried write only gets here when it succeeds.
                if let Some(tx) = &reports {
                    if let Some(report) = crate::report::build(s, id)? {
                        let _ = tx.send(report);
                    }
                }
                Ok(())
            });
        }
    }

    /// Who a presented token stands for.
    pub fn authenticate(&self, token: &str) -> Result<Identity, AuthError> {
        self.auth.authenticate(token, unix_now())
    }

    /// A page URL as the history keeps it: never its fragment (tokens travel there), its query
    /// string only if configured, capped in length.
    /// A page's URL and title as the history keeps them: under the relay's own privacy rules
    /// for that URL (query values and a private page's title masked; the customer's module
    /// masks them too, but the first visit comes with `Create`, before it has these rules),
    /// then without the fragment, the query unless `keep_query_strings`, and capped.
    pub fn stored_page(&self, page: &PageInfo) -> (String, String) {
        let rules = Effective::merge(
            &self.config.privacy_for_customers(),
            &PrivacyRules::default(),
            &page.url,
        );
        let url = page_address::url_for_relay(&page.url, &rules);
        let title = page_address::title(&page.title, rules.private_by_default);
        (
            stored_text::url(&url, self.config.keep_query_strings),
            stored_text::title(&title),
        )
    }

    pub fn origin_allowed(&self, origin: Option<&str>) -> bool {
        let Some(origin) = origin else { return false };
        self.allowed_origins
            .iter()
            .any(|pattern| origin_matches(pattern, origin))
    }
}

/// Unix seconds, the clock signed tokens expire by.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The node's name when `node_id` is not set: the host name and the listening port, so that two
/// nodes on one machine differ.
pub fn default_node_id(port: u16) -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "relay".into());
    format!("{host}:{port}")
}
