-- Counts one event in a fixed window: INCR, and the window's expiry set by the first count, in one step so a
-- counter can never be left without its expiry.
-- KEYS: counter; ARGV: window in seconds. Returns {the count so far in this window, seconds until the window ends}.
local n = redis.call('INCR', KEYS[1])
if n == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return {n, redis.call('TTL', KEYS[1])}
