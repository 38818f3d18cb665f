package io.peerbook.directory;

import io.peerbook.redis.LuaScript;
import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Response;

import java.util.List;

/** What reap.lua answered: whether it cleared a presence record, with the peer's record and last connection. */
record ReapResult(boolean cleared, PeerRecord record, String lastConnection) {
  private static final LuaScript SCRIPT = LuaScript.load("reap");

  static Future<ReapResult> run(Redis redis, List<String> keys, List<String> args) {
    return SCRIPT.run(redis, keys, args).map(ReapResult::decode);
  }

  static ReapResult decode(Response r) {
    if (r.get(0).toInteger() == 0) {
      return new ReapResult(false, null, null);
    }
    String rec = Book.emptyToNull(r.get(1));
    return new ReapResult(true, rec == null ? null : PeerRecord.parse(rec), Book.emptyToNull(r.get(2)));
  }
}
