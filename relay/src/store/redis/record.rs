//! How records look in Redis: a session is a hash of its fields (those without a value are
//! absent), a page visit or a segment a JSON list element whose `body` the scripts never read.

use std::collections::HashMap;

use uuid::Uuid;

use crate::store::{Millis, PageVisit, Segment, SessionRecord, StoreError};

/// The hash fields of `r`, as field, value pairs.
pub(super) fn to_fields(r: &SessionRecord) -> Vec<(&'static str, String)> {
    let mut fields = vec![
        ("routing", r.routing.to_string()),
        ("created_at", r.created_at.to_string()),
        ("user_agent", r.user_agent.clone()),
        ("first_url", r.first_url.clone()),
        ("first_session", u8::from(r.first_session).to_string()),
    ];
    let optional = [
        ("agent_id", r.agent_id.clone()),
        ("joined_at", r.joined_at.map(|t| t.to_string())),
        ("ended_at", r.ended_at.map(|t| t.to_string())),
        ("end_reason", r.end_reason.clone()),
    ];
    fields.extend(
        optional
            .into_iter()
            .filter_map(|(name, value)| Some((name, value?))),
    );
    fields
}

/// The record of session `id` from its hash (`HGETALL`); `None` if the hash is empty (no such
/// session).
pub(super) fn from_fields(
    id: Uuid,
    mut h: HashMap<String, String>,
) -> Result<Option<SessionRecord>, StoreError> {
    if h.is_empty() {
        return Ok(None);
    }
    let corrupt = |field: &str| StoreError::Backend(format!("session {id} in redis: bad {field}"));
    let number = |h: &HashMap<String, String>, field: &str| -> Result<Option<i64>, StoreError> {
        h.get(field)
            .map(|v| v.parse::<i64>().map_err(|_| corrupt(field)))
            .transpose()
    };
    let required = |v: Option<i64>, field: &str| v.ok_or_else(|| corrupt(field));
    Ok(Some(SessionRecord {
        id,
        routing: u32::try_from(required(number(&h, "routing")?, "routing")?)
            .map_err(|_| corrupt("routing"))?,
        created_at: required(number(&h, "created_at")?, "created_at")?,
        joined_at: number(&h, "joined_at")?,
        ended_at: number(&h, "ended_at")?,
        first_session: h.get("first_session").map(String::as_str) != Some("0"),
        user_agent: h.remove("user_agent").unwrap_or_default(),
        first_url: h.remove("first_url").unwrap_or_default(),
        agent_id: h.remove("agent_id"),
        end_reason: h.remove("end_reason"),
    }))
}

/// A list element as the scripts write it.
#[derive(serde::Deserialize)]
struct Element {
    index: u32,
    /// Numbers as cjson writes them; read as floats so an exponent would not fail.
    start: f64,
    end: Option<f64>,
    body: String,
}

fn element(raw: &str) -> Result<Element, StoreError> {
    serde_json::from_str(raw)
        .map_err(|e| StoreError::Backend(format!("a page visit or segment in redis: {e}")))
}

#[derive(serde::Serialize, serde::Deserialize)]
struct PageBody {
    url: String,
    title: String,
}

pub(super) fn page_body(url: &str, title: &str) -> String {
    serde_json::to_string(&PageBody {
        url: url.into(),
        title: title.into(),
    })
    .expect("two strings serialize")
}

pub(super) fn page_visit(raw: &str) -> Result<PageVisit, StoreError> {
    let e = element(raw)?;
    let body: PageBody = serde_json::from_str(&e.body)
        .map_err(|err| StoreError::Backend(format!("a page visit in redis: {err}")))?;
    Ok(PageVisit {
        index: e.index,
        url: body.url,
        title: body.title,
        start: e.start as Millis,
        end: e.end.map(|t| t as Millis),
    })
}

/// A segment's body is its mode.
pub(super) fn segment(raw: &str) -> Result<Segment, StoreError> {
    let e = element(raw)?;
    Ok(Segment {
        index: e.index,
        mode: e.body,
        start: e.start as Millis,
        end: e.end.map(|t| t as Millis),
    })
}
