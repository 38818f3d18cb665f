package io.peerbook.web;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The browser client and its demo: {@code /peerbook.js} (an ES module), its types {@code /peerbook.d.ts}, and the
 * {@code /demo} page. Served from the jar's webroot, so a page can import the client from the server it talks to.
 */
final class ClientFiles {
  /** The demo's only script is a same-origin module; it talks to /ws on the same host. */
  private static final String DEMO_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; "
      + "connect-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

  void mount(Router router) {
    // Apps on other origins import the client from here: a module script needs CORS.
    router.get("/peerbook.js").handler(rc -> {
      rc.response().putHeader("Access-Control-Allow-Origin", "*");
      file(rc, "webroot/peerbook.js", "text/javascript; charset=utf-8");
    });
    router.get("/peerbook.d.ts").handler(rc -> {
      rc.response().putHeader("Access-Control-Allow-Origin", "*");
      file(rc, "webroot/peerbook.d.ts", "text/plain; charset=utf-8");
    });
    router.get("/demo").handler(rc -> {
      rc.response().putHeader("Content-Security-Policy", DEMO_CSP).putHeader("Referrer-Policy", "no-referrer");
      file(rc, "webroot/demo.html", "text/html; charset=utf-8");
    });
  }

  private static void file(RoutingContext rc, String path, String type) {
    rc.response().putHeader("Content-Type", type).putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Cache-Control", "no-cache").sendFile(path).onFailure(rc::fail);
  }
}
