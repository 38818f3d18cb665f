-- A socket closed: drop its presence or waiting record, but only if it still belongs to that socket (a newer
-- connection of the same peer may have taken it over), and the socket from its node's sockets. Its waiting record
-- is found by its connection among the fields of its name (one per fingerprint and device key).
-- KEYS: online, waiting, peers, last, the node's sockets
-- ARGV: name key, conn, the socket's member
-- Returns {online cleared 1|0, waiting cleared 1|0, peer record or '', last connection or ''}
local online, waiting = 0, 0
local o = redis.call('HGET', KEYS[1], ARGV[1])
if o and cjson.decode(o).conn == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
  online = 1
end
local prefix = ARGV[1] .. '\n'
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  if string.sub(all[i], 1, #prefix) == prefix and cjson.decode(all[i + 1]).conn == ARGV[2] then
    redis.call('HDEL', KEYS[2], all[i])
    waiting = 1
  end
end
redis.call('SREM', KEYS[5], ARGV[3])
if online == 0 then
  return {0, waiting, '', ''}
end
return {1, waiting, redis.call('HGET', KEYS[3], ARGV[1]) or '', redis.call('HGET', KEYS[4], ARGV[1]) or ''}
