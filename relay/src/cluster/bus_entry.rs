//! Inbox entries on the wire. One stream entry carries a batch (field `b`): what one writer had
//! queued for one node, so a burst costs Redis one `XADD`, not one per frame. Each item is the
//! connection (16 bytes), the kind (`o` open, `f` frame, `c` close), the data's length (4 bytes,
//! big-endian) and the data: a frame's bytes as the client sent them, a close's code and
//! reason, an open's JSON. A malformed entry decodes to `None` and is skipped whole.

use std::collections::HashMap;

use redis::Value;

use super::bus::{BusMsg, ConnId};
use crate::sessions::Side;

/// Appends one item to a batch's bytes.
pub(super) fn push(batch: &mut Vec<u8>, conn: &ConnId, msg: &BusMsg) {
    let owned;
    let (kind, data): (u8, &[u8]) = match msg {
        // A frame's bytes go in as they are, without a copy on the way.
        BusMsg::Frame(bytes) => (b'f', bytes),
        other => {
            owned = encode(other);
            (owned.0.as_bytes()[0], &owned.1)
        }
    };
    batch.extend_from_slice(conn);
    batch.push(kind);
    batch.extend_from_slice(&(data.len() as u32).to_be_bytes());
    batch.extend_from_slice(data);
}

/// The items of an entry, in order; `None` if any is malformed.
pub(super) fn items(map: &HashMap<String, Value>) -> Option<Vec<(ConnId, BusMsg)>> {
    let Value::BulkString(rest) = map.get("b")? else {
        return None;
    };
    let mut out = Vec::new();
    let mut at = 0;
    while at < rest.len() {
        let head = rest.get(at..at + 21)?;
        let conn: ConnId = head[..16].try_into().ok()?;
        let len = u32::from_be_bytes(head[17..21].try_into().ok()?) as usize;
        let data = rest.get(at + 21..at + 21 + len)?;
        out.push((conn, decode_item(head[16], data)?));
        at += 21 + len;
    }
    Some(out)
}

fn encode(msg: &BusMsg) -> (&'static str, Vec<u8>) {
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

fn decode_item(kind: u8, data: &[u8]) -> Option<BusMsg> {
    Some(match kind {
        b'o' => {
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
        b'f' => BusMsg::Frame(data.to_vec()),
        b'c' => BusMsg::Close {
            code: u16::from_be_bytes(data.get(..2)?.try_into().ok()?),
            reason: String::from_utf8_lossy(&data[2..]).into_owned(),
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::Bus;

    #[test]
    fn batches_survive_encoding_in_order() {
        let (one, two) = (Bus::new_conn(), Bus::new_conn());
        let sent = vec![
            (
                one,
                BusMsg::Open {
                    from: "a:1".into(),
                    side: Side::Agent,
                    client_ip: "10.0.0.1".into(),
                    user_agent: "UA".into(),
                },
            ),
            (one, BusMsg::Frame(vec![1, 2, 3])),
            (two, BusMsg::Frame(Vec::new())),
            (
                one,
                BusMsg::Close {
                    code: 1012,
                    reason: "moving".into(),
                },
            ),
        ];
        let mut batch = Vec::new();
        for (conn, msg) in &sent {
            push(&mut batch, conn, msg);
        }
        let entry = |bytes: Vec<u8>| HashMap::from([("b".to_string(), Value::BulkString(bytes))]);
        assert_eq!(items(&entry(batch.clone())), Some(sent));
        batch.pop();
        assert_eq!(items(&entry(batch)), None, "a cut entry is skipped whole");
        assert_eq!(items(&HashMap::new()), None);
    }
}
