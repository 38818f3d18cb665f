-- Writes an approved peer record (approval of a request, or the admin API), if nothing changed since it was read.
-- With a new fingerprint, the socket of the old identity loses its presence and a socket waiting with the new one
-- becomes the online one.
-- KEYS: peers, pending, online, waiting, last
-- ARGV: name key, request field, expected pending ('*' = do not check), expected record ('' = none), new record,
--       fingerprint changed ('1' | '0'), now, max approved peers of the user
-- Returns {'retry'}, {'full'} when a new name would pass the max (nothing written),
--         or {'ok', revoked location or '', promoted location or ''}
if ARGV[3] ~= '*' and redis.call('HGET', KEYS[2], ARGV[2]) ~= ARGV[3] then
  return {'retry'}
end
local cur = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if cur ~= ARGV[4] then
  return {'retry'}
end
if cur == '' and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[8]) then
  return {'full'}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[5])
redis.call('HDEL', KEYS[2], ARGV[2])
local revoked, promoted = '', ''
if ARGV[6] == '1' then
  revoked = redis.call('HGET', KEYS[3], ARGV[1]) or ''
  redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('HDEL', KEYS[5], ARGV[1])
  local w = redis.call('HGET', KEYS[4], ARGV[2])
  if w then
    redis.call('HDEL', KEYS[4], ARGV[2])
    redis.call('HSET', KEYS[3], ARGV[1], w)
    redis.call('HSET', KEYS[5], ARGV[1], ARGV[7])
    promoted = w
  end
end
return {'ok', revoked, promoted}
