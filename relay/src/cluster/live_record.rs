//! One live session's record as Redis keeps it: what another node needs to take the session
//! over, its fields in text form, and the hashes that stand for the resume tokens.

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::store::Millis;

/// What another node needs to know about a live session (and a lone relay keeps across its
/// own restart, see `crate::restart`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LiveRecord {
    pub id: Uuid,
    pub routing: u32,
    pub owner: String,
    pub created_at: Millis,
    /// An agent has joined and is verified or verifying (`active`), or none yet (`waiting`).
    pub active: bool,
    pub agent: Option<String>,
    pub customer_token: [u8; 32],
    pub agent_token: Option<[u8; 32]>,
    pub verify_failures: u8,
    /// Raised by the owner with every write.
    pub version: u64,
    /// What the history keeps of the session's start, so a node can write its history record
    /// again after Redis lost it (see `membership::renew_forever`).
    pub origin: Origin,
    pub joined_at: Option<Millis>,
}

/// The customer's browser and first page as the history keeps them (already cut and masked).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Origin {
    pub user_agent: String,
    pub first_url: String,
    pub first_session: bool,
}

/// The SHA-256 of a resume token, as records keep it.
pub fn token_hash(token: &[u8; 16]) -> [u8; 32] {
    Sha256::digest(token).into()
}

impl LiveRecord {
    pub(super) fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("id", self.id.to_string()),
            ("owner", self.owner.clone()),
            ("created", self.created_at.to_string()),
            (
                "phase",
                if self.active { "active" } else { "waiting" }.into(),
            ),
            ("agent", self.agent.clone().unwrap_or_default()),
            ("ctok", hex(&self.customer_token)),
            (
                "atok",
                self.agent_token
                    .as_ref()
                    .map(|t| hex(t))
                    .unwrap_or_default(),
            ),
            ("vfail", self.verify_failures.to_string()),
            ("ua", self.origin.user_agent.clone()),
            ("url", self.origin.first_url.clone()),
            ("first", (self.origin.first_session as u8).to_string()),
            (
                "joined",
                self.joined_at.map(|t| t.to_string()).unwrap_or_default(),
            ),
            ("ver", self.version.to_string()),
        ]
    }

    pub(super) fn parse(routing: u32, map: &HashMap<String, String>) -> Option<Self> {
        let get = |k: &str| map.get(k).map(String::as_str);
        Some(Self {
            id: Uuid::parse_str(get("id")?).ok()?,
            routing,
            owner: get("owner")?.to_string(),
            created_at: get("created")?.parse().ok()?,
            active: get("phase")? == "active",
            agent: get("agent").filter(|a| !a.is_empty()).map(str::to_string),
            customer_token: unhex(get("ctok")?)?,
            agent_token: get("atok").filter(|t| !t.is_empty()).and_then(unhex),
            verify_failures: get("vfail")?.parse().ok()?,
            version: get("ver")?.parse().ok()?,
            origin: Origin {
                user_agent: get("ua").unwrap_or_default().to_string(),
                first_url: get("url").unwrap_or_default().to_string(),
                first_session: get("first") == Some("1"),
            },
            joined_at: get("joined").and_then(|t| t.parse().ok()),
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if text.len() != 64 {
        return None;
    }
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_hashes_survive_the_text_form() {
        let h = token_hash(&[7; 16]);
        assert_eq!(unhex(&hex(&h)), Some(h));
        assert_eq!(unhex("zz"), None);
    }
}
