package io.peerbook.web;

import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.ext.web.RoutingContext;

/** What every page response shares: its security headers, its cookies, and how a page or a redirect is sent. */
final class PageResponses {
  /**
   * No script at all on these pages; the management view relaxes it for its one script file and its stream. The one
   * image is the icon in the tab.
   */
  static final String CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
      + "frame-ancestors 'none'; base-uri 'none'";

  private PageResponses() {
  }

  /** A route handler: the headers of every page (no framing, no referrer, no caching, no sniffing). */
  static void headers(RoutingContext rc) {
    rc.response()
        .putHeader("Content-Security-Policy", CSP)
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("Cache-Control", "no-store")
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("X-Frame-Options", "DENY");
    rc.next();
  }

  /** A cookie only this server's own pages can send or read: HttpOnly, SameSite=Strict, Secure over https. */
  static Cookie cookie(String name, String value, int maxAgeSeconds, boolean https) {
    return Cookie.cookie(name, value).setHttpOnly(true).setSameSite(CookieSameSite.STRICT)
        .setSecure(https).setMaxAge(maxAgeSeconds);
  }

  static void html(RoutingContext rc, int status, String page) {
    rc.response().setStatusCode(status).putHeader("Content-Type", "text/html; charset=utf-8").end(page);
  }

  static void see(RoutingContext rc, String location) {
    rc.response().setStatusCode(303).putHeader("Location", location).end();
  }
}
