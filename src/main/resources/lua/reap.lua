-- Clears what a dead node held of one user: every presence and waiting record located on that node (a record a
-- socket elsewhere has taken over since is another node's), and the node's sockets of this user.
-- KEYS: online, waiting, peers, last, the dead node's sockets in this user's slot
-- ARGV: dead node id, then the node's sockets (members) of this user
-- Returns {name key, peer record or '', last connection or '', ...} for each presence record cleared
local cleared = {}
local online = redis.call('HGETALL', KEYS[1])
for i = 1, #online, 2 do
  if cjson.decode(online[i + 1]).node == ARGV[1] then
    redis.call('HDEL', KEYS[1], online[i])
    table.insert(cleared, online[i])
    table.insert(cleared, redis.call('HGET', KEYS[3], online[i]) or '')
    table.insert(cleared, redis.call('HGET', KEYS[4], online[i]) or '')
  end
end
local waiting = redis.call('HGETALL', KEYS[2])
for i = 1, #waiting, 2 do
  if cjson.decode(waiting[i + 1]).node == ARGV[1] then
    redis.call('HDEL', KEYS[2], waiting[i])
  end
end
for i = 2, #ARGV do
  redis.call('SREM', KEYS[5], ARGV[i])
end
return cleared
