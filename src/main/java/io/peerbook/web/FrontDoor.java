package io.peerbook.web;

import io.peerbook.config.PeerbookConfig;
import io.peerbook.protocol.Address;
import io.peerbook.protocol.Bus;
import io.peerbook.protocol.Identity;
import io.peerbook.protocol.ProtocolException;
import io.vertx.core.AsyncResult;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.time.Instant;

import static io.peerbook.web.PageResponses.html;

/**
 * The front door, {@code GET /}: what peerbook is, "Email me a link" (the way back to "Your devices" when no device
 * waits), and the demo. The form is protected like Continue, by a double-submit cookie. Its answer is the same page
 * whether or not the address has a book: the mailer decides whether to mail only after answering. An address over its
 * hourly cap gets 429 and the time to try again.
 */
final class FrontDoor {
  static final String COOKIE = "pb_door";
  /** A start page left open longer than this has to be loaded again before its form works. */
  private static final int COOKIE_SECONDS = 3600;
  private static final long MAX_FORM = 4 * 1024;

  private final Vertx vertx;
  private final PeerbookConfig cfg;

  FrontDoor(Vertx vertx, PeerbookConfig cfg) {
    this.vertx = vertx;
    this.cfg = cfg;
  }

  void mount(Router router) {
    router.route("/").handler(PageResponses::headers);
    router.post("/").handler(BodyHandler.create(false).setBodyLimit(MAX_FORM));
    router.get("/").handler(rc -> page(rc, 200, null));
    router.post("/").handler(this::ask);
  }

  private void page(RoutingContext rc, int status, String error) {
    String csrf = Tokens.generate();
    rc.response().addCookie(PageResponses.cookie(COOKIE, csrf, COOKIE_SECONDS, cfg.https()).setPath("/"));
    html(rc, status, Pages.frontDoor(csrf, error));
  }

  private void ask(RoutingContext rc) {
    Cookie expected = rc.request().getCookie(COOKIE);
    if (expected == null || !Tokens.same(expected.getValue(), rc.request().getFormAttribute("door_csrf"))) {
      html(rc, 403, Pages.message("Please use the form on the start page", "This request did not come from "
          + "peerbook's start page, so nothing was sent. Open the start page and ask again.", Pages.TO_START));
      return;
    }
    String email;
    try {
      email = Identity.email(rc.request().getFormAttribute("email"));
    } catch (ProtocolException e) {
      page(rc, 400, "That is not an email address. Type the address your devices connect with.");
      return;
    }
    JsonObject body = new JsonObject().put("email", email)
        .put("address", ClientAddress.of(rc.request(), cfg.limits().trustedProxies()));
    Bus.request(vertx.eventBus(), Address.MAILER_MANAGE_LINK, body).onComplete(ar -> answer(rc, ar));
  }

  /** The answer page; what throws while it is made fails the route (500, logged once), never leaves it unanswered. */
  private void answer(RoutingContext rc, AsyncResult<JsonObject> ar) {
    try {
      if (ar.failed()) {
        html(rc, 503, Pages.message("Try again in a moment",
            "peerbook cannot reach its storage right now, so nothing was sent.", Pages.TO_START));
      } else if (ar.result().getBoolean("accepted", false)) {
        html(rc, 200, Pages.linkAsked(cfg.linkTtl(), cfg.mailInterval()));
      } else {
        long wait = ar.result().getLong("retry_after", 1L);
        rc.response().putHeader("Retry-After", String.valueOf(wait));
        html(rc, 429, Pages.tooMany(wait, Instant.now()));
      }
    } catch (RuntimeException e) {
      rc.fail(e);
    }
  }
}
