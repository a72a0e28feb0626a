//! Where the Redis store keeps what. A session's own keys carry its id as a hash tag
//! (`{…}`), so in a Redis Cluster they share one slot and one Lua script may touch them all
//! at once. The indexes that span sessions are sorted sets, each a key of its own:
//!
//! | key | type | holds |
//! |---|---|---|
//! | `NS:session:{ID}` | hash | the [`SessionRecord`](crate::store::SessionRecord) |
//! | `NS:pages:{ID}` | list | page visits, oldest first (JSON) |
//! | `NS:segments:{ID}` | list | mode segments, oldest first (JSON) |
//! | `NS:reported:{ID}` | string | set once the report went to the report stream |
//! | `NS:by-created` | sorted set | session ids by creation time (recent, history) |
//! | `NS:by-agent:AGENT` | sorted set | the sessions AGENT joined, by creation time |
//! | `NS:open` | sorted set | sessions not ended yet, by creation time (closing stale ones) |
//! | `NS:ended` | sorted set | ended sessions by end time (history retention) |
//! | `NS:page-visits` | sorted set | `ID:INDEX` of every page visit, by start (page retention) |

use uuid::Uuid;

/// The default namespace (`NS` above), beside the cluster's keys (`cb:live:…`, `cb:inbox:…`, see
/// `crate::cluster`); tests use their own, so they can share one Redis.
pub const DEFAULT_NAMESPACE: &str = "cb";

#[derive(Debug, Clone)]
pub(crate) struct Keys {
    ns: String,
}

/// The keys of one session, all in one cluster slot.
pub(crate) struct SessionKeys {
    pub record: String,
    pub pages: String,
    pub segments: String,
}

impl Keys {
    pub fn new(namespace: &str) -> Self {
        Self {
            ns: namespace.to_string(),
        }
    }

    pub fn session(&self, id: Uuid) -> SessionKeys {
        SessionKeys {
            record: format!("{}:session:{{{id}}}", self.ns),
            pages: format!("{}:pages:{{{id}}}", self.ns),
            segments: format!("{}:segments:{{{id}}}", self.ns),
        }
    }

    /// Set by the report stream's sink ([`crate::report_stream`]) before it adds the session's
    /// report, so the report goes to the stream once however many nodes end the session.
    pub fn reported(&self, id: Uuid) -> String {
        format!("{}:reported:{{{id}}}", self.ns)
    }

    pub fn by_created(&self) -> String {
        format!("{}:by-created", self.ns)
    }

    pub fn by_agent(&self, agent: &str) -> String {
        format!("{}:by-agent:{agent}", self.ns)
    }

    pub fn open(&self) -> String {
        format!("{}:open", self.ns)
    }

    pub fn ended(&self) -> String {
        format!("{}:ended", self.ns)
    }

    pub fn page_visits(&self) -> String {
        format!("{}:page-visits", self.ns)
    }
}

/// The member of `NS:page-visits` for visit `index` of session `id`.
pub(super) fn page_member(id: Uuid, index: u32) -> String {
    format!("{id}:{index}")
}

/// The session a `NS:page-visits` member belongs to.
pub(super) fn page_member_session(member: &str) -> Option<Uuid> {
    Uuid::parse_str(member.split(':').next()?).ok()
}
