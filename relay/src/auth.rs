//! Agent authentication: static tokens from the configuration, or HMAC-signed tokens that carry
//! the agent id and an expiry (`cbt1.<agent id>.<expiry unix seconds>.<hex HMAC-SHA256>`), so an
//! agent desktop can mint them without the relay keeping a list.

use hmac::{Hmac, Mac};
use sha2::Sha256;

const PREFIX: &str = "cbt1";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("the agent token is not valid")]
    Invalid,
    #[error("the agent token expired")]
    Expired,
}

pub struct AgentAuth {
    /// (token, agent id)
    static_tokens: Vec<(String, String)>,
    hmac_secret: Option<Vec<u8>>,
}

impl AgentAuth {
    pub fn new(static_tokens: Vec<(String, String)>, hmac_secret: Option<&str>) -> Self {
        Self {
            static_tokens,
            hmac_secret: hmac_secret.map(|s| s.as_bytes().to_vec()),
        }
    }

    /// The agent id a token stands for, at `now` (Unix seconds).
    pub fn authenticate(&self, token: &str, now: u64) -> Result<String, AuthError> {
        if let Some((_, id)) = self
            .static_tokens
            .iter()
            .find(|(t, _)| constant_time_eq(t.as_bytes(), token.as_bytes()))
        {
            return Ok(id.clone());
        }
        let secret = self.hmac_secret.as_deref().ok_or(AuthError::Invalid)?;
        let (signed, signature) = token.rsplit_once('.').ok_or(AuthError::Invalid)?;
        let signature = decode_hex(signature).ok_or(AuthError::Invalid)?;
        mac(secret, signed)
            .verify_slice(&signature)
            .map_err(|_| AuthError::Invalid)?;
        let (head, expiry) = signed.rsplit_once('.').ok_or(AuthError::Invalid)?;
        let agent = head
            .strip_prefix(PREFIX)
            .and_then(|r| r.strip_prefix('.'))
            .filter(|a| !a.is_empty())
            .ok_or(AuthError::Invalid)?;
        let expiry: u64 = expiry.parse().map_err(|_| AuthError::Invalid)?;
        if expiry <= now {
            return Err(AuthError::Expired);
        }
        Ok(agent.to_string())
    }
}

/// Mints a signed token for `agent` valid until `expiry` (Unix seconds).
pub fn mint(secret: &str, agent: &str, expiry: u64) -> String {
    let signed = format!("{PREFIX}.{agent}.{expiry}");
    let sig = mac(secret.as_bytes(), &signed).finalize().into_bytes();
    let hex: String = sig.iter().map(|b| format!("{b:02x}")).collect();
    format!("{signed}.{hex}")
}

fn mac(secret: &[u8], signed: &str) -> Hmac<Sha256> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    m.update(signed.as_bytes());
    m
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Compares secrets without stopping at the first differing byte.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "a-secret-of-at-least-32-characters!!";

    fn auth() -> AgentAuth {
        AgentAuth::new(
            vec![("static-token-0123456789".into(), "agent-1".into())],
            Some(SECRET),
        )
    }

    #[test]
    fn static_tokens_name_their_agent() {
        assert_eq!(
            auth().authenticate("static-token-0123456789", 0).unwrap(),
            "agent-1"
        );
        assert_eq!(
            auth().authenticate("static-token-012345678", 0),
            Err(AuthError::Invalid)
        );
    }

    #[test]
    fn signed_tokens_carry_agent_and_expiry() {
        let token = mint(SECRET, "alice.smith", 1_000);
        assert_eq!(auth().authenticate(&token, 999).unwrap(), "alice.smith");
        assert_eq!(auth().authenticate(&token, 1_000), Err(AuthError::Expired));
    }

    #[test]
    fn tampered_or_foreign_tokens_are_refused() {
        let token = mint(SECRET, "alice", 1_000);
        let longer = token.replace(".1000.", ".9999.");
        assert_eq!(auth().authenticate(&longer, 0), Err(AuthError::Invalid));
        let other = mint("another-secret-of-at-least-32-chars!", "alice", 1_000);
        assert_eq!(auth().authenticate(&other, 0), Err(AuthError::Invalid));
        for junk in ["", "cbt1", "cbt1.a.1.zz", "cbt1..1000.00", "x.y.z"] {
            assert_eq!(
                auth().authenticate(junk, 0),
                Err(AuthError::Invalid),
                "{junk}"
            );
        }
        let no_secret = AgentAuth::new(vec![], None);
        assert_eq!(no_secret.authenticate(&token, 0), Err(AuthError::Invalid));
    }
}
