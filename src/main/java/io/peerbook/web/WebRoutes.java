package io.peerbook.web;

import io.peerbook.cluster.ClusterView;
import io.peerbook.config.PeerbookConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * Everything HTTP but {@code /ws}: health, the front door, the approval page, the admin API, the browser client's files and
 * {@code /metrics}, with one answer for unknown paths and one for failed routes. A gateway instance mounts it and
 * hands it the book events its open pages follow.
 */
public final class WebRoutes {
  private final Router router;
  private final PageEvents pageEvents;

  public WebRoutes(Vertx vertx, PeerbookConfig cfg, ClusterView cluster) {
    router = Router.router(vertx);
    pageEvents = new PageEvents(vertx);
    new HealthRoutes(vertx, cluster).mount(router);
    new FrontDoor(vertx, cfg).mount(router);
    new ApprovalPage(vertx, cfg, pageEvents).mount(router);
    new AdminApi(vertx, cfg).mount(router);
    new ClientFiles().mount(router);
    new MetricsRoute(cfg).mount(router);
    router.route().last().handler(rc -> rc.response().setStatusCode(404).putHeader("content-type", "text/plain")
        .end("not found\n"));
    router.route().failureHandler(RouteFailures::handle);
    // A path or query vertx-web cannot decode fails before any route: the client's 400, not an error to log.
    router.errorHandler(400, RouteFailures::malformedRequest);
  }

  public Router router() {
    return router;
  }

  /** A book event of the cluster: open management pages of its user are told to refresh. */
  public void onBookEvent(JsonObject event) {
    pageEvents.publish(event);
  }

  /** Ends the open event streams (the node is going away). */
  public void close() {
    pageEvents.close();
  }
}
