//! The Lua scripts that change a live session's record, each atomic on the record's one key
//! (one cluster slot). Each is idempotent: run twice (a retry after a lost answer, a redirect
//! during a failover), it finds its own write and answers the same.

use std::sync::LazyLock;

use redis::Script;

/// Sets the record only if the code is free. ARGV: ttl ms, the session id, then field/value
/// pairs. Idempotent: a claim run again (a client retry after a lost answer, or a redirect in
/// a cluster) finds its own record and still answers 1.
pub(super) static CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local held = redis.call('HGET', KEYS[1], 'id')
if held then return held == ARGV[2] and 1 or 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1",
    )
});

/// Writes the record if this node owns it and the version is newer. ARGV: ttl ms, owner,
/// version, then field/value pairs. 1: written; 0: stale or gone; -1: another node owns it.
pub(super) static UPDATE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local cur = redis.call('HMGET', KEYS[1], 'owner', 'ver')
if not cur[1] then return 0 end
if cur[1] ~= ARGV[2] then return -1 end
if tonumber(cur[2]) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1",
    )
});

/// Moves ownership from ARGV[1] to ARGV[2] (ttl ARGV[3]) if ARGV[1] still owns it; like the
/// claim, answers 1 again when run twice.
pub(super) static TAKE_OVER: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local owner = redis.call('HGET', KEYS[1], 'owner')
if owner == ARGV[2] then return 1 end
if owner ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'owner', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1",
    )
});

/// Extends the record's life if ARGV[1] owns it (ttl ARGV[2]). 1: kept; 2: kept, and the REST
/// API asked for the session's end (`end_requests`); 0: gone; -1: owned by another node.
pub(super) static RENEW: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local owner = redis.call('HGET', KEYS[1], 'owner')
if not owner then return 0 end
if owner ~= ARGV[1] then return -1 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if redis.call('HEXISTS', KEYS[1], 'end') == 1 then return 2 end
return 1",
    )
});

/// Deletes the record if it is still session ARGV[1]'s.
pub(super) static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])",
    )
});
