package io.peerbook.directory;

import io.peerbook.redis.LuaScript;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Response;

import java.util.List;

/**
 * What connect.lua answered.
 *
 * @param record     the approved record ({@link Outcome#APPROVED})
 * @param previous   the location of the socket this one takes over, or null
 * @param request    what became of the pending request ({@link Outcome#WAITING})
 * @param refused    why a new request was not recorded: "user" (too many pending) or "address" (hourly cap), else null
 * @param retryAfter for "address": the seconds until the address may make new requests again, else 0
 */
record ConnectResult(Outcome outcome, PeerRecord record, JsonObject previous, Request request, String refused,
                     long retryAfter) {
  private static final LuaScript SCRIPT = LuaScript.load("connect");

  enum Outcome {
    /** Approved with this fingerprint: online now. */
    APPROVED,
    /** The user has too many waiting sockets; nothing written. */
    TOO_MANY,
    /** A new request would be recorded, but its client address was not counted yet; nothing written. */
    UNCOUNTED,
    /** Not approved: the socket waits for its pending request. */
    WAITING
  }

  enum Request { NEW, KNOWN, NOT_RECORDED }

  /** This result, with the wait the address cap imposed on the request (0: none). */
  ConnectResult retryAfter(long seconds) {
    return new ConnectResult(outcome, record, previous, request, refused, seconds);
  }

  static Future<ConnectResult> run(Redis redis, List<String> keys, List<String> args) {
    return SCRIPT.run(redis, keys, args).map(ConnectResult::decode);
  }

  static ConnectResult decode(Response r) {
    return switch (r.get(0).toString()) {
      case "200" -> new ConnectResult(Outcome.APPROVED, PeerRecord.parse(r.get(1).toString()), Book.location(r.get(2)),
          null, null, 0);
      case "429" -> new ConnectResult(Outcome.TOO_MANY, null, null, null, null, 0);
      case "new" -> new ConnectResult(Outcome.UNCOUNTED, null, null, null, null, 0);
      case "401" -> new ConnectResult(Outcome.WAITING, null, Book.location(r.get(2)), switch (r.get(1).toString()) {
        case "1" -> Request.NEW;
        case "0" -> Request.KNOWN;
        default -> Request.NOT_RECORDED;
      }, Book.emptyToNull(r.get(3)), 0);
      default -> throw new IllegalStateException("connect.lua answered " + r);
    };
  }
}
