-- Rejects a pending request: it leaves the list (the device may ask again later) with its waiting record.
-- KEYS: pending, waiting; ARGV: request field.
-- Returns {1, waiting location or ''}, or {0} when there was no such request.
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then
  return {0}
end
local w = redis.call('HGET', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return {1, w or ''}
