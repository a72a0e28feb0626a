//! The bodies of the HTTP long-polling fallback (for browsers whose proxy refuses WebSockets):
//! a sequence of records, each a kind byte, a big-endian u32 length and that many bytes. A
//! [`Record::Message`] carries one encoded envelope; a [`Record::Close`] ends the connection
//! with a WebSocket-style close code and its reason. The relay and both browsers use this one
//! definition.

use crate::MAX_FRAME_LEN;

/// The request header that carries a polling connection's id (a capability: never in the URL,
/// since URLs end up in logs).
pub const POLL_HEADER: &str = "x-cobrowse-poll";

const MESSAGE: u8 = 0;
const CLOSE: u8 = 1;
/// Kind byte and length.
const HEADER_LEN: usize = 5;

/// One record of a polling body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// One encoded envelope (what a WebSocket's binary frame carries).
    Message(Vec<u8>),
    /// The relay closed the connection (what a WebSocket's close frame carries).
    Close { code: u16, reason: String },
}

/// Why a body is not a sequence of records.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("a record is cut short")]
    CutShort,
    #[error("a record announces {0} bytes, more than a frame may have")]
    TooLong(usize),
    #[error("unknown record kind {0}")]
    UnknownKind(u8),
    #[error("a close record without its code")]
    CloseWithoutCode,
}

impl Record {
    /// Appends this record to `body`.
    pub fn encode_into(&self, body: &mut Vec<u8>) {
        match self {
            Record::Message(bytes) => push(body, MESSAGE, &[bytes]),
            Record::Close { code, reason } => {
                push(body, CLOSE, &[&code.to_be_bytes(), reason.as_bytes()])
            }
        }
    }

    /// Bytes this record takes in a body.
    pub fn encoded_len(&self) -> usize {
        HEADER_LEN
            + match self {
                Record::Message(bytes) => bytes.len(),
                Record::Close { reason, .. } => 2 + reason.len(),
            }
    }
}

fn push(body: &mut Vec<u8>, kind: u8, parts: &[&[u8]]) {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    body.push(kind);
    body.extend_from_slice(&(len as u32).to_be_bytes());
    for part in parts {
        body.extend_from_slice(part);
    }
}

/// `records` as one body.
pub fn encode_records(records: &[Record]) -> Vec<u8> {
    let mut body = Vec::with_capacity(records.iter().map(Record::encoded_len).sum());
    for record in records {
        record.encode_into(&mut body);
    }
    body
}

/// The records of `body`, in order; any malformed record refuses the whole body.
pub fn decode_records(mut body: &[u8]) -> Result<Vec<Record>, RecordError> {
    let mut records = Vec::new();
    while !body.is_empty() {
        let header = body.get(..HEADER_LEN).ok_or(RecordError::CutShort)?;
        let kind = header[0];
        let len = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
        if len > MAX_FRAME_LEN {
            return Err(RecordError::TooLong(len));
        }
        let data = body
            .get(HEADER_LEN..HEADER_LEN + len)
            .ok_or(RecordError::CutShort)?;
        records.push(match kind {
            MESSAGE => Record::Message(data.to_vec()),
            CLOSE => {
                let (code, reason) = data
                    .split_first_chunk::<2>()
                    .ok_or(RecordError::CloseWithoutCode)?;
                Record::Close {
                    code: u16::from_be_bytes(*code),
                    reason: String::from_utf8_lossy(reason).into_owned(),
                }
            }
            other => return Err(RecordError::UnknownKind(other)),
        });
        body = &body[HEADER_LEN + len..];
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_survive_encoding() {
        let records = vec![
            Record::Message(b"one".to_vec()),
            Record::Close {
                code: 1000,
                reason: "bye".into(),
            },
            Record::Message(Vec::new()),
        ];
        let body = encode_records(&records);
        assert_eq!(
            body.len(),
            records.iter().map(Record::encoded_len).sum::<usize>()
        );
        assert_eq!(&body[..8], &[0, 0, 0, 0, 3, b'o', b'n', b'e']);
        assert_eq!(&body[8..13], &[1, 0, 0, 0, 5]);
        assert_eq!(&body[13..15], &1000u16.to_be_bytes());
        assert_eq!(decode_records(&body), Ok(records));
        assert_eq!(decode_records(&[]), Ok(Vec::new()));
    }

    #[test]
    fn malformed_bodies_are_refused_whole() {
        let body = encode_records(&[Record::Message(b"one".to_vec())]);
        assert_eq!(
            decode_records(&body[..body.len() - 1]),
            Err(RecordError::CutShort)
        );
        assert_eq!(decode_records(&body[..3]), Err(RecordError::CutShort));
        let mut huge = vec![MESSAGE];
        huge.extend_from_slice(&(MAX_FRAME_LEN as u32 + 1).to_be_bytes());
        assert_eq!(
            decode_records(&huge),
            Err(RecordError::TooLong(MAX_FRAME_LEN + 1))
        );
        assert_eq!(
            decode_records(&[7, 0, 0, 0, 0]),
            Err(RecordError::UnknownKind(7))
        );
        assert_eq!(
            decode_records(&[CLOSE, 0, 0, 0, 1, 3]),
            Err(RecordError::CloseWithoutCode)
        );
    }
}
