package io.peerbook.support;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin API as tests use it to set books up: provision, remove, read. Calls assert the call worked. */
public final class Admin {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Admin() {
  }

  /** {@code PUT /api/admin/users/{email}/peers/{name}}; returns 201 (created) or 200 (updated). */
  public static int put(int port, String token, String email, String name, JsonObject body) {
    HttpResponse<String> r = putResponse(port, token, email, name, body);
    assertTrue(r.statusCode() == 201 || r.statusCode() == 200, "admin PUT of " + name + ": " + r.statusCode() + " " + r.body());
    return r.statusCode();
  }

  /** The same PUT, answered whatever its status: for the refusals. */
  public static HttpResponse<String> putResponse(int port, String token, String email, String name, JsonObject body) {
    return send(HttpRequest.newBuilder(peer(port, email, name)).header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body.encode())));
  }

  /** Provisions an approved peer with this fingerprint and optional kind. */
  public static int provision(int port, String token, String email, String name, String fingerprint, String kind) {
    JsonObject body = new JsonObject().put("fingerprint", fingerprint);
    if (kind != null) {
      body.put("kind", kind);
    }
    return put(port, token, email, name, body);
  }

  /**
   * Approves what device {@code name} asks for, as its waiting request shows it (fingerprint and device key), through a
   * PUT: what the user does on the page, for a test about something else. Returns the request.
   */
  public static JsonObject approveWaiting(int port, String token, String email, String name) {
    JsonObject request = book(port, token, email).getJsonArray("pending").stream().map(JsonObject.class::cast)
        .filter(p -> name.equalsIgnoreCase(p.getString("name"))).findFirst()
        .orElseThrow(() -> new AssertionError("no request of " + name + " is waiting"));
    put(port, token, email, name, new JsonObject().put("fingerprint", request.getString("fingerprint"))
        .put("key", request.getString("key")));
    return request;
  }

  /** {@code DELETE …/peers/{name}}; returns the status (204, or 404 for an unknown peer). */
  public static int delete(int port, String token, String email, String name) {
    return send(HttpRequest.newBuilder(peer(port, email, name)).header("Authorization", "Bearer " + token).DELETE())
        .statusCode();
  }

  /** {@code GET /api/admin/users/{email}/peers}: {approved, pending}. */
  public static JsonObject book(int port, String token, String email) {
    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base(port) + path(email) + "/peers"))
        .header("Authorization", "Bearer " + token).GET());
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  private static URI peer(int port, String email, String name) {
    return URI.create(base(port) + path(email) + "/peers/" + path(name));
  }

  private static String base(int port) {
    return "http://127.0.0.1:" + port + "/api/admin/users/";
  }

  private static String path(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}
