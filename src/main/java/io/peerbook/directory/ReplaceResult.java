package io.peerbook.directory;

import io.peerbook.redis.LuaScript;
import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Response;

import java.util.List;

/** What replace-record.lua answered: written, or the record changed since it was read (read again). */
record ReplaceResult(boolean written) {
  private static final LuaScript SCRIPT = LuaScript.load("replace-record");

  static Future<ReplaceResult> run(Redis redis, List<String> keys, List<String> args) {
    return SCRIPT.run(redis, keys, args).map(ReplaceResult::decode);
  }

  static ReplaceResult decode(Response r) {
    return new ReplaceResult(r.toInteger() == 1);
  }
}
