package io.peerbook.directory;

import io.peerbook.redis.LuaScript;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Response;

import java.util.List;

/**
 * What reject.lua answered: whether there was such a request, the location of its waiting socket (or null), and the
 * request's device key (or null).
 */
record RejectResult(boolean found, JsonObject waiting, String key) {
  private static final LuaScript SCRIPT = LuaScript.load("reject");

  static Future<RejectResult> run(Redis redis, List<String> keys, List<String> args) {
    return SCRIPT.run(redis, keys, args).map(RejectResult::decode);
  }

  static RejectResult decode(Response r) {
    if (r.get(0).toInteger() == 0) {
      return new RejectResult(false, null, null);
    }
    return new RejectResult(true, Book.location(r.get(1)), new JsonObject(r.get(2).toString()).getString("key"));
  }
}
