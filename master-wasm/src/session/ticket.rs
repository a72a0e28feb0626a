//! What makes this browser a member of its session, as the relay and the next page load know
//! it: the relay's address and node, the code (routing part and secret), the session id and
//! the resume token. A page load of the tab continues from what [`Ticket::save`] kept.

use shared_protocol::key_guard::KeyGuard;
use shared_protocol::{JoinCode, Resume};

use crate::persist::Saved;

pub struct Ticket {
    relay_url: String,
    code: Option<JoinCode>,
    session_id: [u8; 16],
    resume_token: Option<[u8; 16]>,
    /// The relay node that runs the session (`RelayMsg::Node`): next connections ask for it.
    node: Option<String>,
}

impl Ticket {
    pub fn new(relay_url: &str) -> Self {
        Self {
            relay_url: relay_url.to_string(),
            code: None,
            session_id: [0; 16],
            resume_token: None,
            node: None,
        }
    }

    /// The session of an earlier page of this tab (whose guard the caller takes).
    pub fn continued(&mut self, saved: &Saved) {
        self.code = Some(saved.code);
        self.session_id = saved.session_id;
        self.resume_token = Some(saved.resume_token);
        self.node = saved.node.clone();
    }

    /// The relay created our session.
    pub fn created(&mut self, code: JoinCode, session_id: [u8; 16], resume_token: [u8; 16]) {
        self.code = Some(code);
        self.session_id = session_id;
        self.resume_token = Some(resume_token);
    }

    /// Out of the session (the node is kept: the relay's next session likely runs there too).
    pub fn clear(&mut self) {
        self.code = None;
        self.resume_token = None;
    }

    pub fn relay_url(&self) -> &str {
        &self.relay_url
    }

    pub fn code(&self) -> Option<JoinCode> {
        self.code
    }

    pub fn session_id(&self) -> [u8; 16] {
        self.session_id
    }

    /// The relay knows this browser's session: a dropped connection resumes it.
    pub fn resumable(&self) -> bool {
        self.resume_token.is_some()
    }

    /// The message that takes our session back on a new connection, once there is one.
    pub fn resume(&self, last_received: u64, reloaded: bool) -> Option<Resume> {
        let (code, resume_token) = (self.code?, self.resume_token?);
        Some(Resume {
            routing: code.routing,
            resume_token,
            last_received,
            reloaded,
        })
    }

    pub fn node(&self) -> Option<&str> {
        self.node.as_deref()
    }

    /// The relay named the node running the session; false when the name is not one.
    pub fn set_node(&mut self, node: String) -> bool {
        let valid = shared_protocol::node_hint::is_node_name(&node);
        if valid {
            self.node = Some(node);
        }
        valid
    }

    /// Keeps what a page load of this tab needs to continue the session.
    pub fn save(&self, guard: &KeyGuard, write_consent: Option<[u8; 16]>) {
        if let (Some(code), Some(resume_token)) = (self.code, self.resume_token) {
            Saved {
                relay_url: self.relay_url.clone(),
                code,
                session_id: self.session_id,
                resume_token,
                guard: guard.clone(),
                write_consent,
                node: self.node.clone(),
            }
            .store();
        }
    }
}
