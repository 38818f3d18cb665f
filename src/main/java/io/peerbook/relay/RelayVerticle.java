package io.peerbook.relay;

import io.peerbook.metrics.Meters;
import io.peerbook.protocol.Address;
import io.peerbook.protocol.Bus;
import io.peerbook.protocol.Codes;
import io.peerbook.protocol.ProtocolException;
import io.peerbook.protocol.Route;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/**
 * Forwards an offer, answer or candidate whose route the sender's gateway does not know (or found stale) to the
 * target peer of the same user, on whichever node its socket lives: it asks the directory where the target is, checks
 * a claimed fingerprint, delivers to the gateway instance that holds the socket, and answers the route it used, which
 * the sender's gateway caches so that the next messages go straight there. Off the gateways' event loops, the slow
 * path of signaling (a Redis read) costs them nothing.
 */
public final class RelayVerticle extends VerticleBase {

  @Override
  public Future<?> start() {
    return Bus.serve(vertx.eventBus(), Address.RELAY_SIGNAL, this::signal);
  }

  private Future<JsonObject> signal(JsonObject body) {
    JsonObject query = new JsonObject().put("email", body.getString("email")).put("target", body.getString("target"));
    return Bus.request(vertx.eventBus(), Address.DIRECTORY_ROUTE, query).compose(found -> {
      Route route = Route.from(found);
      ProtocolException conflict = route.conflict(body.getString("fingerprint"));
      if (conflict != null) {
        return Future.failedFuture(conflict);
      }
      String type = body.getString("type");
      return Bus.requestAnywhere(vertx.eventBus(), Address.gateway(route.gateway()), route.delivery(body.getString("text")))
          .transform(ar -> {
            if (ar.succeeded()) {
              Meters.relayed(type);
              return Future.succeededFuture(route.toJson());
            }
            if (Route.isGone(ar.cause())) {
              // Just looked up and already gone: the target is not online. The gateway's own reason when it gave one
              // (a target that does not read its messages).
              String text = ar.cause() instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE
                  && re.getMessage() != null ? re.getMessage() : route.name() + " is not online";
              return Future.failedFuture(new ProtocolException(Codes.OFFLINE, text));
            }
            return Future.failedFuture(ar.cause());
          });
    });
  }
}
