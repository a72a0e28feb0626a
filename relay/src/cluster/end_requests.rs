//! Ending a session that another node runs (`POST /api/v1/sessions/{id}/end` answered by a
//! node that does not own it): the request is a mark on the session's live record, which its
//! owner finds at its next renewal ([`LiveRecords::renew`], every few seconds) and ends the
//! session then. A mark survives a takeover: the new owner renews, finds it and ends it.

use std::sync::LazyLock;

use redis::Script;
use uuid::Uuid;

use super::conn::Redis;
use super::keys;
use super::live::LiveRecords;

/// Marks the record (its field `end`, which the renewal script looks for) if it is still session ARGV[1]'s. 1: marked; 0: no such session.
static REQUEST_END: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'end', '1')
return 1",
    )
});

impl LiveRecords {
    /// Asks the owner of session `id` (on code `routing`) to end it; false when the session is
    /// no longer live.
    pub async fn request_end(
        &self,
        redis: &mut Redis,
        routing: u32,
        id: Uuid,
    ) -> redis::RedisResult<bool> {
        let marked: i64 = REQUEST_END
            .prepare_invoke()
            .key(keys::live(routing))
            .arg(id.to_string())
            .invoke_async(redis)
            .await?;
        Ok(marked == 1)
    }
}
