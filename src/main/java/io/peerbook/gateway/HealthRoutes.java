package io.peerbook.gateway;

import io.peerbook.config.PeerbookConfig;
import io.peerbook.protocol.Address;
import io.peerbook.protocol.Bus;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/** {@code /healthz}: the process is up. {@code /readyz}: Redis answers and, when clustered, the cluster is joined. */
final class HealthRoutes {
  private final Vertx vertx;
  private final PeerbookConfig cfg;

  HealthRoutes(Vertx vertx, PeerbookConfig cfg) {
    this.vertx = vertx;
    this.cfg = cfg;
  }

  void mount(Router router) {
    router.get("/healthz").handler(rc -> rc.json(new JsonObject().put("status", "up")));
    router.get("/readyz").handler(rc -> {
      boolean cluster = !cfg.clustered()
          || vertx.isClustered() && ((VertxInternal) vertx).clusterManager().isActive();
      Bus.request(vertx.eventBus(), Address.DIRECTORY_READY, new JsonObject()).onComplete(ar -> {
        boolean ready = ar.succeeded() && cluster;
        rc.response().setStatusCode(ready ? 200 : 503);
        rc.json(new JsonObject().put("status", ready ? "ready" : "not ready")
            .put("redis", ar.succeeded() ? "up" : "down").put("cluster", cluster ? "up" : "down"));
      });
    });
  }
}
