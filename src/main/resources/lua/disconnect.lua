-- A socket closed: drop its presence or waiting record, but only if it still belongs to that socket
-- (a newer connection of the same peer may have taken it over).
-- KEYS: online, waiting, peers, last
-- ARGV: name key, request field, conn
-- Returns {online cleared 1|0, waiting cleared 1|0, peer record or '', last connection or ''}
local online, waiting = 0, 0
local o = redis.call('HGET', KEYS[1], ARGV[1])
if o and cjson.decode(o).conn == ARGV[3] then
  redis.call('HDEL', KEYS[1], ARGV[1])
  online = 1
end
local w = redis.call('HGET', KEYS[2], ARGV[2])
if w and cjson.decode(w).conn == ARGV[3] then
  redis.call('HDEL', KEYS[2], ARGV[2])
  waiting = 1
end
if online == 0 then
  return {0, waiting, '', ''}
end
return {1, waiting, redis.call('HGET', KEYS[3], ARGV[1]) or '', redis.call('HGET', KEYS[4], ARGV[1]) or ''}
