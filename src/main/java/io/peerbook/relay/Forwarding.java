package io.peerbook.relay;

import io.peerbook.config.PeerbookConfig;
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
 * Where one signaling message goes, the cheapest way that is still right: straight into the target's socket when it
 * is on this node (whichever gateway instance holds it: Vert.x hands the write to that socket's event loop), else
 * onto the link to the node that holds it, along a cached route or one the directory gives. Runs on the sender's
 * event loop. The returned future completes once the message is written or queued on its link, so that one sender's
 * messages, handled one at a time, keep their order; it fails with 404, 409, 480 or 503 when the message goes nowhere.
 * A failure found later (the target's socket closed before the write, the other node refused it) reaches the sender
 * through {@link Endpoint#undelivered}.
 */
public final class Forwarding {
  private final Vertx vertx;
  private final String nodeId;
  private final LocalPeers peers;
  private final RouteCache routes;
  private final RelayLinks links;

  /** The relay verticles of this node have started: they own the links. */
  public Forwarding(Vertx vertx, PeerbookConfig cfg) {
    this.vertx = vertx;
    this.nodeId = cfg.nodeId();
    this.peers = LocalPeers.of(vertx);
    this.routes = RouteCache.of(vertx, cfg.limits().routeCache());
    this.links = RelayLinks.of(vertx, nodeId, peers, routes);
  }

  /**
   * @param claimed the fingerprint an answer or candidate names for its target (null for an offer): a 409 when it is
   *                not the target's current one
   * @param text    what the target gets: stamped with the sender's identity and encoded, once
   */
  public Future<Void> forward(Endpoint sender, Object id, String target, String type, String claimed, String text) {
    String key = Identity.nameKey(target);
    Endpoint local = peers.approved(sender.email(), key);
    if (local != null) {
      return toSocket(sender, local, id, target, type, claimed, text);
    }
    Route cached = routes.get(sender.email(), key);
    if (cached != null && !nodeId.equals(cached.node())) {
      return toNode(cached, sender, id, target, type, claimed, text);
    }
    JsonObject query = new JsonObject().put("email", sender.email()).put("target", target);
    return Bus.request(vertx.eventBus(), Address.DIRECTORY_ROUTE, query).compose(found -> {
      Route route = Route.from(found);
      if (!nodeId.equals(route.node())) {
        routes.put(sender.email(), route);
        return toNode(route, sender, id, target, type, claimed, text);
      }
      Endpoint here = peers.approved(sender.email(), key);
      return here != null ? toSocket(sender, here, id, target, type, claimed, text)
          : Future.failedFuture(new ProtocolException(Codes.OFFLINE, route.name() + " is not online"));
    });
  }

  private static Future<Void> toSocket(Endpoint sender, Endpoint target, Object id, String echo, String type,
                                       String claimed, String text) {
    ProtocolException conflict = Route.conflict(claimed, target.name(), target.fingerprint());
    if (conflict != null) {
      return Future.failedFuture(conflict);
    }
    Future<Void> written = target.deliver(text);
    if (written.failed()) {
      // Closing, or closed for not reading: the same 480 and text a delivery from another node gets.
      return Future.failedFuture(new ProtocolException(Codes.OFFLINE, written.cause().getMessage()));
    }
    if (!written.isComplete()) {
      written.onFailure(err -> sender.undelivered(id, echo, Codes.OFFLINE, target.lostBecause()));
    }
    Meters.relayed(type);
    return Future.succeededFuture();
  }

  private Future<Void> toNode(Route route, Endpoint sender, Object id, String echo, String type, String claimed,
                              String text) {
    ProtocolException conflict = route.conflict(claimed);
    if (conflict != null) {
      return Future.failedFuture(conflict);
    }
    links.send(route.node(), new RelayBatch.Delivery(sender.email(), route.nameKey(), route.fingerprint(), route.name(),
        type, sender.conn(), id, echo, text));
    return Future.succeededFuture();
  }
}
