-- Clears the presence (or waiting) record of one peer of a dead node, if it still belongs to that node.
-- KEYS: online or waiting hash, peers, last
-- ARGV: field, dead node id
-- Returns {1, peer record or '', last connection or ''} when a presence record was cleared, else {0}
local o = redis.call('HGET', KEYS[1], ARGV[1])
if not o or cjson.decode(o).node ~= ARGV[2] then
  return {0}
end
redis.call('HDEL', KEYS[1], ARGV[1])
return {1, redis.call('HGET', KEYS[2], ARGV[1]) or '', redis.call('HGET', KEYS[3], ARGV[1]) or ''}
