package io.peerbook.web;

import io.peerbook.config.PeerbookConfig;
import io.peerbook.protocol.Address;
import io.peerbook.protocol.Bus;
import io.peerbook.protocol.Codes;
import io.peerbook.protocol.DeviceKey;
import io.peerbook.protocol.Identity;
import io.peerbook.protocol.ProtocolException;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The admin API, mounted only when {@code PEERBOOK_ADMIN_TOKEN} is set: read a user's book, pre-provision or update
 * approved peers, remove them. Every call needs {@code Authorization: Bearer <token>}, compared in constant time.
 */
final class AdminApi {
  static final long MAX_BODY = 16 * 1024;
  private final Vertx vertx;
  private final PeerbookConfig cfg;

  AdminApi(Vertx vertx, PeerbookConfig cfg) {
    this.vertx = vertx;
    this.cfg = cfg;
  }

  void mount(Router router) {
    if (!cfg.adminEnabled()) {
      return;
    }
    router.route("/api/admin/*").handler(this::authorize);
    router.put("/api/admin/*").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY));
    router.get("/api/admin/users/:email/peers").handler(this::list);
    router.put("/api/admin/users/:email/peers/:name").handler(this::put);
    router.delete("/api/admin/users/:email/peers/:name").handler(this::delete);
    router.route("/api/admin/*").failureHandler(rc -> fail(rc, rc.statusCode() == 413 ? 413 : rc.statusCode() > 0
        ? rc.statusCode() : 500, rc.statusCode() == 413 ? "body larger than " + MAX_BODY + " bytes" : "request failed"));
  }

  private void authorize(RoutingContext rc) {
    if (!Tokens.same(Tokens.bearer(rc.request().getHeader("Authorization")), cfg.adminToken())) {
      rc.response().putHeader("WWW-Authenticate", "Bearer");
      fail(rc, Codes.UNAUTHORIZED, "missing or wrong admin token");
      return;
    }
    rc.next();
  }

  private void list(RoutingContext rc) {
    String email;
    try {
      email = Identity.email(rc.pathParam("email"));
    } catch (ProtocolException e) {
      fail(rc, e.code(), e.getMessage());
      return;
    }
    Bus.request(vertx.eventBus(), Address.DIRECTORY_BOOK, new JsonObject().put("email", email)).onComplete(ar -> {
      if (ar.succeeded()) {
        rc.json(ar.result());
      } else {
        fail(rc, Bus.code(ar.cause()), Bus.text(ar.cause()));
      }
    });
  }

  private void put(RoutingContext rc) {
    JsonObject request;
    try {
      Object body = rc.body().buffer() == null ? null : Json.decodeValue(rc.body().buffer());
      if (!(body instanceof JsonObject o)) {
        throw ProtocolException.badRequest("the body must be a JSON object");
      }
      if (!(o.getValue("fingerprint") instanceof String)) {
        throw ProtocolException.badRequest("fingerprint is required");
      }
      if (o.containsKey("kind") && o.getValue("kind") != null && !(o.getValue("kind") instanceof String)) {
        throw ProtocolException.badRequest("kind must be a string");
      }
      if (o.getValue("key") != null) {
        // A device key to bind: checked here so that a bad one is the caller's 400 (the directory parses it again).
        if (!(o.getValue("key") instanceof String k)) {
          throw ProtocolException.badRequest("key must be a string");
        }
        DeviceKey.parse(k);
      }
      JsonObject properties = o.copy();
      properties.remove("fingerprint");
      properties.remove("kind");
      properties.remove("key");
      request = new JsonObject().put("email", Identity.email(rc.pathParam("email")))
          .put("name", Identity.name(rc.pathParam("name"), "name")).put("fingerprint", o.getString("fingerprint"))
          .put("properties", properties);
      if (o.containsKey("kind")) {
        request.put("kind", o.getString("kind"));
      }
      if (o.containsKey("key")) {
        request.put("key", o.getString("key"));
      }
    } catch (DecodeException e) {
      fail(rc, Codes.BAD_REQUEST, "the body is not JSON");
      return;
    } catch (ProtocolException e) {
      fail(rc, e.code(), e.getMessage());
      return;
    }
    Bus.request(vertx.eventBus(), Address.DIRECTORY_PUT_PEER, request).onComplete(ar -> {
      if (ar.succeeded()) {
        boolean created = ar.result().getBoolean("created", false);
        rc.response().setStatusCode(created ? Codes.CREATED : Codes.OK);
        rc.json(new JsonObject().put("code", created ? Codes.CREATED : Codes.OK).put("created", created));
      } else {
        fail(rc, Bus.code(ar.cause()), Bus.text(ar.cause()));
      }
    });
  }

  private void delete(RoutingContext rc) {
    JsonObject request;
    try {
      request = new JsonObject().put("email", Identity.email(rc.pathParam("email")))
          .put("name", Identity.name(rc.pathParam("name"), "name"));
    } catch (ProtocolException e) {
      fail(rc, e.code(), e.getMessage());
      return;
    }
    Bus.request(vertx.eventBus(), Address.DIRECTORY_REMOVE, request).onComplete(ar -> {
      if (ar.succeeded()) {
        rc.response().setStatusCode(204).end();
      } else {
        fail(rc, Bus.code(ar.cause()), Bus.text(ar.cause()));
      }
    });
  }

  private static void fail(RoutingContext rc, int code, String text) {
    if (rc.response().ended()) {
      return;
    }
    rc.response().setStatusCode(code);
    rc.json(new JsonObject().put("code", code).put("text", text));
  }
}
