-- A peer connects. Approved with this fingerprint and device key: mark it online and stamp last_connection.
-- Otherwise record (or keep) its pending request and the waiting socket. The approved record's key must be the
-- connection's (both none, or the same proven key): a missing or other key is a request ("key"), as a key on a
-- device approved without one is ("adds_key"); the approved device's presence is left alone.
-- The socket is added to its node's sockets (kept in the slot of the user's keys), so the one script is the whole
-- connect: a survivor finds it there if the node dies.
-- KEYS: peers, pending, online, waiting, last, the node's sockets
-- ARGV: name key, name, fingerprint, kind ('' = none), now, location JSON, client address, max pending,
--       max waiting sockets of the user, device key ('' = none), its key id ('' = none), the socket's member,
--       new request allowed for this address ('1' | '0' | '?' = not counted yet)
-- Returns {'200', peer record, previous location or ''},
--         {'429'} when the user has too many waiting sockets (nothing written),
--         {'new'} when a new request would be recorded and ARGV[13] is '?' (nothing written: count it, then ask again),
--         or {'401', '1' new request | '0' known | 'full', previous waiting location or '', 'user' | 'address' | ''}
local key, fingerprint, deviceKey, keyId = ARGV[1], ARGV[3], ARGV[10], ARGV[11]
local field = key .. "\n" .. fingerprint
if keyId ~= '' then
  field = field .. "\n" .. keyId
end
local rec = redis.call('HGET', KEYS[1], key)
local change, replaces, replacesKeyId = 'new', cjson.null, cjson.null
if rec then
  local approved = cjson.decode(rec)
  local approvedKey = approved.key
  if approvedKey == nil or approvedKey == cjson.null then
    approvedKey = ''
  end
  if approved.fingerprint == fingerprint and approvedKey == deviceKey then
    redis.call('HSET', KEYS[5], key, ARGV[5])
    local prev = redis.call('HGET', KEYS[3], key)
    redis.call('HSET', KEYS[3], key, ARGV[6])
    redis.call('SADD', KEYS[6], ARGV[12])
    return {'200', rec, prev or ''}
  end
  if approved.fingerprint ~= fingerprint then
    change, replaces = 'fingerprint', approved.fingerprint
  elseif approvedKey == '' then
    change = 'adds_key'
  else
    change = 'key'
  end
  if approvedKey ~= '' and approvedKey ~= deviceKey then
    replacesKeyId = approved.key_id
  end
end
-- A second socket of the same waiting device replaces the first, so only a new one counts against the cap.
if redis.call('HEXISTS', KEYS[4], field) == 0 and redis.call('HLEN', KEYS[4]) >= tonumber(ARGV[9]) then
  return {'429'}
end
local fresh, refused = '0', ''
if redis.call('HEXISTS', KEYS[2], field) == 0 then
  if redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[8]) then
    fresh, refused = 'full', 'user'
  elseif ARGV[13] == '?' then
    return {'new'}
  elseif ARGV[13] == '0' then
    fresh, refused = 'full', 'address'
  else
    local kind, requestKey, requestKeyId = cjson.null, cjson.null, cjson.null
    if ARGV[4] ~= '' then kind = ARGV[4] end
    if deviceKey ~= '' then requestKey, requestKeyId = deviceKey, keyId end
    redis.call('HSET', KEYS[2], field, cjson.encode({name = ARGV[2], fingerprint = fingerprint, kind = kind,
      requested_at = ARGV[5], replaces = replaces, address = ARGV[7], key = requestKey, key_id = requestKeyId,
      change = change, replaces_key_id = replacesKeyId}))
    fresh = '1'
  end
end
local prev = redis.call('HGET', KEYS[4], field)
redis.call('HSET', KEYS[4], field, ARGV[6])
redis.call('SADD', KEYS[6], ARGV[12])
return {'401', fresh, prev or '', refused}
