//! One inbox entry on the wire: fields `k` (the kind: open, frame, close), `c` (the
//! connection) and `d` (the data: a frame's bytes as the client sent them, a close's code and
//! reason, an open's JSON). A malformed entry decodes to `None` and is skipped.

use std::collections::HashMap;

use redis::Value;

use super::bus::{BusMsg, ConnId};
use crate::sessions::Side;

pub(super) fn encode(msg: &BusMsg) -> (&'static str, Vec<u8>) {
    match msg {
        BusMsg::Open {
            from,
            side,
            client_ip,
            user_agent,
        } => {
            let side = match side {
                Side::Customer => "customer",
                Side::Agent => "agent",
            };
            let json = serde_json::json!({
                "from": from, "side": side, "ip": client_ip, "ua": user_agent,
            });
            ("o", json.to_string().into_bytes())
        }
        BusMsg::Frame(bytes) => ("f", bytes.clone()),
        BusMsg::Close { code, reason } => {
            let mut data = code.to_be_bytes().to_vec();
            data.extend_from_slice(reason.as_bytes());
            ("c", data)
        }
    }
}

pub(super) fn decode(map: &HashMap<String, Value>) -> Option<(ConnId, BusMsg)> {
    let bytes = |k: &str| match map.get(k)? {
        Value::BulkString(b) => Some(b.as_slice()),
        _ => None,
    };
    let conn: ConnId = bytes("c")?.try_into().ok()?;
    let data = bytes("d")?;
    let msg = match bytes("k")? {
        b"o" => {
            let json: serde_json::Value = serde_json::from_slice(data).ok()?;
            let text = |k: &str| json.get(k)?.as_str().map(str::to_string);
            let side = match text("side")?.as_str() {
                "customer" => Side::Customer,
                "agent" => Side::Agent,
                _ => return None,
            };
            BusMsg::Open {
                from: text("from")?,
                side,
                client_ip: text("ip")?,
                user_agent: text("ua")?,
            }
        }
        b"f" => BusMsg::Frame(data.to_vec()),
        b"c" => BusMsg::Close {
            code: u16::from_be_bytes(data.get(..2)?.try_into().ok()?),
            reason: String::from_utf8_lossy(&data[2..]).into_owned(),
        },
        _ => return None,
    };
    Some((conn, msg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::Bus;

    #[test]
    fn entries_survive_encoding() {
        let conn = Bus::new_conn();
        for msg in [
            BusMsg::Open {
                from: "a:1".into(),
                side: Side::Agent,
                client_ip: "10.0.0.1".into(),
                user_agent: "UA".into(),
            },
            BusMsg::Frame(vec![1, 2, 3]),
            BusMsg::Close {
                code: 1012,
                reason: "moving".into(),
            },
        ] {
            let (kind, data) = encode(&msg);
            let map = HashMap::from([
                ("k".to_string(), Value::BulkString(kind.as_bytes().to_vec())),
                ("c".to_string(), Value::BulkString(conn.to_vec())),
                ("d".to_string(), Value::BulkString(data)),
            ]);
            assert_eq!(decode(&map), Some((conn, msg)));
        }
        assert_eq!(
            decode(&HashMap::new()),
            None,
            "malformed entries are skipped"
        );
    }
}
