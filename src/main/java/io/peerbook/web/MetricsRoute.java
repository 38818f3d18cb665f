package io.peerbook.web;

import io.peerbook.config.PeerbookConfig;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;

/**
 * {@code GET /metrics}, the Prometheus scrape. Open when {@code PEERBOOK_METRICS_TOKEN} is unset; when set, a scrape
 * needs {@code Authorization: Bearer <token>}, compared in constant time as the admin token is, and anything else gets
 * 401. The numbers name no user, but they tell how busy the node is and which errors it sends.
 */
final class MetricsRoute {
  private final PeerbookConfig cfg;

  MetricsRoute(PeerbookConfig cfg) {
    this.cfg = cfg;
  }

  void mount(Router router) {
    if (cfg.metricsToken() != null) {
      router.get("/metrics").handler(this::authorize);
    }
    router.get("/metrics").handler(PrometheusScrapingHandler.create());
  }

  private void authorize(RoutingContext rc) {
    if (!Tokens.same(Tokens.bearer(rc.request().getHeader("Authorization")), cfg.metricsToken())) {
      rc.response().setStatusCode(401).putHeader("WWW-Authenticate", "Bearer")
          .putHeader("Content-Type", "text/plain; charset=utf-8").end("missing or wrong metrics token\n");
      return;
    }
    rc.next();
  }
}
