//! The customer's session kept in the tab's sessionStorage, so that the next page load of the
//! same site continues it: the code (its secret part included, to key again with the agent),
//! the session id, the resume token and the key exchanges' guard. Cleared when the session ends.
//!
//! The site's own scripts can read sessionStorage, as they can read the page itself; nothing
//! here is more than they already see. They can also write it: nothing read back from here
//! grants the agent anything by itself (a kept write-mode consent counts only when the agent's
//! console shows the same token; see `agent_control::Control`).

use shared_protocol::key_guard::KeyGuard;
use shared_protocol::JoinCode;

use crate::browser::window;

const KEY: &str = "cobrowse.session";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub relay_url: String,
    pub code: JoinCode,
    pub session_id: [u8; 16],
    pub resume_token: [u8; 16],
    /// Failed key exchanges and the proof of the verified one (see `key_guard`).
    pub guard: KeyGuard,
    /// The customer approved write mode and has not taken it back: the consent's token, with
    /// which the next page continues in write mode once the console shows it back (an agent
    /// navigating for the customer is not asked again on every page).
    pub write_consent: Option<[u8; 16]>,
    /// The relay node that runs the session, for the next page's first connection.
    pub node: Option<String>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != N * 2 {
        return None;
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(s.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}

impl Saved {
    pub fn encode(&self) -> String {
        let (failures, rekey) = self.guard.saved();
        format!(
            "5|{}|{}|{}|{}|{}|{}|{}|{}",
            self.code.digits(),
            hex(&self.session_id),
            hex(&self.resume_token),
            failures,
            rekey.map(|k| hex(&k)).unwrap_or_default(),
            self.write_consent.map(|t| hex(&t)).unwrap_or_default(),
            self.node.as_deref().unwrap_or_default(),
            self.relay_url
        )
    }

    /// `None` for anything malformed or from another format version.
    pub fn decode(text: &str) -> Option<Self> {
        let mut parts = text.splitn(9, '|');
        if parts.next()? != "5" {
            return None;
        }
        let code = JoinCode::parse(parts.next()?).ok()?;
        let session_id = unhex(parts.next()?)?;
        let resume_token = unhex(parts.next()?)?;
        let failures = parts.next()?.parse().ok()?;
        let rekey = match parts.next()? {
            "" => None,
            key => Some(unhex(key)?),
        };
        let write_consent = match parts.next()? {
            "" => None,
            token => Some(unhex(token)?),
        };
        let node = match parts.next()? {
            "" => None,
            name if shared_protocol::node_hint::is_node_name(name) => Some(name.to_string()),
            _ => return None,
        };
        let relay_url = parts.next()?.to_string();
        Some(Self {
            relay_url,
            code,
            session_id,
            resume_token,
            guard: KeyGuard::restore(failures, rekey),
            write_consent,
            node,
        })
    }

    /// The session this tab was in, if it belongs to `relay_url`.
    pub fn load(relay_url: &str) -> Option<Self> {
        let storage = window().session_storage().ok()??;
        let saved = Self::decode(&storage.get_item(KEY).ok()??)?;
        (saved.relay_url == relay_url).then_some(saved)
    }

    pub fn store(&self) {
        if let Some(storage) = window().session_storage().ok().flatten() {
            let _ = storage.set_item(KEY, &self.encode());
        }
    }

    pub fn clear() {
        if let Some(storage) = window().session_storage().ok().flatten() {
            let _ = storage.remove_item(KEY);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_garbage() {
        let saved = Saved {
            relay_url: "https://cb.example|odd".into(),
            code: JoinCode::new(123, 4567).unwrap(),
            session_id: [7; 16],
            resume_token: [0xAB; 16],
            guard: KeyGuard::restore(2, Some([0x5A; 32])),
            write_consent: Some([0xC0; 16]),
            node: Some("relay-b:8080".into()),
        };
        assert_eq!(Saved::decode(&saved.encode()), Some(saved.clone()));
        let unverified = Saved {
            guard: KeyGuard::default(),
            write_consent: None,
            node: None,
            ..saved
        };
        assert_eq!(Saved::decode(&unverified.encode()), Some(unverified));
        for junk in [
            "",
            "2",
            "1|001234567|",
            "2|12|00|00|0|x",
            "2|001234567|zz|00|0|x",
            "2|001234567|00000000000000000000000000000000|00000000000000000000000000000000|0|x",
            "3|001234567|00000000000000000000000000000000|00000000000000000000000000000000|0|2|x",
            "4|001234567|00000000000000000000000000000000|00000000000000000000000000000000|0|abc||x",
            "4|001234567|00000000000000000000000000000000|00000000000000000000000000000000|0||1|x",
            "4|001234567|00000000000000000000000000000000|00000000000000000000000000000000|0|||x",
            "5|001234567|00000000000000000000000000000000|00000000000000000000000000000000|0|||a&b|x",
        ] {
            assert_eq!(Saved::decode(junk), None, "{junk}");
        }
    }
}
