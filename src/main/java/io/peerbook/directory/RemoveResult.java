package io.peerbook.directory;

import io.peerbook.redis.LuaScript;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Response;

import java.util.List;

/** What remove.lua answered: the removed record (null when there was none) and its socket's location, or null. */
record RemoveResult(PeerRecord record, JsonObject location) {
  private static final LuaScript SCRIPT = LuaScript.load("remove");

  static Future<RemoveResult> run(Redis redis, List<String> keys, List<String> args) {
    return SCRIPT.run(redis, keys, args).map(RemoveResult::decode);
  }

  static RemoveResult decode(Response r) {
    return switch (r.get(0).toString()) {
      case "ok" -> new RemoveResult(PeerRecord.parse(r.get(1).toString()), Book.location(r.get(2)));
      case "missing" -> new RemoveResult(null, null);
      default -> throw new IllegalStateException("remove.lua answered " + r);
    };
  }
}
