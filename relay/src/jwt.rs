//! Agents signed in by an identity provider or the agent desktop: JSON Web Tokens, checked
//! with `jsonwebtoken`. `HS256` with a shared secret (`jwt_secret`), or `RS256`/`ES256` with
//! public keys (`jwt_keys`: a PEM file of one or more public keys, or a JWKS file), which are
//! read again on `SIGHUP` (a key rotation). Claims: `sub` (the agent id is `jwt:<sub>`), `exp`
//! (required), `role` (`agent`, `supervisor` or `metrics`; absent means `agent`, the least),
//! and `iss` / `aud` when `jwt_issuer` / `jwt_audience` are set (required with `jwt_keys`).
//!
//! The algorithm comes from the configuration, never from the token: a token whose header
//! names another (`none`, or `HS256` made with a public key as its secret) is refused.

use std::path::{Path, PathBuf};
use std::sync::RwLock;

use jsonwebtoken::jwk::{Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::auth::{AuthError, Identity};
use crate::roles::Role;

/// What JWT agent ids start with: an identity provider's `sub` names its own user, and must
/// not take over the sessions, history or reports of a static or `cbt2` agent of that name.
pub const JWT_AGENT_PREFIX: &str = "jwt:";

/// Clock difference tolerated on `exp`, in seconds.
const LEEWAY_SECS: u64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum JwtKeysError {
    #[error("cannot read the JWT keys {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("the JWT keys {path} hold no usable key: {message}")]
    NoKey { path: PathBuf, message: String },
}

/// A public key with the algorithm it verifies and its `kid`, if it has one.
struct PublicKey {
    algorithm: Algorithm,
    kid: Option<String>,
    key: DecodingKey,
}

pub struct JwtVerifier {
    secret: Option<DecodingKey>,
    keys_file: Option<PathBuf>,
    keys: RwLock<Vec<PublicKey>>,
    issuer: Option<String>,
    audience: Option<String>,
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    exp: u64,
    #[serde(default)]
    role: Option<String>,
}

impl JwtVerifier {
    pub fn new(
        secret: Option<&str>,
        keys_file: Option<&Path>,
        issuer: Option<String>,
        audience: Option<String>,
    ) -> Result<Self, JwtKeysError> {
        let keys = match keys_file {
            Some(path) => read_keys(path)?,
            None => Vec::new(),
        };
        Ok(Self {
            secret: secret.map(|s| DecodingKey::from_secret(s.as_bytes())),
            keys_file: keys_file.map(Path::to_path_buf),
            keys: RwLock::new(keys),
            issuer,
            audience,
        })
    }

    /// Reads `jwt_keys` again; on error the keys in use stay.
    pub fn reload(&self) -> Result<(), JwtKeysError> {
        if let Some(path) = &self.keys_file {
            let fresh = read_keys(path)?;
            *self.keys.write().unwrap_or_else(|p| p.into_inner()) = fresh;
        }
        Ok(())
    }

    pub fn watches_a_file(&self) -> bool {
        self.keys_file.is_some()
    }

    /// Who `token` stands for, if it is a JWT this relay trusts (at `now`, Unix seconds).
    pub fn verify(&self, token: &str, now: u64) -> Result<Identity, AuthError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthError::Invalid)?;
        let claims = match header.alg {
            Algorithm::HS256 => {
                let secret = self.secret.as_ref().ok_or(AuthError::Invalid)?;
                self.decode(token, secret, Algorithm::HS256)?
            }
            Algorithm::RS256 | Algorithm::ES256 => {
                let keys = self.keys.read().unwrap_or_else(|p| p.into_inner());
                let candidates = keys.iter().filter(|k| {
                    k.algorithm == header.alg
                        && (header.kid.is_none() || k.kid.is_none() || k.kid == header.kid)
                });
                let mut outcome = Err(AuthError::Invalid);
                for key in candidates {
                    outcome = self.decode(token, &key.key, header.alg);
                    if !matches!(outcome, Err(AuthError::Invalid)) {
                        break;
                    }
                }
                outcome?
            }
            _ => return Err(AuthError::Invalid),
        };
        // `exp` is checked by `decode` against the system clock; `now` is the caller's, which
        // the tests set.
        if claims.exp.saturating_add(LEEWAY_SECS) <= now {
            return Err(AuthError::Expired);
        }
        let role = match claims.role.as_deref() {
            None => Role::Agent,
            Some(role) => role.parse().map_err(|_| AuthError::Invalid)?,
        };
        if claims.sub.is_empty() {
            return Err(AuthError::Invalid);
        }
        Ok(Identity {
            agent: format!("{JWT_AGENT_PREFIX}{}", claims.sub),
            role,
            expires_at: Some(claims.exp),
        })
    }

    fn decode(&self, token: &str, key: &DecodingKey, alg: Algorithm) -> Result<Claims, AuthError> {
        let mut validation = Validation::new(alg);
        validation.leeway = LEEWAY_SECS;
        // A token not valid yet (`nbf`) is refused too.
        validation.validate_nbf = true;
        // A configured `iss` or `aud` must be there, not only right when present.
        let mut required = vec!["exp", "sub"];
        if let Some(iss) = &self.issuer {
            validation.set_issuer(&[iss]);
            required.push("iss");
        }
        match &self.audience {
            Some(aud) => {
                validation.set_audience(&[aud]);
                required.push("aud");
            }
            None => validation.validate_aud = false,
        }
        validation.set_required_spec_claims(&required);
        jsonwebtoken::decode::<Claims>(token, key, &validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => AuthError::Expired,
                _ => AuthError::Invalid,
            })
    }
}

/// The public keys of a PEM file (RSA for RS256, EC P-256 for ES256) or a JWKS file.
fn read_keys(path: &Path) -> Result<Vec<PublicKey>, JwtKeysError> {
    let text = std::fs::read_to_string(path).map_err(|e| JwtKeysError::Read {
        path: path.into(),
        message: e.to_string(),
    })?;
    let no_key = |message: String| JwtKeysError::NoKey {
        path: path.into(),
        message,
    };
    let keys = if text.trim_start().starts_with('{') {
        // Entry by entry: a provider's set may hold keys of kinds this relay does not use
        // (`oct`, `OKP`, encryption keys), which must not hide the ones it does.
        #[derive(Deserialize)]
        struct Entries {
            keys: Vec<serde_json::Value>,
        }
        let set: Entries = serde_json::from_str(&text).map_err(|e| no_key(e.to_string()))?;
        set.keys
            .into_iter()
            .filter_map(|entry| serde_json::from_value::<Jwk>(entry).ok())
            .filter(|jwk| jwk.common.public_key_use != Some(PublicKeyUse::Encryption))
            .filter_map(|jwk| {
                let key = DecodingKey::from_jwk(&jwk).ok()?;
                let algorithm = match &jwk.algorithm {
                    jsonwebtoken::jwk::AlgorithmParameters::RSA(_) => Algorithm::RS256,
                    jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(_) => Algorithm::ES256,
                    _ => return None,
                };
                let kid = jwk.common.key_id.clone();
                Some(PublicKey {
                    algorithm,
                    kid,
                    key,
                })
            })
            .collect()
    } else {
        pem_blocks(&text)
            .filter_map(|block| {
                let (algorithm, key) = match DecodingKey::from_rsa_pem(block.as_bytes()) {
                    Ok(key) => (Algorithm::RS256, key),
                    Err(_) => (
                        Algorithm::ES256,
                        DecodingKey::from_ec_pem(block.as_bytes()).ok()?,
                    ),
                };
                Some(PublicKey {
                    algorithm,
                    kid: None,
                    key,
                })
            })
            .collect::<Vec<_>>()
    };
    if keys.is_empty() {
        return Err(no_key("no RSA or EC P-256 public key in it".into()));
    }
    Ok(keys)
}

/// Each `-----BEGIN …-----` … `-----END …-----` block of a PEM file.
fn pem_blocks(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split("-----BEGIN ").skip(1).filter_map(|rest| {
        let end = rest.find("-----END ")?;
        let tail = &rest[end..];
        let close = tail[9..].find("-----")? + 9 + 5;
        Some(format!("-----BEGIN {}{}", &rest[..end], &tail[..close]))
    })
}

#[cfg(test)]
#[path = "jwt_tests.rs"]
mod tests;
