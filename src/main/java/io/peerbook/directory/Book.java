package io.peerbook.directory;

import io.peerbook.config.PeerbookConfig;
import io.peerbook.protocol.Address;
import io.peerbook.protocol.Bus;
import io.peerbook.protocol.Codes;
import io.peerbook.protocol.ProtocolException;
import io.peerbook.redis.Keys;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;


import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.Supplier;

/**
 * What the parts of the directory share: the Redis pool, the key names, which nodes are alive, and the small steps
 * every part takes (read a record for a compare-and-set, retry it, publish a book event). One instance per
 * directory verticle, handed to {@link Presence}, {@link BookReads} and {@link BookChanges}.
 */
final class Book {
  static final int CAS_ATTEMPTS = 8;
  final Vertx vertx;
  final PeerbookConfig cfg;
  final Redis redis;
  /** The same Redis for changes a person or an operator is told are done: confirmed by replicas first. */
  final Redis changes;
  final Keys keys;
  final NodeMembership nodes;

  Book(Vertx vertx, PeerbookConfig cfg, Redis redis, Keys keys, NodeMembership nodes) {
    this.vertx = vertx;
    this.cfg = cfg;
    this.redis = redis;
    this.changes = new ReplicatedWrites(redis, cfg.redis().waitReplicas(), cfg.redis().waitMs());
    this.keys = keys;
    this.nodes = nodes;
  }

  /** A record with its exact stored text, so a compare-and-set can check it is unchanged. */
  record Stored(PeerRecord rec, String raw) {
    /** The record an HGET answered, or null. */
    static Stored of(Response r) {
      return r == null ? null : new Stored(PeerRecord.parse(r.toString()), r.toString());
    }
  }

  Future<Stored> record(String email, String key) {
    return redis.send(Request.cmd(Command.HGET).arg(keys.peers(email)).arg(key)).map(Stored::of);
  }

  /** Runs a read-compute-write step until its compare-and-set succeeds (the step answers null when it must retry). */
  Future<JsonObject> retrying(Supplier<Future<JsonObject>> step) {
    return retrying(step, CAS_ATTEMPTS);
  }

  private Future<JsonObject> retrying(Supplier<Future<JsonObject>> step, int attempts) {
    return Bus.guard(step).compose(r -> {
      if (r != null) {
        return Future.succeededFuture(r);
      }
      if (attempts <= 1) {
        return Future.failedFuture(new ProtocolException(Codes.CONFLICT, "the book changed meanwhile, try again"));
      }
      return retrying(step, attempts - 1);
    });
  }

  /** Whether a presence record is of this fingerprint and held by a live node. */
  boolean isOnline(JsonObject location, String fingerprint) {
    return location != null && fingerprint.equals(location.getString("fingerprint"))
        && nodes.isAlive(location.getString("node"));
  }

  List<String> userKeys(String email) {
    return List.of(keys.peers(email), keys.pending(email), keys.online(email), keys.waiting(email), keys.lastSeen(email));
  }

  void publish(JsonObject event) {
    vertx.eventBus().publish(Address.BOOK_EVENTS.address(), event);
  }

  static JsonObject location(Response r) {
    String s = emptyToNull(r);
    return s == null ? null : new JsonObject(s);
  }

  static String emptyToNull(Response r) {
    if (r == null) {
      return null;
    }
    String s = r.toString();
    return s.isEmpty() ? null : s;
  }

  static String now() {
    return Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
  }
}
