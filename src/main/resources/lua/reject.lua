-- Rejects a pending request: it leaves the list (the device may ask again later) with its waiting record.
-- KEYS: pending, waiting; ARGV: request field.
-- Returns {1, waiting location or '', request JSON}, or {0} when there was no such request.
local request = redis.call('HGET', KEYS[1], ARGV[1])
if not request then
  return {0}
end
redis.call('HDEL', KEYS[1], ARGV[1])
local w = redis.call('HGET', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return {1, w or '', request}
