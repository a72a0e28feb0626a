//! Reading sessions through the sorted-set indexes (recent, history window, per agent) and
//! keeping the end indexes up to date. Index entries whose records are gone (expired, or swept
//! by another node) are dropped when met.

use std::collections::HashMap;

use redis::Commands;
use uuid::Uuid;

use super::{conn, record, RedisStore, BATCH};
use crate::store::{Millis, SessionRecord, StoreError};

impl RedisStore {
    /// The records of `ids` (in that order, read in one pipeline), skipping those gone from
    /// Redis (expired, or swept by another node), which are taken out of `index` on the way.
    fn records(&self, index: &str, ids: &[String]) -> Result<Vec<SessionRecord>, StoreError> {
        let ids: Vec<Uuid> = ids.iter().filter_map(|m| Uuid::parse_str(m).ok()).collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let reads: Vec<redis::Cmd> = ids
            .iter()
            .map(|id| redis::Cmd::hgetall(self.keys.session(*id).record))
            .collect();
        let hashes: Vec<HashMap<String, String>> = self.conn.run(|c| c.pipeline(&reads))?;
        let mut found = Vec::with_capacity(ids.len());
        for (id, fields) in ids.into_iter().zip(hashes) {
            match record::from_fields(id, fields)? {
                Some(r) => found.push(r),
                None => self
                    .conn
                    .run(|c| c.zrem::<_, _, ()>(index, id.to_string()))?,
            }
        }
        Ok(found)
    }

    /// Up to `limit` records from `index`, `page` reading `count` ids from an offset.
    pub(super) fn read_index(
        &self,
        index: &str,
        limit: usize,
        page: impl Fn(&mut conn::Open, isize, isize) -> redis::RedisResult<Vec<String>>,
    ) -> Result<Vec<SessionRecord>, StoreError> {
        let mut out = Vec::new();
        let mut offset = 0;
        while out.len() < limit {
            let count = BATCH.min((limit - out.len()) as isize);
            let ids = self.conn.run(|c| page(c, offset, count))?;
            let fetched = ids.len() as isize;
            let got = self.records(index, &ids)?;
            // Records gone were removed from the index: the next batch starts after the ones
            // still there.
            offset += got.len() as isize;
            out.extend(got);
            if fetched < count {
                break;
            }
        }
        Ok(out)
    }

    /// Moves an ended session from the open index to the ended one (idempotent: any node may
    /// do it, again).
    pub(super) fn index_ended(&self, id: Uuid, ended_at: Option<Millis>) -> Result<(), StoreError> {
        let Some(at) = ended_at else { return Ok(()) };
        let member = id.to_string();
        let updates = [
            redis::Cmd::zadd(self.keys.ended(), &member, at),
            redis::Cmd::zrem(self.keys.open(), &member),
        ];
        self.conn.run(|c| c.pipeline::<()>(&updates))
    }
}
