//! Token authentication: static tokens from the configuration (one list per role), or
//! HMAC-signed tokens that carry their role, the agent id and an expiry
//! (`cbt2.<role>.<agent id>.<expiry unix seconds>.<hex HMAC-SHA256>`), so an agent desktop can
//! mint them without the relay keeping a list. The older `cbt1.<agent id>.<expiry>.<sig>` is
//! still accepted, as role `agent`: it never named a role, and `agent` is the least a holder of
//! it can need, so existing desktops keep working and gain no supervisor's reach.

use std::sync::OnceLock;

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub use crate::roles::Role;

const PREFIX_V1: &str = "cbt1";
const PREFIX: &str = "cbt2";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("the agent token is not valid")]
    Invalid,
    #[error("the agent token expired")]
    Expired,
}

/// Who a token stands for, what it may do, and until when (signed tokens only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub agent: String,
    pub role: Role,
    /// Unix seconds after which the token is refused; `None` for static tokens.
    pub expires_at: Option<u64>,
}

pub struct AgentAuth {
    /// (token, identity)
    static_tokens: Vec<(String, Identity)>,
    hmac_secret: Option<Vec<u8>>,
    jwt: Option<std::sync::Arc<crate::jwt::JwtVerifier>>,
}

impl AgentAuth {
    pub fn new(static_tokens: Vec<(String, String, Role)>, hmac_secret: Option<&str>) -> Self {
        let static_tokens = static_tokens
            .into_iter()
            .map(|(token, agent, role)| {
                let identity = Identity {
                    agent,
                    role,
                    expires_at: None,
                };
                (token, identity)
            })
            .collect();
        Self {
            static_tokens,
            hmac_secret: hmac_secret.map(|s| s.as_bytes().to_vec()),
            jwt: None,
        }
    }

    /// Also accepts the JSON Web Tokens `jwt` trusts.
    pub fn with_jwt(mut self, jwt: Option<std::sync::Arc<crate::jwt::JwtVerifier>>) -> Self {
        self.jwt = jwt;
        self
    }

    /// Who a token stands for, at `now` (Unix seconds).
    pub fn authenticate(&self, token: &str, now: u64) -> Result<Identity, AuthError> {
        // Every static token is compared, so the time taken does not say which one matched.
        let mut found = None;
        for (t, identity) in &self.static_tokens {
            if constant_time_eq(t.as_bytes(), token.as_bytes()) {
                found = Some(identity);
            }
        }
        if let Some(identity) = found {
            return Ok(identity.clone());
        }
        // A JWT: three base64url parts, the first a JSON header (`{"` is `eyJ`).
        if token.starts_with("eyJ") && token.matches('.').count() == 2 {
            let jwt = self.jwt.as_ref().ok_or(AuthError::Invalid)?;
            return jwt.verify(token, now);
        }
        let secret = self.hmac_secret.as_deref().ok_or(AuthError::Invalid)?;
        let (signed, signature) = token.rsplit_once('.').ok_or(AuthError::Invalid)?;
        if !constant_time_eq(signature.as_bytes(), sign(secret, signed).as_bytes()) {
            return Err(AuthError::Invalid);
        }
        let (head, expiry) = signed.rsplit_once('.').ok_or(AuthError::Invalid)?;
        let (role, agent) = if let Some(rest) = head.strip_prefix(PREFIX_V1) {
            (Role::Agent, rest.strip_prefix('.'))
        } else {
            let rest = head.strip_prefix(PREFIX).and_then(|r| r.strip_prefix('.'));
            let (role, agent) = rest
                .and_then(|r| r.split_once('.'))
                .ok_or(AuthError::Invalid)?;
            (role.parse().map_err(|_| AuthError::Invalid)?, Some(agent))
        };
        // `:` is the mark of another namespace (`jwt:<sub>`): no signed token names one.
        let agent = agent
            .filter(|a| !a.is_empty() && !a.contains(':'))
            .ok_or(AuthError::Invalid)?;
        let expiry: u64 = expiry.parse().map_err(|_| AuthError::Invalid)?;
        if expiry <= now {
            return Err(AuthError::Expired);
        }
        Ok(Identity {
            agent: agent.to_string(),
            role,
            expires_at: Some(expiry),
        })
    }
}

/// Mints a signed token for `agent` in `role`, valid until `expiry` (Unix seconds).
pub fn mint(secret: &str, role: Role, agent: &str, expiry: u64) -> String {
    let signed = format!("{PREFIX}.{role}.{agent}.{expiry}");
    let sig = sign(secret.as_bytes(), &signed);
    format!("{signed}.{sig}")
}

/// The hex HMAC-SHA256 of `signed`.
fn sign(secret: &[u8], signed: &str) -> String {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    m.update(signed.as_bytes());
    let sig = m.finalize().into_bytes();
    sig.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares secrets in time that depends on neither where they differ nor the length of the
/// right one: both are first hashed (HMAC-SHA256 under a key drawn at start, so nobody can aim
/// for a collision) into 32 bytes, and those are compared whole. Comparing the raw bytes would
/// stop at a length mismatch and tell a guesser the secret's length.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = (blind(a), blind(b));
    a.iter().zip(&b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn blind(secret: &[u8]) -> [u8; 32] {
    static KEY: OnceLock<[u8; 32]> = OnceLock::new();
    let key = KEY.get_or_init(rand::random);
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(secret);
    m.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "a-secret-of-at-least-32-characters!!";

    fn auth() -> AgentAuth {
        AgentAuth::new(
            vec![
                (
                    "static-token-0123456789".into(),
                    "agent-1".into(),
                    Role::Agent,
                ),
                (
                    "supervisor-token-0123456789".into(),
                    "sup-1".into(),
                    Role::Supervisor,
                ),
            ],
            Some(SECRET),
        )
    }

    fn static_identity(agent: &str, role: Role) -> Identity {
        Identity {
            agent: agent.into(),
            role,
            expires_at: None,
        }
    }

    #[test]
    fn static_tokens_name_their_agent_and_role() {
        let a = auth();
        assert_eq!(
            a.authenticate("static-token-0123456789", 0),
            Ok(static_identity("agent-1", Role::Agent))
        );
        assert_eq!(
            a.authenticate("supervisor-token-0123456789", 0),
            Ok(static_identity("sup-1", Role::Supervisor))
        );
        for near in ["static-token-012345678", "static-token-01234567890", ""] {
            assert_eq!(a.authenticate(near, 0), Err(AuthError::Invalid), "{near}");
        }
    }

    #[test]
    fn secrets_compare_equal_only_when_identical() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(constant_time_eq(b"", b""));
        for other in [&b"ab"[..], b"abcd", b"abd", b""] {
            assert!(!constant_time_eq(b"abc", other), "{other:?}");
        }
    }

    #[test]
    fn signed_tokens_carry_role_agent_and_expiry() {
        let token = mint(SECRET, Role::Metrics, "alice.smith", 1_000);
        let id = auth().authenticate(&token, 999).unwrap();
        assert_eq!((id.agent.as_str(), id.role), ("alice.smith", Role::Metrics));
        assert_eq!(id.expires_at, Some(1_000));
        assert_eq!(auth().authenticate(&token, 1_000), Err(AuthError::Expired));
        // No signed token speaks for another namespace's agent (a JWT's `jwt:<sub>`).
        let posing = mint(SECRET, Role::Agent, "jwt:ana", 1_000);
        assert_eq!(auth().authenticate(&posing, 999), Err(AuthError::Invalid));
    }

    #[test]
    fn version_1_tokens_are_agents() {
        let signed = "cbt1.alice.1000";
        let token = format!("{signed}.{}", sign(SECRET.as_bytes(), signed));
        let id = auth().authenticate(&token, 0).unwrap();
        assert_eq!((id.agent.as_str(), id.role), ("alice", Role::Agent));
    }

    #[test]
    fn tampered_or_foreign_tokens_are_refused() {
        let token = mint(SECRET, Role::Agent, "alice", 1_000);
        let longer = token.replace(".1000.", ".9999.");
        assert_eq!(auth().authenticate(&longer, 0), Err(AuthError::Invalid));
        let promoted = token.replace(".agent.", ".supervisor.");
        assert_eq!(auth().authenticate(&promoted, 0), Err(AuthError::Invalid));
        let other = mint(
            "another-secret-of-at-least-32-chars!",
            Role::Agent,
            "alice",
            1_000,
        );
        assert_eq!(auth().authenticate(&other, 0), Err(AuthError::Invalid));
        let unknown_role = "cbt2.root.alice.1000";
        let unknown_role = format!("{unknown_role}.{}", sign(SECRET.as_bytes(), unknown_role));
        let junk = [
            "",
            "cbt1",
            "cbt1.a.1.zz",
            "cbt1..1000.00",
            "x.y.z",
            &unknown_role,
        ];
        for junk in junk {
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
