package io.peerbook.support;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonObject;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/** A peer over a real websocket, read from the test thread: every received message lands in a queue. */
public final class PeerClient implements AutoCloseable {
  public static final long WAIT_SECONDS = 10;
  private final WebSocketClient client;
  private final WebSocket ws;
  private final BlockingQueue<JsonObject> inbox = new LinkedBlockingQueue<>();
  private final Promise<Short> closed = Promise.promise();
  private volatile String closeReason;
  public final String email;
  public final String name;
  public final String fingerprint;

  private PeerClient(WebSocketClient client, WebSocket ws, String email, String name, String fingerprint) {
    this.client = client;
    this.ws = ws;
    this.email = email;
    this.name = name;
    this.fingerprint = fingerprint;
    ws.textMessageHandler(t -> inbox.add(new JsonObject(t)));
    ws.closeHandler(v -> {
      closeReason = ws.closeReason();
      closed.tryComplete(ws.closeStatusCode());
    });
  }

  public static PeerClient connect(Vertx vertx, int port, String email, String name, String fingerprint, String kind) {
    return connectQuery(vertx, port, query(email, name, fingerprint, kind), email, name, fingerprint);
  }

  /** Connects with a raw query string. */
  public static PeerClient connectQuery(Vertx vertx, int port, String query, String email, String name, String fingerprint) {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20)
        .setMaxMessageSize(1 << 20));
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
        .setURI("/ws?" + query);
    // Handlers go on before the upgrade: the server may send its status right after it, and a WebSocket obtained
    // from client.connect(...) is resumed on the event loop before a test thread could set its handlers.
    ClientWebSocket ws = client.webSocket();
    PeerClient peer = new PeerClient(client, ws, email, name, fingerprint);
    await(ws.connect(options));
    return peer;
  }

  public static String query(String email, String name, String fingerprint, String kind) {
    StringBuilder q = new StringBuilder();
    append(q, "email", email);
    append(q, "name", name);
    append(q, "fingerprint", fingerprint);
    append(q, "kind", kind);
    return q.toString();
  }

  private static void append(StringBuilder q, String key, String value) {
    if (value == null) {
      return;
    }
    if (q.length() > 0) {
      q.append('&');
    }
    q.append(key).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
  }

  /** The next message, or a test failure after {@link #WAIT_SECONDS}. */
  public JsonObject next() {
    try {
      JsonObject m = inbox.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      assertNotNull(m, name + ": no message within " + WAIT_SECONDS + " s");
      return m;
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The next message within {@code millis}, or null. */
  public JsonObject poll(long millis) {
    try {
      return inbox.poll(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Skips messages until one matches. */
  public JsonObject next(Predicate<JsonObject> match) {
    return next(match, WAIT_SECONDS);
  }

  /** Skips messages until one matches, waiting up to {@code seconds}. */
  public JsonObject next(Predicate<JsonObject> match, long seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      try {
        JsonObject m = inbox.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (m != null && match.test(m)) {
          return m;
        }
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }
    return fail(name + ": no matching message within " + seconds + " s");
  }

  /** Asserts the next message is a status or error with this code, and returns it. */
  public JsonObject expectCode(int code) {
    JsonObject m = next();
    assertEquals(code, m.getInteger("code", -1), name + " got " + m.encode());
    return m;
  }

  /** The next peer_update's body. */
  public JsonObject nextUpdate() {
    JsonObject m = next();
    assertNotNull(m.getJsonObject("peer_update"), name + " expected a peer_update, got " + m.encode());
    return m.getJsonObject("peer_update");
  }

  /** True when nothing is waiting in the inbox right now. */
  public boolean inboxEmpty() {
    return inbox.isEmpty();
  }

  /**
   * A round trip through the server (ping), and asserts it is the next message: so nothing else was sent to this
   * peer before the ping's answer.
   */
  public void expectNothingBeforePong() {
    send(new JsonObject().put("command", "ping").put("id", "quiet-check"));
    JsonObject m = next();
    assertEquals("quiet-check", m.getValue("id"), name + " expected only the pong, got " + m.encode());
  }

  public void send(JsonObject message) {
    await(ws.writeTextMessage(message.encode()));
  }

  public void sendText(String text) {
    await(ws.writeTextMessage(text));
  }

  public void sendBinary(Buffer data) {
    await(ws.writeBinaryMessage(data));
  }

  /** One text message sent as several frames: the first a text frame, the others continuation frames. */
  public void sendFragments(String... parts) {
    for (int i = 0; i < parts.length; i++) {
      boolean last = i == parts.length - 1;
      await(ws.writeFrame(i == 0 ? WebSocketFrame.textFrame(parts[i], last)
          : WebSocketFrame.continuationFrame(Buffer.buffer(parts[i]), last)));
    }
  }

  /** A request with an id, and its direct reply. */
  public JsonObject request(JsonObject message) {
    String id = java.util.UUID.randomUUID().toString();
    send(message.copy().put("id", id));
    return next(m -> id.equals(m.getValue("id")));
  }

  /** Waits for the server to close this socket and returns the close code. */
  public short awaitClose() {
    return await(closed.future());
  }

  public String closeReason() {
    return closeReason;
  }

  public boolean isClosed() {
    return ws.isClosed();
  }

  /** Starts closing the socket without waiting: many can be closed at once. */
  public Future<Void> closeAsync() {
    return ws.close();
  }

  public Future<Void> closeFuture() {
    return closed.future().mapEmpty();
  }

  @Override
  public void close() {
    if (!ws.isClosed()) {
      ws.close().await();
    }
    client.close();
  }

  public static <T> T await(Future<T> f) {
    try {
      return f.await(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      return fail("timed out after " + WAIT_SECONDS + " s");
    }
  }
}
