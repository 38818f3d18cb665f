package io.peerbook;

import io.peerbook.support.Admin;
import io.peerbook.support.Frames;
import io.peerbook.support.PeerClient;
import io.peerbook.support.RawHandshake;
import io.peerbook.support.TestNode;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Shared helpers of the socket tests: provisioning approved peers through the admin API, raw /ws handshakes. */
final class SocketKit {
  static final String ADMIN_TOKEN = "t";
  private static final int PLACEMENT_ATTEMPTS = 8;

  private SocketKit() {
  }

  /** Creates or updates an approved peer through the admin API. */
  static void provision(TestNode node, String email, String name, String fingerprint, String kind, JsonObject properties) {
    JsonObject body = properties == null ? new JsonObject() : properties.copy();
    body.put("fingerprint", fingerprint);
    if (kind != null) {
      body.put("kind", kind);
    }
    Admin.put(node.port, ADMIN_TOKEN, email, name, body);
  }

  static void provision(TestNode node, String email, String name, String fingerprint) {
    provision(node, email, name, fingerprint, null, null);
  }

  /**
   * Reconnects a peer until its socket is on another gateway instance than {@code apartFrom}'s (Vert.x hands new
   * connections to a node's gateway instances in turn), each older socket closed as replaced (4409). Returns the
   * socket that is apart, its status read and its inbox empty.
   */
  static PeerClient apart(TestNode node, String email, String apartFrom, String name, PeerClient connected,
                          Supplier<PeerClient> reconnect) {
    PeerClient peer = connected;
    for (int i = 0; i < PLACEMENT_ATTEMPTS; i++) {
      Map<String, String> gateways = node.gatewaysOf(email);
      String key = name.toLowerCase(Locale.ROOT);
      String otherKey = apartFrom.toLowerCase(Locale.ROOT);
      assertTrue(gateways.containsKey(key) && gateways.containsKey(otherKey), "both online: " + gateways);
      if (!gateways.get(key).equals(gateways.get(otherKey))) {
        return peer;
      }
      PeerClient newer = reconnect.get();
      newer.expectCode(200);
      assertEquals(4409, peer.awaitClose());
      peer = newer;
    }
    return fail(name + " stayed on " + apartFrom + "'s gateway instance after " + PLACEMENT_ATTEMPTS + " reconnects");
  }
  static JsonObject book(TestNode node, String email) {
    return Admin.book(node.port, ADMIN_TOKEN, email);
  }

  /** What the server answered to a WebSocket handshake: the status, the headers (lower-case names) and the body. */
  record Handshake(int status, Map<String, String> headers, String body) {
  }

  /**
   * A WebSocket upgrade request written by hand on a plain TCP socket, so nothing is added or hidden by a client
   * library: {@code rawQuery} is sent as is (already URL-encoded), {@code origin} is sent when not null.
   */
  static Handshake handshake(int port, String rawQuery, String origin) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      StringBuilder req = new StringBuilder()
          .append("GET /ws").append(rawQuery == null ? "" : "?" + rawQuery).append(" HTTP/1.1\r\n")
          .append("Host: 127.0.0.1:").append(port).append("\r\n")
          .append("Upgrade: websocket\r\n")
          .append("Connection: Upgrade\r\n")
          .append("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n")
          .append("Sec-WebSocket-Version: 13\r\n");
      if (origin != null) {
        req.append("Origin: ").append(origin).append("\r\n");
      }
      req.append("\r\n");
      OutputStream out = s.getOutputStream();
      out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      String head = RawHandshake.head(in);
      String[] lines = head.split("\r\n");
      int status = Integer.parseInt(lines[0].split(" ")[1]);
      Map<String, String> headers = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
      }
      if (status == 101) {
        return new Handshake(status, headers, Frames.readText(in));
      }
      int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
      byte[] body = in.readNBytes(length);
      return new Handshake(status, headers, new String(body, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A handshake with the parameters URL-encoded (null ones left out). */
  static Handshake handshake(int port, String email, String name, String fingerprint, String kind, String origin) {
    return handshake(port, io.peerbook.support.PeerClient.query(email, name, fingerprint, kind), origin);
  }

  /** Asserts an error object: exactly code, text and the given id / target (absent when null). */
  static JsonObject assertError(JsonObject m, int code, Object id, String target) {
    assertEquals(code, m.getInteger("code", -1), m.encode());
    assertTrue(m.getString("text", "").length() > 0, "an error has a text: " + m.encode());
    assertEquals(id, m.getValue("id"), "id of " + m.encode());
    assertEquals(target, m.getValue("target"), "target of " + m.encode());
    Set<String> expected = new HashSet<>(Set.of("code", "text"));
    if (id != null) {
      expected.add("id");
    }
    if (target != null) {
      expected.add("target");
    }
    assertEquals(expected, m.fieldNames(), m.encode());
    return m;
  }
}
