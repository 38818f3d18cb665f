package io.peerbook.directory;

import io.peerbook.redis.LuaScript;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Response;

import java.util.List;

/**
 * What install.lua answered.
 *
 * @param revoked  the location of the old identity's socket that lost its presence, or null
 * @param promoted the location of the waiting socket that became the online one, or null
 */
record InstallResult(Outcome outcome, JsonObject revoked, JsonObject promoted) {
  private static final LuaScript SCRIPT = LuaScript.load("install");

  enum Outcome {
    /** Written. */
    OK,
    /** The record or the request changed since it was read: read again. */
    RETRY,
    /** A new name would pass the user's maximum of approved peers; nothing written. */
    FULL
  }

  static Future<InstallResult> run(Redis redis, List<String> keys, List<String> args) {
    return SCRIPT.run(redis, keys, args).map(InstallResult::decode);
  }

  static InstallResult decode(Response r) {
    return switch (r.get(0).toString()) {
      case "ok" -> new InstallResult(Outcome.OK, Book.location(r.get(1)), Book.location(r.get(2)));
      case "retry" -> new InstallResult(Outcome.RETRY, null, null);
      case "full" -> new InstallResult(Outcome.FULL, null, null);
      default -> throw new IllegalStateException("install.lua answered " + r);
    };
  }
}
