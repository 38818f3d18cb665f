package io.peerbook.web;

import io.peerbook.config.PeerbookConfig;
import io.peerbook.protocol.Address;
import io.peerbook.protocol.Bus;
import io.peerbook.protocol.Codes;
import io.peerbook.protocol.Identity;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;

import java.util.Map;

import static io.peerbook.web.PageResponses.html;
import static io.peerbook.web.PageResponses.see;

/**
 * The page behind the emailed link. A GET of the link changes nothing (mail scanners open links); its Continue
 * button POSTs, spends the link and opens a short session. The management view lists pending requests and approved
 * peers and follows the user's book events while it is open; every change is a POST carrying the session's CSRF
 * token, and a Remove first asks again on a page of its own.
 */
final class ApprovalPage {
  static final String SESSION_COOKIE = "pb_session";
  static final String CONTINUE_COOKIE = "pb_continue";
  private static final long MAX_FORM = 16 * 1024;
  private static final Map<String, Address> ACTIONS = Map.of(
      "approve", Address.DIRECTORY_APPROVE, "reject", Address.DIRECTORY_REJECT,
      "remove", Address.DIRECTORY_REMOVE, "rename", Address.DIRECTORY_RENAME);
  private static final Map<String, String> DONE = Map.of(
      "approve", "Approved %s.", "reject", "Rejected %s. It may ask again by connecting again.",
      "remove", "Removed %s.", "rename", "Renamed to %s.");
  /** The management view may load its one script file and open its stream. */
  private static final String LIVE_CSP = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
      + "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

  private final Vertx vertx;
  private final PeerbookConfig cfg;
  private final PageEvents events;

  ApprovalPage(Vertx vertx, PeerbookConfig cfg, PageEvents events) {
    this.vertx = vertx;
    this.cfg = cfg;
    this.events = events;
  }

  void mount(Router router) {
    router.route("/approve/*").handler(PageResponses::headers);
    router.route("/manage*").handler(PageResponses::headers);
    router.post("/approve/*").handler(BodyHandler.create(false).setBodyLimit(MAX_FORM));
    router.post("/manage/*").handler(BodyHandler.create(false).setBodyLimit(MAX_FORM));
    router.get("/approve/:token").handler(this::landing);
    router.post("/approve/:token").handler(this::spend);
    router.get("/manage").handler(this::manage);
    router.get("/manage/events").handler(this::events);
    router.get("/manage/confirm-remove").handler(this::confirmRemove);
    router.post("/manage/:action").handler(this::change);
    router.route("/static/*").handler(StaticHandler.create("webroot").setCachingEnabled(true));
  }

  /** GET of the link: reads, never spends. */
  private void landing(RoutingContext rc) {
    String token = rc.pathParam("token");
    Bus.request(vertx.eventBus(), Address.MAILER_LINK_CHECK, new JsonObject().put("token", token))
        .compose(link -> Bus.request(vertx.eventBus(), Address.DIRECTORY_BOOK, new JsonObject().put("email", link.getString("email")))
            .map(book -> Pages.landing(link.getString("email"), book.getJsonArray("pending"), token, continueCsrf(rc),
                cfg.sessionTtl())))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            html(rc, 200, ar.result());
          } else {
            failure(rc, ar.cause());
          }
        });
  }

  /** The Continue button is protected by a double-submit cookie, so another site cannot log a browser in. */
  private String continueCsrf(RoutingContext rc) {
    String value = Tokens.generate();
    rc.response().addCookie(cookie(CONTINUE_COOKIE, value, cfg.linkTtl()).setPath("/approve"));
    return value;
  }

  private void spend(RoutingContext rc) {
    Cookie expected = rc.request().getCookie(CONTINUE_COOKIE);
    if (expected == null || !Tokens.same(expected.getValue(), rc.request().getFormAttribute("continue_csrf"))) {
      html(rc, 403, Pages.message("Please use the Continue button",
          "This request did not come from the page of your link. Open the link from your mail again."));
      return;
    }
    Bus.request(vertx.eventBus(), Address.MAILER_LINK_REDEEM, new JsonObject().put("token", rc.pathParam("token")))
        .onComplete(ar -> {
          if (ar.failed()) {
            failure(rc, ar.cause());
            return;
          }
          rc.response().addCookie(cookie(SESSION_COOKIE, ar.result().getString("session"), cfg.sessionTtl()).setPath("/"));
          rc.response().addCookie(cookie(CONTINUE_COOKIE, "", 0).setPath("/approve"));
          see(rc, "/manage");
        });
  }

  private void manage(RoutingContext rc) {
    session(rc).compose(s -> Bus.request(vertx.eventBus(), Address.DIRECTORY_BOOK,
            new JsonObject().put("email", s.getString("email")))
        .map(book -> ManageView.page(s.getString("email"), book, s.getString("csrf"), flash(rc), cfg.sessionTtl())))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            rc.response().putHeader("Content-Security-Policy", LIVE_CSP);
            html(rc, 200, ar.result());
          } else {
            failure(rc, ar.cause());
          }
        });
  }

  /** The message after a change: the text is this page's own, only the device's name comes from the address. */
  private static ManageView.Flash flash(RoutingContext rc) {
    String error = rc.request().getParam("error");
    if (error != null) {
      return new ManageView.Flash(errorText(error, rc.request().getParam("action")), true);
    }
    String done = rc.request().getParam("done");
    String name = rc.request().getParam("name");
    String template = done == null ? null : DONE.get(done);
    return template == null || name == null ? null : new ManageView.Flash(String.format(template, name), false);
  }

  /** The stream of the session user's book events; ends with the session. */
  private void events(RoutingContext rc) {
    session(rc).onComplete(ar -> {
      if (ar.failed()) {
        rc.response().setStatusCode(Bus.code(ar.cause()) == Codes.UNAUTHORIZED ? 401 : 503).end();
      } else {
        events.open(rc.response(), ar.result().getString("email"), rc.request().getCookie(SESSION_COOKIE).getValue());
      }
    });
  }

  /** The step before a Remove; a GET, so it changes nothing and needs no token. */
  private void confirmRemove(RoutingContext rc) {
    String name = rc.request().getParam("name");
    session(rc).compose(s -> Bus.request(vertx.eventBus(), Address.DIRECTORY_BOOK,
            new JsonObject().put("email", s.getString("email")))
        .map(book -> book.getJsonArray("approved").stream().map(JsonObject.class::cast)
            .filter(p -> name != null && Identity.nameKey(name).equals(Identity.nameKey(p.getString("name"))))
            .findFirst().map(p -> ManageView.confirmRemove(p, s.getString("csrf"))).orElse(null)))
        .onComplete(ar -> {
          if (ar.failed()) {
            failure(rc, ar.cause());
          } else if (ar.result() == null) {
            see(rc, "/manage?error=" + Codes.NOT_FOUND);
          } else {
            html(rc, 200, ar.result());
          }
        });
  }

  private void change(RoutingContext rc) {
    String action = rc.pathParam("action");
    Address address = ACTIONS.get(action);
    if (address == null) {
      html(rc, 404, Pages.message("Not found", "There is no such action."));
      return;
    }
    session(rc).onComplete(ar -> {
      if (ar.failed()) {
        failure(rc, ar.cause());
        return;
      }
      JsonObject s = ar.result();
      if (!Tokens.same(s.getString("csrf"), rc.request().getFormAttribute("csrf"))) {
        html(rc, 403, Pages.message("This form is out of date",
            "The request did not carry this page's security token, so nothing was changed. If you did not just press "
                + "a button on your devices page, another site tried to make this change for you.", Pages.TO_DEVICES));
        return;
      }
      String name = rc.request().getFormAttribute("name");
      JsonObject body = new JsonObject().put("email", s.getString("email")).put("name", name)
          .put("fingerprint", rc.request().getFormAttribute("fingerprint"))
          .put("key_id", rc.request().getFormAttribute("key_id"))
          .put("new_name", rc.request().getFormAttribute("new_name"));
      if (name == null || name.isEmpty()) {
        see(rc, "/manage?error=400");
        return;
      }
      Bus.request(vertx.eventBus(), address, body).onComplete(done -> {
        if (done.succeeded()) {
          String shown = "rename".equals(action) ? body.getString("new_name") : name;
          see(rc, "/manage?done=" + action + "&name=" + encode(shown));
        } else {
          see(rc, "/manage?error=" + Bus.code(done.cause()) + "&action=" + action);
        }
      });
    });
  }

  private Future<JsonObject> session(RoutingContext rc) {
    Cookie cookie = rc.request().getCookie(SESSION_COOKIE);
    return Bus.request(vertx.eventBus(), Address.MAILER_SESSION,
        new JsonObject().put("session", cookie == null ? null : cookie.getValue()));
  }

  private void failure(RoutingContext rc, Throwable cause) {
    int code = Bus.code(cause);
    switch (code) {
      case Codes.GONE -> html(rc, 410, Pages.gone(cfg.mailInterval()));
      case Codes.UNAUTHORIZED -> html(rc, 401, Pages.message("Your session has ended",
          "Open the link in your latest peerbook mail, or ask for a new one on the start page.", Pages.TO_START));
      default -> html(rc, 503, Pages.message("Try again in a moment", "peerbook cannot reach its storage right now."));
    }
  }

  /** The page's own words for a failed change; the action only picks among them (it comes from the address). */
  private static String errorText(String code, String action) {
    boolean rename = "rename".equals(action);
    return switch (code) {
      case "400" -> rename ? "That name is not valid: 1 to 64 characters, no control characters."
          : "That request is not valid; reload the page and try again.";
      case "404" -> "That device or request is no longer there.";
      case "409" -> rename ? "That name is already taken, by a device or by a request waiting above: approve or reject "
          + "the request first."
          : "That could not be done as the book stands now (it may already hold as many devices as allowed: remove one "
              + "first); reload the page and look again.";
      default -> "peerbook cannot reach its storage right now; nothing was changed. Try again.";
    };
  }

  private Cookie cookie(String name, String value, int maxAgeSeconds) {
    return PageResponses.cookie(name, value, maxAgeSeconds, cfg.https());
  }

  private static String encode(String s) {
    return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
  }
}
