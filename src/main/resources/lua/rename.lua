-- Renames an approved peer, moving its presence and last connection with it.
-- KEYS: peers, online, last, pending
-- ARGV: old key, new key, expected record, new record
-- Returns {'retry'}, {'taken'}, {'waiting'} or {'ok', location or '', last connection or ''}
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[3] then
  return {'retry'}
end
if ARGV[1] ~= ARGV[2] and redis.call('HEXISTS', KEYS[1], ARGV[2]) == 1 then
  return {'taken'}
end
-- A request waiting for approval under the new name would, once approved, replace the renamed device: the person
-- decides on that request first. Pending fields are "<name key>\n<fingerprint>", at most max_pending of them.
if ARGV[1] ~= ARGV[2] then
  local prefix = ARGV[2] .. '\n'
  for _, field in ipairs(redis.call('HKEYS', KEYS[4])) do
    if string.sub(field, 1, #prefix) == prefix then
      return {'waiting'}
    end
  end
end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[2], ARGV[4])
local o = redis.call('HGET', KEYS[2], ARGV[1])
if o then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('HSET', KEYS[2], ARGV[2], o)
end
local l = redis.call('HGET', KEYS[3], ARGV[1])
if l then
  redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('HSET', KEYS[3], ARGV[2], l)
end
return {'ok', o or '', l or ''}
