package io.peerbook.gateway;

import io.peerbook.metrics.Meters;
import io.peerbook.protocol.Address;
import io.peerbook.protocol.Bus;
import io.peerbook.protocol.Codes;
import io.peerbook.protocol.Identity;
import io.peerbook.protocol.ProtocolException;
import io.peerbook.protocol.Route;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Where one gateway instance sends a signaling message, the cheapest way that is still right: to the target's socket
 * when this instance holds it (same thread, no event bus); along a cached route to the gateway instance that holds it
 * (one request, on any node); otherwise, or when the cached route turns out stale, through the relay, which asks the
 * directory. The benchmarks (docs/benchmarks.md) showed each event-bus hop saved here is worth a large share of the
 * CPU a message costs. Either way the message is done when it is in the target socket's write queue, so that one
 * sender's messages, handled one at a time, keep their order whichever way each went.
 */
final class Forwarding {
  private final Vertx vertx;
  private final Connections connections;
  private final RouteCache routes;

  Forwarding(Vertx vertx, Connections connections, RouteCache routes) {
    this.vertx = vertx;
    this.connections = connections;
    this.routes = routes;
  }

  RouteCache routes() {
    return routes;
  }

  /**
   * Delivers {@code text} (the stamped, encoded message) to the approved peer {@code target} of {@code email}. Fails
   * with the protocol's code: 404, 409 (a claimed fingerprint, null for an offer, that is not the target's), 480, 503.
   */
  Future<Void> forward(String email, String target, String type, String claimed, String text) {
    String key = Identity.nameKey(target);
    PeerSession local = connections.approved(email, key);
    if (local != null) {
      return toSocket(local, type, claimed, text);
    }
    Route cached = routes.get(email, key);
    if (cached == null) {
      return viaRelay(email, target, type, claimed, text);
    }
    ProtocolException conflict = cached.conflict(claimed);
    if (conflict != null) {
      return Future.failedFuture(conflict);
    }
    return Bus.requestAnywhere(vertx.eventBus(), Address.gateway(cached.gateway()), cached.delivery(text))
        .<Void>mapEmpty()
        .onSuccess(v -> Meters.relayed(type))
        .recover(err -> {
          if (Route.isGone(err)) {
            routes.evict(email, key);
            return viaRelay(email, target, type, claimed, text);
          }
          return Future.failedFuture(err);
        });
  }

  private static Future<Void> toSocket(PeerSession target, String type, String claimed, String text) {
    ProtocolException conflict = Route.conflict(claimed, target.name(), target.fingerprint());
    if (conflict != null) {
      return Future.failedFuture(conflict);
    }
    Future<Void> written = target.sendText(text);
    if (written.failed()) {
      // Closing, or closed for not reading: the same 480 and text a delivery from another gateway gets.
      return Future.failedFuture(new ProtocolException(Codes.OFFLINE, written.cause().getMessage()));
    }
    Meters.relayed(type);
    return Future.succeededFuture();
  }

  private Future<Void> viaRelay(String email, String target, String type, String claimed, String text) {
    JsonObject body = new JsonObject().put("email", email).put("target", target).put("type", type)
        .put("fingerprint", claimed).put("text", text);
    return Bus.request(vertx.eventBus(), Address.RELAY_SIGNAL, body)
        .onSuccess(used -> routes.put(email, Route.from(used)))
        .mapEmpty();
  }
}
