-- Removes an approved peer with its presence and last connection.
-- KEYS: peers, online, last; ARGV: name key
-- Returns {'missing'} or {'ok', record, location or ''}
local rec = redis.call('HGET', KEYS[1], ARGV[1])
if not rec then
  return {'missing'}
end
local o = redis.call('HGET', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return {'ok', rec, o or ''}
