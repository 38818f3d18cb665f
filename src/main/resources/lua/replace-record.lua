-- Compare-and-set of one peer record (app properties).
-- KEYS: peers; ARGV: name key, expected record, new record. Returns 1 when written, 0 when it changed meanwhile.
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
