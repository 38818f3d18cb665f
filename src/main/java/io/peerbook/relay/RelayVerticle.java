package io.peerbook.relay;

import io.peerbook.metrics.Meters;
import io.peerbook.protocol.Address;
import io.peerbook.protocol.BookEvent;
import io.peerbook.protocol.Bus;
import io.peerbook.protocol.Codes;
import io.peerbook.protocol.Identity;
import io.peerbook.protocol.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Forwards offers, answers and candidates from an approved sender to the target peer of the same user, on whichever
 * node its socket lives (a target on the sender's own gateway instance is written to by that gateway directly). Routes come from the directory and are cached, kept fresh by the book events, so that
 * signaling between connected peers needs no Redis round trip and keeps working while Redis is down.
 */
public final class RelayVerticle extends VerticleBase {
  static final int CACHE_SIZE = 100_000;
  private final RouteCache cache = new RouteCache(CACHE_SIZE);

  @Override
  public Future<?> start() {
    return Future.all(List.of(
        vertx.eventBus().<JsonObject>consumer(Address.RELAY_SIGNAL.address(),
            msg -> Bus.reply(msg, Bus.guard(() -> signal(msg.body())))).completion(),
        vertx.eventBus().<JsonObject>consumer(Address.BOOK_EVENTS.address(), msg -> track(msg.body())).completion()));
  }

  private Future<JsonObject> signal(JsonObject body) {
    String email = body.getString("email");
    String target = body.getString("target");
    String key = Identity.nameKey(target);
    Route cached = cache.get(email, key);
    if (cached != null) {
      return forward(body, cached).recover(err -> {
        if (isGone(err)) {
          cache.evict(email, key);
          return lookupAndForward(body, email, key);
        }
        return Future.failedFuture(err);
      });
    }
    return lookupAndForward(body, email, key);
  }

  private Future<JsonObject> lookupAndForward(JsonObject body, String email, String key) {
    JsonObject query = new JsonObject().put("email", email).put("target", body.getString("target"));
    return Bus.request(vertx.eventBus(), Address.DIRECTORY_ROUTE, query).compose(found -> {
      Route route = Route.from(found);
      cache.put(email, route);
      return forward(body, route).recover(err -> {
        if (isGone(err)) {
          cache.evict(email, key);
          // The gateway's own reason when it gave one (a target that does not read its messages).
          String text = err instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE
              && re.getMessage() != null ? re.getMessage() : route.name() + " is not online";
          return Future.failedFuture(new ProtocolException(Codes.OFFLINE, text));
        }
        return Future.failedFuture(err);
      });
    });
  }

  private Future<JsonObject> forward(JsonObject body, Route route) {
    String type = body.getString("type");
    String claimed = body.getString("fingerprint");
    if (claimed != null && !"offer".equals(type) && !Identity.sameFingerprint(claimed, route.fingerprint())) {
      return Future.failedFuture(new ProtocolException(Codes.CONFLICT,
          "fingerprint is not the current one of " + route.name()));
    }
    // The text was stamped and encoded by the sender's gateway: passed on as it is, never parsed here.
    JsonObject delivery = new JsonObject().put("conn", route.conn()).put("name", route.name()).put("name_key", route.nameKey())
        .put("fingerprint", route.fingerprint()).put("text", body.getString("text"));
    return Bus.requestAnywhere(vertx.eventBus(), Address.gateway(route.gateway()), delivery)
        .andThen(ar -> {
          if (ar.succeeded()) {
            Meters.relayed(type);
          }
        });
  }

  /** The target's socket is gone, belongs to someone else now, or its gateway left the cluster. */
  private static boolean isGone(Throwable err) {
    return err instanceof ReplyException re
        && (re.failureType() == ReplyFailure.NO_HANDLERS
        || re.failureType() == ReplyFailure.RECIPIENT_FAILURE && re.failureCode() == Codes.OFFLINE);
  }

  /** Keeps the cache close to the truth: learns routes of peers that come online, forgets those that leave. */
  private void track(JsonObject event) {
    String email = event.getString("email");
    String key = event.getString("name_key");
    if (email == null || key == null) {
      return;
    }
    switch (event.getString("event")) {
      case BookEvent.ONLINE, BookEvent.APPROVED -> {
        cache.evict(email, key);
        JsonObject peer = event.getJsonObject("peer");
        if (event.getString("conn") != null && event.getString("gateway") != null) {
          cache.put(email, new Route(peer.getString("name"), key, peer.getString("fingerprint"),
              event.getString("gateway"), event.getString("conn")));
        }
      }
      case BookEvent.REPLACED -> {
        cache.evict(email, key);
        if (event.getString("gateway") != null) {
          // An approved peer reconnected: its new socket is the route.
          cache.put(email, new Route(event.getString("name"), key, event.getString("fingerprint"),
              event.getString("gateway"), event.getString("keep")));
        }
      }
      case BookEvent.RENAMED -> {
        cache.evict(email, event.getString("old_key"));
        cache.evict(email, key);
      }
      default -> cache.evict(email, key);
    }
  }
}
