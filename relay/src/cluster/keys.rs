//! The Redis keys of the cluster's live state, in one place. Braces are Redis Cluster hash
//! tags: everything about one session (or one node's inbox) lives in one slot, so the scripts
//! that change it run on one shard; the few cross-session indexes are single keys.

/// A node's heartbeat: present while it runs, `draining` while it stops.
pub fn node(id: &str) -> String {
    format!("cb:node:{{{id}}}")
}

/// The stream of frames and control entries other nodes send this node.
pub fn inbox(id: &str) -> String {
    format!("cb:inbox:{{{id}}}")
}

/// A live session's record, by routing code: its claim on the code, its owner, its phase, its
/// agent and the hashes of its resume tokens.
pub fn live(routing: u32) -> String {
    format!("cb:live:{{{routing}}}")
}

/// Every live session's routing code, scored by creation time (the cluster-wide list).
pub const LIVE_INDEX: &str = "cb:live-index";

/// A fixed one-minute window of attempts for a rate limit, e.g. `join-agent` and an agent id.
pub fn rate(kind: &str, key: &str, minute: u64) -> String {
    format!("cb:rate:{kind}:{{{key}}}:{minute}")
}

/// The routing codes of the sessions an agent joined (checked against their records on read).
pub fn agent(id: &str) -> String {
    format!("cb:agent:{{{id}}}")
}
