//! Tests of agent token verification: HS256, issuer and audience, public keys from PEM and JWKS.

use super::*;
use jsonwebtoken::{EncodingKey, Header};
use std::process::Command;

const SECRET: &str = "a-shared-secret-of-at-least-32-bytes!";

fn openssl(args: &[&str], dir: &Path) -> String {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("Debian's openssl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A key pair: the PKCS#8 private key (to sign) and the public key file.
fn pair(dir: &Path, name: &str, rsa: bool) -> (Vec<u8>, PathBuf) {
    let key = format!("{name}.key");
    let algorithm = if rsa {
        vec![
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
        ]
    } else {
        vec![
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ]
    };
    let mut args = algorithm;
    args.extend(["-out", &key]);
    openssl(&args, dir);
    let public = format!("{name}.pub.pem");
    openssl(&["pkey", "-in", &key, "-pubout", "-out", &public], dir);
    (std::fs::read(dir.join(&key)).unwrap(), dir.join(public))
}

fn now() -> u64 {
    crate::store::now_millis() as u64 / 1000
}

fn token(
    alg: Algorithm,
    key: &EncodingKey,
    claims: serde_json::Value,
    kid: Option<&str>,
) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_string);
    jsonwebtoken::encode(&header, &claims, key).unwrap()
}

fn claims(sub: &str, role: Option<&str>) -> serde_json::Value {
    let mut c = serde_json::json!({ "sub": sub, "exp": now() + 600 });
    if let Some(role) = role {
        c["role"] = role.into();
    }
    c
}

#[test]
fn hs256_tokens_carry_agent_role_and_expiry() {
    let v = JwtVerifier::new(Some(SECRET), None, None, None).unwrap();
    let key = EncodingKey::from_secret(SECRET.as_bytes());
    let id = v.verify(
        &token(
            Algorithm::HS256,
            &key,
            claims("ana", Some("supervisor")),
            None,
        ),
        now(),
    );
    let id = id.unwrap();
    assert_eq!((id.agent.as_str(), id.role), ("jwt:ana", Role::Supervisor));
    let plain = v.verify(
        &token(Algorithm::HS256, &key, claims("bo", None), None),
        now(),
    );
    assert_eq!(plain.unwrap().role, Role::Agent, "no role claim: the least");
    let odd = token(Algorithm::HS256, &key, claims("bo", Some("root")), None);
    assert_eq!(v.verify(&odd, now()), Err(AuthError::Invalid));
    let mut old = claims("bo", None);
    old["exp"] = (now() - 3600).into();
    let old = token(Algorithm::HS256, &key, old, None);
    assert_eq!(v.verify(&old, now()), Err(AuthError::Expired));
    let mut early = claims("bo", None);
    early["nbf"] = (now() + 3600).into();
    let early = token(Algorithm::HS256, &key, early, None);
    assert_eq!(
        v.verify(&early, now()),
        Err(AuthError::Invalid),
        "not valid yet"
    );
    let other = EncodingKey::from_secret(b"another-secret-of-at-least-32-bytes!!");
    let forged = token(
        Algorithm::HS256,
        &other,
        claims("eve", Some("supervisor")),
        None,
    );
    assert_eq!(v.verify(&forged, now()), Err(AuthError::Invalid));
    // `alg: none`, unsigned.
    let header = r#"{"alg":"none","typ":"JWT"}"#;
    let body = format!(
        r#"{{"sub":"eve","exp":{},"role":"supervisor"}}"#,
        now() + 600
    );
    let unsigned = format!("{}.{}.", b64(header.as_bytes()), b64(body.as_bytes()));
    assert_eq!(v.verify(&unsigned, now()), Err(AuthError::Invalid));
}

#[test]
fn issuer_and_audience_are_checked_when_configured() {
    let v = JwtVerifier::new(
        Some(SECRET),
        None,
        Some("https://idp".into()),
        Some("cobrowse".into()),
    )
    .unwrap();
    let key = EncodingKey::from_secret(SECRET.as_bytes());
    let mut good = claims("ana", None);
    good["iss"] = "https://idp".into();
    good["aud"] = "cobrowse".into();
    assert!(v
        .verify(&token(Algorithm::HS256, &key, good.clone(), None), now())
        .is_ok());
    for (claim, value) in [("iss", "https://evil"), ("aud", "another-app")] {
        let mut bad = good.clone();
        bad[claim] = value.into();
        let t = token(Algorithm::HS256, &key, bad, None);
        assert_eq!(v.verify(&t, now()), Err(AuthError::Invalid), "{claim}");
    }
    let mut missing = good;
    missing.as_object_mut().unwrap().remove("aud");
    let t = token(Algorithm::HS256, &key, missing, None);
    assert_eq!(v.verify(&t, now()), Err(AuthError::Invalid), "aud required");
}

#[test]
fn public_keys_from_pem_and_jwks_and_no_algorithm_confusion() {
    let dir = tempfile::tempdir().unwrap();
    let (ec_private, ec_public) = pair(dir.path(), "ec", false);
    let (rsa_private, rsa_public) = pair(dir.path(), "rsa", true);
    let both = dir.path().join("keys.pem");
    let pems = [&ec_public, &rsa_public].map(|p| std::fs::read_to_string(p).unwrap());
    std::fs::write(&both, pems.join("")).unwrap();
    let v = JwtVerifier::new(None, Some(&both), None, None).unwrap();
    let ec = EncodingKey::from_ec_pem(&ec_private).unwrap();
    let rsa = EncodingKey::from_rsa_pem(&rsa_private).unwrap();
    let t = token(Algorithm::ES256, &ec, claims("ana", Some("metrics")), None);
    assert_eq!(v.verify(&t, now()).unwrap().role, Role::Metrics);
    let t = token(Algorithm::RS256, &rsa, claims("bo", None), None);
    assert_eq!(v.verify(&t, now()).unwrap().agent, "jwt:bo");
    // The public key used as an HMAC secret: refused, only RS256/ES256 go to the keys.
    let confused = EncodingKey::from_secret(pems[1].as_bytes());
    let t = token(
        Algorithm::HS256,
        &confused,
        claims("eve", Some("supervisor")),
        None,
    );
    assert_eq!(v.verify(&t, now()), Err(AuthError::Invalid));

    // The RSA key as a JWKS with a `kid`.
    let modulus = openssl(
        &["rsa", "-pubin", "-in", "rsa.pub.pem", "-noout", "-modulus"],
        dir.path(),
    );
    let hex = modulus.trim().trim_start_matches("Modulus=");
    let n: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let jwks = dir.path().join("keys.json");
    // Beside it, entries of kinds the relay does not use: they are skipped, not fatal.
    let set = serde_json::json!({ "keys": [
        { "kty": "XYZ", "kid": "future" },
        { "kty": "oct", "kid": "sym", "k": "c2VjcmV0" },
        { "kty": "RSA", "kid": "enc", "use": "enc", "n": b64(&n), "e": "AQAB" },
        { "kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256", "n": b64(&n), "e": "AQAB" }
    ]});
    std::fs::write(&jwks, set.to_string()).unwrap();
    let v = JwtVerifier::new(None, Some(&jwks), None, None).unwrap();
    let t = token(Algorithm::RS256, &rsa, claims("cy", None), Some("k1"));
    assert_eq!(v.verify(&t, now()).unwrap().agent, "jwt:cy");
    let t = token(Algorithm::RS256, &rsa, claims("cy", None), Some("k2"));
    assert_eq!(v.verify(&t, now()), Err(AuthError::Invalid), "unknown kid");
    let t = token(Algorithm::RS256, &rsa, claims("cy", None), Some("enc"));
    assert_eq!(
        v.verify(&t, now()),
        Err(AuthError::Invalid),
        "an encryption key"
    );

    // A rotation: the file now holds only the EC key; garbage keeps what is in use.
    std::fs::write(&jwks, "{ not json").unwrap();
    assert!(v.reload().is_err());
    let t = token(Algorithm::RS256, &rsa, claims("cy", None), Some("k1"));
    assert!(v.verify(&t, now()).is_ok(), "kept");
    std::fs::copy(&ec_public, &jwks).unwrap();
    v.reload().unwrap();
    assert_eq!(v.verify(&t, now()), Err(AuthError::Invalid), "rotated out");
    let t = token(Algorithm::ES256, &ec, claims("ana", None), None);
    assert!(v.verify(&t, now()).is_ok(), "rotated in");
    let missing = JwtVerifier::new(None, Some(&dir.path().join("none.pem")), None, None);
    assert!(missing.is_err_and(|e| e.to_string().contains("none.pem")));
}

/// Base64url without padding.
fn b64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, b| n << 8 | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}
