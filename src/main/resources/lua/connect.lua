-- A peer connects. Approved with this fingerprint: mark it online and stamp last_connection.
-- Otherwise record (or keep) its pending request and the waiting socket.
-- KEYS: peers, pending, online, waiting, last
-- ARGV: name key, name, fingerprint, kind ('' = none), now, location JSON, client address, max pending,
--       max waiting sockets of the user, new request allowed for this address ('1' | '0' | '?' = not counted yet)
-- Returns {'200', peer record, previous location or ''},
--         {'429'} when the user has too many waiting sockets (nothing written),
--         {'new'} when a new request would be recorded and ARGV[10] is '?' (nothing written: count it, then ask again),
--         or {'401', '1' new request | '0' known | 'full', previous waiting location or '', 'user' | 'address' | ''}
local key = ARGV[1]
local field = key .. "\n" .. ARGV[3]
local rec = redis.call('HGET', KEYS[1], key)
local current = cjson.null
if rec then
  local fp = cjson.decode(rec).fingerprint
  if fp == ARGV[3] then
    redis.call('HSET', KEYS[5], key, ARGV[5])
    local prev = redis.call('HGET', KEYS[3], key)
    redis.call('HSET', KEYS[3], key, ARGV[6])
    return {'200', rec, prev or ''}
  end
  current = fp
end
-- A second socket of the same waiting device replaces the first, so only a new one counts against the cap.
if redis.call('HEXISTS', KEYS[4], field) == 0 and redis.call('HLEN', KEYS[4]) >= tonumber(ARGV[9]) then
  return {'429'}
end
local fresh, refused = '0', ''
if redis.call('HEXISTS', KEYS[2], field) == 0 then
  if redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[8]) then
    fresh, refused = 'full', 'user'
  elseif ARGV[10] == '?' then
    return {'new'}
  elseif ARGV[10] == '0' then
    fresh, refused = 'full', 'address'
  else
    local kind = cjson.null
    if ARGV[4] ~= '' then kind = ARGV[4] end
    redis.call('HSET', KEYS[2], field, cjson.encode({name = ARGV[2], fingerprint = ARGV[3], kind = kind,
      requested_at = ARGV[5], replaces = current, address = ARGV[7]}))
    fresh = '1'
  end
end
local prev = redis.call('HGET', KEYS[4], field)
redis.call('HSET', KEYS[4], field, ARGV[6])
return {'401', fresh, prev or '', refused}
