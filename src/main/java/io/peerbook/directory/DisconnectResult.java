package io.peerbook.directory;

import io.peerbook.redis.LuaScript;
import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Response;

import java.util.List;

/**
 * What disconnect.lua answered: which of the socket's records it cleared and, when it went offline, the peer's
 * record and last connection for the offline event.
 */
record DisconnectResult(boolean online, boolean waiting, PeerRecord record, String lastConnection) {
  private static final LuaScript SCRIPT = LuaScript.load("disconnect");

  static Future<DisconnectResult> run(Redis redis, List<String> keys, List<String> args) {
    return SCRIPT.run(redis, keys, args).map(DisconnectResult::decode);
  }

  static DisconnectResult decode(Response r) {
    String rec = Book.emptyToNull(r.get(2));
    return new DisconnectResult(r.get(0).toInteger() == 1, r.get(1).toInteger() == 1,
        rec == null ? null : PeerRecord.parse(rec), Book.emptyToNull(r.get(3)));
  }
}
