//! The Lua scripts that change one session atomically. Each touches only that session's keys
//! (one cluster slot, see [`super::keys`]), so it runs whole on one Redis even in a cluster, and
//! several nodes calling it at once cannot interleave. Every script is idempotent: the store
//! may send a request twice when a connection broke under it, and the store writer retries a
//! write whose answer never came.
//!
//! Page visits and segments are list elements `{"index":N,"start":MS,"end":MS,"body":"…"}`,
//! `end` missing while open. Times stay below 2^53 ms, exact in Lua's numbers, and cjson
//! writes them with 14 significant digits: whole, without an exponent, until the year 5138.

use redis::Script;

/// Shared by the scripts that close a list's open element.
const CLOSE_OPEN: &str = r#"
local function close_open(list, at)
  local last = redis.call('LINDEX', list, -1)
  if last then
    local e = cjson.decode(last)
    if e['end'] == nil then
      e['end'] = at
      redis.call('LSET', list, -1, cjson.encode(e))
    end
  end
end
"#;

/// KEYS: record. ARGV: expiry (ms), then field, value pairs. Returns 1 if created, 0 if it
/// existed (a retried create: kept as it is).
const CREATE: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
"#;

/// KEYS: record. ARGV: agent, at. Returns nil if there is no such session, else the agent who
/// had joined before ('' if none) and the creation time (the agent index's score).
const JOIN: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local before = redis.call('HGET', KEYS[1], 'agent_id') or ''
redis.call('HSET', KEYS[1], 'agent_id', ARGV[1], 'joined_at', ARGV[2])
return {before, redis.call('HGET', KEYS[1], 'created_at')}
"#;

/// KEYS: record, list. ARGV: at, body, expiry of the list (ms; 0: the record's). Closes the
/// open element and appends one; returns its index, or -1 if there is no such session. The
/// same append sent again (same start and body as the last element) returns that element.
const APPEND: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local at = tonumber(ARGV[1])
local index = 0
local last = redis.call('LINDEX', KEYS[2], -1)
if last then
  local e = cjson.decode(last)
  if e.start == at and e.body == ARGV[2] then return e.index end
  index = e.index + 1
end
close_open(KEYS[2], at)
redis.call('RPUSH', KEYS[2], cjson.encode({index = index, start = at, body = ARGV[2]}))
local ttl = tonumber(ARGV[3])
if ttl <= 0 then ttl = redis.call('PTTL', KEYS[1]) end
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return index
"#;

/// KEYS: record, pages, segments. ARGV: at, reason, expiry of an ended session (ms), and
/// `stale_before` ('' when ending it on purpose; else the sweep closing sessions created before
/// then that never ended). Closes the open page visit and segment and ends the session unless
/// it had ended. Returns {found, ended by this call, end time or -1 if not ended}.
const END: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0, -1} end
local ended = redis.call('HGET', KEYS[1], 'ended_at')
if ARGV[4] ~= '' then
  local created = tonumber(redis.call('HGET', KEYS[1], 'created_at'))
  if ended or created >= tonumber(ARGV[4]) then return {1, 0, tonumber(ended) or -1} end
end
local at = tonumber(ARGV[1])
close_open(KEYS[2], at)
close_open(KEYS[3], at)
if ended then return {1, 0, tonumber(ended)} end
redis.call('HSET', KEYS[1], 'ended_at', ARGV[1], 'end_reason', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('PEXPIRE', KEYS[3], ARGV[3]) end
return {1, 1, at}
"#;

/// KEYS: pages. ARGV: cutoff. Removes the visits that started before the cutoff; returns how
/// many it removed (0 when another node got there first).
const PRUNE_PAGES: &str = r#"
local removed = 0
local cutoff = tonumber(ARGV[1])
for _, raw in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  if cjson.decode(raw).start < cutoff then
    removed = removed + redis.call('LREM', KEYS[1], 1, raw)
  end
end
return removed
"#;

/// KEYS: record, pages, segments. ARGV: cutoff. Deletes the session if it ended before the
/// cutoff. Returns {1, its agent or ''} if this call deleted it, {0, ''} if it is kept (not
/// that old), {-1, ''} if it was gone already (expired, or another node swept it).
const DELETE_ENDED: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, ''} end
local ended = tonumber(redis.call('HGET', KEYS[1], 'ended_at') or '')
if not ended or ended >= tonumber(ARGV[1]) then return {0, ''} end
local agent = redis.call('HGET', KEYS[1], 'agent_id') or ''
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return {1, agent}
"#;

pub(super) struct Scripts {
    pub create: Script,
    pub join: Script,
    pub append: Script,
    pub end: Script,
    pub prune_pages: Script,
    pub delete_ended: Script,
}

impl Default for Scripts {
    fn default() -> Self {
        Self {
            create: Script::new(CREATE),
            join: Script::new(JOIN),
            append: Script::new(&format!("{CLOSE_OPEN}{APPEND}")),
            end: Script::new(&format!("{CLOSE_OPEN}{END}")),
            prune_pages: Script::new(PRUNE_PAGES),
            delete_ended: Script::new(DELETE_ENDED),
        }
    }
}
