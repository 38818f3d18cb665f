package io.peerbook.support;

import io.peerbook.protocol.Address;
import io.peerbook.protocol.Bus;
import io.peerbook.protocol.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Talks to a node's directory over its event bus, as its gateway does, and records the book events it publishes:
 * for the directory's side of a rule before (or without) the gateway's. One user per instance.
 */
public final class DirectoryBus implements AutoCloseable {
  private final TestNode node;
  private final String email;
  private final BlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();
  private final MessageConsumer<JsonObject> consumer;

  public DirectoryBus(TestNode node, String email) {
    this.node = node;
    this.email = email;
    this.consumer = node.vertx.eventBus().<JsonObject>consumer(Address.BOOK_EVENTS.address(), m -> {
      if (email.equals(m.body().getString("email"))) {
        events.add(m.body());
      }
    });
    PeerClient.await(consumer.completion());
  }

  /** A fresh P-256 public key as a device sends it: base64url SPKI DER. */
  public static String newKey() {
    try {
      KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp256r1"));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(gen.generateKeyPair().getPublic().getEncoded());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A socket this test plays: its connection id and the directory's answer to its connect. */
  public record Socket(String conn, String fingerprint, String key, JsonObject reply) {
    public int code() {
      return reply.getInteger("code");
    }
  }

  /** DIRECTORY_CONNECT of a new socket of this node; {@code key} is the proven key, or null. */
  public Socket connect(String name, String fingerprint, String key) {
    return connect(name, fingerprint, key, node.nodeId());
  }

  /** DIRECTORY_CONNECT of a new socket said to be on node {@code onNode}. */
  public Socket connect(String name, String fingerprint, String key, String onNode) {
    String conn = "test-gateway#" + UUID.randomUUID();
    JsonObject body = new JsonObject().put("email", email).put("name", name).put("fingerprint", fingerprint)
        .put("kind", null).put("gateway", "test-gateway").put("conn", conn).put("node", onNode)
        .put("address", "192.0.2.1").put("key", key);
    return new Socket(conn, fingerprint, key, request(Address.DIRECTORY_CONNECT, body));
  }

  public void disconnect(String name, Socket socket) {
    request(Address.DIRECTORY_DISCONNECT, new JsonObject().put("email", email).put("name_key", name.toLowerCase())
        .put("fingerprint", socket.fingerprint()).put("key", socket.key()).put("conn", socket.conn())
        .put("node", node.nodeId()));
  }

  public JsonObject book() {
    return request(Address.DIRECTORY_BOOK, new JsonObject().put("email", email));
  }

  /** The approved list entry of {@code name}, or null. */
  public JsonObject entry(String name) {
    return book().getJsonArray("approved").stream().map(JsonObject.class::cast)
        .filter(e -> e.getString("name").equals(name)).findFirst().orElse(null);
  }

  /** The one pending entry with this name, fingerprint and key id (null: keyless), or null. */
  public JsonObject pending(String name, String fingerprint, String keyId) {
    return book().getJsonArray("pending").stream().map(JsonObject.class::cast)
        .filter(e -> e.getString("name").equals(name) && e.getString("fingerprint").equals(fingerprint)
            && java.util.Objects.equals(e.getString("key_id"), keyId))
        .findFirst().orElse(null);
  }

  /** A request to a directory address with this user's email added; a failure becomes a ProtocolException. */
  public JsonObject request(Address address, JsonObject body) {
    Future<JsonObject> reply = Bus.request(node.vertx.eventBus(), address, body.copy().put("email", email));
    try {
      return reply.await(PeerClient.WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new ProtocolException(Bus.code(e), Bus.text(e));
    }
  }

  /** The code a request fails with (200 when it succeeds). */
  public int code(Address address, JsonObject body) {
    try {
      request(address, body);
      return 200;
    } catch (ProtocolException e) {
      return e.code();
    }
  }

  /** The next book event of this user that matches, skipping others. */
  public JsonObject event(Predicate<JsonObject> match) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PeerClient.WAIT_SECONDS);
    try {
      while (true) {
        JsonObject e = events.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        assertNotNull(e, "no matching book event");
        if (match.test(e)) {
          return e;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fail(e);
    }
  }

  /** The next book event of this kind. */
  public JsonObject event(String kind) {
    return event(e -> kind.equals(e.getString("event")));
  }

  /** Forgets the events so far. */
  public void clearEvents() {
    events.clear();
  }

  public void assertCode(int code, Socket socket) {
    assertEquals(code, socket.code(), socket.reply().encode());
  }

  @Override
  public void close() {
    consumer.unregister();
  }
}
