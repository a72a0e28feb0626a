//! Agents signed in with JSON Web Tokens from an identity provider (`jwt_keys`, `jwt_issuer`,
//! `jwt_audience`): an ES256 token joins a session and reads the API by its role claim, one
//! signed for another application is refused; a rotated key file is read again on `SIGHUP`,
//! after which the old key's tokens are refused.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use shared_protocol::*;

const ISSUER: &str = "https://idp.bank.test";
/// The relay's name at the identity provider: a key file needs it (the provider signs tokens
/// for other applications too).
const AUDIENCE: &str = "cobrowse";

/// An EC P-256 key pair made by `openssl`: the private key (PKCS#8 PEM) and the public key file.
fn key_pair(dir: &Path, name: &str) -> (EncodingKey, std::path::PathBuf) {
    let run = |args: &[&str]| {
        let ok = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .status()
            .unwrap()
            .success();
        assert!(ok, "openssl {args:?}");
    };
    let (key, public) = (format!("{name}.key"), format!("{name}.pub.pem"));
    run(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        &key,
    ]);
    run(&["pkey", "-in", &key, "-pubout", "-out", &public]);
    let private = std::fs::read(dir.join(key)).unwrap();
    (
        EncodingKey::from_ec_pem(&private).unwrap(),
        dir.join(public),
    )
}

fn jwt(key: &EncodingKey, sub: &str, role: &str) -> String {
    jwt_for(AUDIENCE, key, sub, role)
}

/// A token the identity provider signed for the application `audience`.
fn jwt_for(audience: &str, key: &EncodingKey, sub: &str, role: &str) -> String {
    let exp = cobrowse_relay::store::now_millis() / 1000 + 600;
    let claims =
        serde_json::json!({ "sub": sub, "role": role, "exp": exp, "iss": ISSUER, "aud": audience });
    jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, key).unwrap()
}

/// The agent ids of the live sessions `token` may see.
async fn live_agents(r: &Relay, token: &str) -> Vec<String> {
    let live: Vec<serde_json::Value> = reqwest::Client::new()
        .get(r.url("/api/v1/sessions"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|body| serde_json::from_str(&body).unwrap())
        .unwrap();
    live.iter()
        .filter_map(|s| s["agentId"].as_str().map(str::to_string))
        .collect()
}

async fn sessions_status(r: &Relay, token: &str) -> u16 {
    reqwest::Client::new()
        .get(r.url("/api/v1/sessions"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn jwt_agents_join_by_their_claims_and_keys_rotate_on_sighup() {
    let dir = tempfile::tempdir().unwrap();
    let (first, first_public) = key_pair(dir.path(), "first");
    let (second, second_public) = key_pair(dir.path(), "second");
    let keys = dir.path().join("idp-keys.pem");
    std::fs::copy(&first_public, &keys).unwrap();
    let file = keys.clone();
    let r = relay_configured(move |c| {
        c.jwt_keys = Some(file);
        c.jwt_issuer = Some(ISSUER.into());
        c.jwt_audience = Some(AUDIENCE.into());
    })
    .await;

    // An agent signed in by the identity provider joins a customer's session.
    let (mut c, routing) = waiting_session(&r).await;
    let mut a = agent(&r).await;
    join_request(&mut a, &jwt(&first, "ana@bank", "agent"), routing).await;
    let RelayMsg::Joined { .. } = msg(&mut a).await else {
        panic!("joined with a JWT")
    };
    assert_eq!(msg(&mut c).await, RelayMsg::AgentJoined);
    assert_eq!(
        sessions_status(&r, &jwt(&first, "sam", "supervisor")).await,
        200
    );
    assert_eq!(
        sessions_status(&r, &jwt(&first, "prom", "metrics")).await,
        403,
        "a metrics role reads no sessions"
    );
    // A provider's `sub` is its own namespace: "agent-1" from the provider is not the static
    // agent "agent-1", whose session it must not see. The static agent sees it (the check
    // would have seen a leak).
    let (_c2, routing2) = waiting_session(&r).await;
    let mut static_agent = agent(&r).await;
    join_request(&mut static_agent, TOKEN, routing2).await;
    let RelayMsg::Joined { .. } = msg(&mut static_agent).await else {
        panic!("the static agent joined")
    };
    assert_eq!(live_agents(&r, TOKEN).await, ["agent-1"]);
    assert_eq!(
        live_agents(&r, &jwt(&first, "agent-1", "agent")).await,
        Vec::<String>::new()
    );
    assert_eq!(
        live_agents(&r, &jwt(&first, "ana@bank", "agent")).await,
        ["jwt:ana@bank"]
    );

    // The same provider's token for another application: refused.
    assert_eq!(
        sessions_status(&r, &jwt_for("payroll", &first, "sam", "supervisor")).await,
        401
    );
    // Another issuer's key: refused.
    assert_eq!(
        sessions_status(&r, &jwt(&second, "sam", "supervisor")).await,
        401
    );

    // The provider rotates its key.
    std::fs::copy(&second_public, &keys).unwrap();
    // SAFETY: raising a signal in our own process; the relay above listens for it.
    unsafe { libc::raise(libc::SIGHUP) };
    let new = jwt(&second, "sam", "supervisor");
    let mut rotated = false;
    for _ in 0..250 {
        if sessions_status(&r, &new).await == 200 {
            rotated = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(rotated, "the new key is trusted after SIGHUP");
    assert_eq!(
        sessions_status(&r, &jwt(&first, "sam", "supervisor")).await,
        401
    );
    r.shut_down().await;
}
