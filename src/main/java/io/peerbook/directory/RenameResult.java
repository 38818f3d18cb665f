package io.peerbook.directory;

import io.peerbook.redis.LuaScript;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Response;

import java.util.List;

/** What rename.lua answered: the outcome and, once renamed, the peer's location (or null) and last connection. */
record RenameResult(Outcome outcome, JsonObject location, String lastConnection) {
  private static final LuaScript SCRIPT = LuaScript.load("rename");

  enum Outcome {
    OK,
    /** The record changed since it was read: read again. */
    RETRY,
    /** Another approved peer has the new name. */
    TAKEN,
    /** A request waiting for approval asks for the new name. */
    WAITING
  }

  static Future<RenameResult> run(Redis redis, List<String> keys, List<String> args) {
    return SCRIPT.run(redis, keys, args).map(RenameResult::decode);
  }

  static RenameResult decode(Response r) {
    return switch (r.get(0).toString()) {
      case "ok" -> new RenameResult(Outcome.OK, Book.location(r.get(1)), Book.emptyToNull(r.get(2)));
      case "retry" -> new RenameResult(Outcome.RETRY, null, null);
      case "taken" -> new RenameResult(Outcome.TAKEN, null, null);
      case "waiting" -> new RenameResult(Outcome.WAITING, null, null);
      default -> throw new IllegalStateException("rename.lua answered " + r);
    };
  }
}
