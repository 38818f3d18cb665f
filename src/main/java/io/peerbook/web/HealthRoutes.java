package io.peerbook.web;

import io.peerbook.cluster.ClusterView;
import io.peerbook.protocol.Address;
import io.peerbook.protocol.Bus;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * {@code /healthz}: the process is up. {@code /readyz}: Redis answers and the node is joined to its cluster (an
 * unclustered node is a cluster of one). vertx-hazelcast's {@code ClusterHealthCheck} is not used: it reports the
 * cluster unsafe while Hazelcast migrates partitions after a member left, which would take every node out of its load
 * balancer at once, just when the survivors are needed.
 */
final class HealthRoutes {
  private final Vertx vertx;
  private final ClusterView cluster;

  HealthRoutes(Vertx vertx, ClusterView cluster) {
    this.vertx = vertx;
    this.cluster = cluster;
  }

  void mount(Router router) {
    router.get("/healthz").handler(rc -> rc.json(new JsonObject().put("status", "up")));
    router.get("/readyz").handler(rc -> {
      boolean joined = cluster.active();
      Bus.request(vertx.eventBus(), Address.DIRECTORY_READY, new JsonObject()).onComplete(ar -> {
        boolean ready = ar.succeeded() && joined;
        rc.response().setStatusCode(ready ? 200 : 503);
        rc.json(new JsonObject().put("status", ready ? "ready" : "not ready")
            .put("redis", ar.succeeded() ? "up" : "down").put("cluster", joined ? "up" : "down")
            .put("members", joined ? cluster.members().size() : 0));
      });
    });
  }
}
