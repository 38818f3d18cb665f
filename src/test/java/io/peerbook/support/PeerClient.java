package io.peerbook.support;

import io.vertx.core.Future;
import io.vertx.core.Handler;
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
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A peer over a real websocket. Every message it receives goes, in order, to the oldest {@link #receive} still
 * waiting, else into a queue: a test reads it blocking from its own thread ({@link #next}) or as a future on the event
 * loop ({@link #receive}), and both ways take from the same sequence.
 */
public final class PeerClient implements AutoCloseable {
  public static final long WAIT_SECONDS = 10;
  private final WebSocketClient client;
  private final WebSocket ws;
  /** Received and not yet taken; guarded by this. */
  private final Deque<JsonObject> inbox = new ArrayDeque<>();
  /** Receivers waiting for a message, oldest first; guarded by this. */
  private final Deque<Promise<JsonObject>> waiting = new ArrayDeque<>();
  /** Takes every message once set ({@link #handler}); guarded by this. */
  private Handler<JsonObject> handler;
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
    ws.textMessageHandler(t -> arrived(new JsonObject(t)));
    ws.closeHandler(v -> {
      closeReason = ws.closeReason();
      closed.tryComplete(ws.closeStatusCode());
      noMoreMessages();
    });
  }

  private void arrived(JsonObject m) {
    Handler<JsonObject> reader;
    Promise<JsonObject> receiver;
    synchronized (this) {
      reader = handler;
      receiver = reader == null ? waiting.poll() : null;
      if (reader == null && receiver == null) {
        inbox.add(m);
        return;
      }
    }
    // outside the lock: what the test does next may read other clients
    if (reader != null) {
      reader.handle(m);
    } else {
      receiver.complete(m);
    }
  }

  /**
   * Hands every message from now on to {@code reader}, starting with those received and not taken yet: for a test that
   * reads a stream as it comes. Nothing is left for {@link #receive} or {@link #next} after this.
   */
  public synchronized void handler(Handler<JsonObject> reader) {
    handler = reader;
    // under the lock, so that a message arriving meanwhile waits for the older ones to be handed over
    for (JsonObject m = inbox.poll(); m != null; m = inbox.poll()) {
      reader.handle(m);
    }
  }

  /** The messages received and not taken yet, without taking them: for a failure message. */
  public synchronized List<JsonObject> queued() {
    return List.copyOf(inbox);
  }

  /** The socket closed: whoever still waits for a message waits in vain. */
  private void noMoreMessages() {
    Deque<Promise<JsonObject>> left;
    synchronized (this) {
      left = new ArrayDeque<>(waiting);
      waiting.clear();
    }
    left.forEach(p -> p.fail(closedError()));
  }

  private Closed closedError() {
    return new Closed(name + ": the socket closed (" + ws.closeStatusCode() + " " + closeReason
        + ") with no message left");
  }

  /** What {@link #receive} fails with once the socket is closed and every message was taken. */
  public static final class Closed extends IllegalStateException {
    Closed(String message) {
      super(message);
    }
  }

  public static PeerClient connect(Vertx vertx, int port, String email, String name, String fingerprint, String kind) {
    return connectQuery(vertx, port, query(email, name, fingerprint, kind), email, name, fingerprint);
  }

  /** Connects with a raw query string. */
  public static PeerClient connectQuery(Vertx vertx, int port, String query, String email, String name, String fingerprint) {
    return await(connectQueryAsync(vertx, port, query, email, name, fingerprint));
  }

  /** {@link #connect} for a test that goes on from the event loop. */
  public static Future<PeerClient> connectAsync(Vertx vertx, int port, String email, String name, String fingerprint,
                                                String kind) {
    return connectQueryAsync(vertx, port, query(email, name, fingerprint, kind), email, name, fingerprint);
  }

  private static Future<PeerClient> connectQueryAsync(Vertx vertx, int port, String query, String email, String name,
                                                      String fingerprint) {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20)
        .setMaxMessageSize(1 << 20));
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
        .setURI("/ws?" + query);
    // Handlers go on before the upgrade: the server may send its status right after it, and a WebSocket obtained
    // from client.connect(...) is resumed on the event loop before a test thread could set its handlers.
    ClientWebSocket ws = client.webSocket();
    PeerClient peer = new PeerClient(client, ws, email, name, fingerprint);
    return ws.connect(options).map(peer);
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

  /**
   * The next message as a future, for a test that waits on the event loop: completed by the next message that nobody
   * took before, or failed once the socket is closed with none left.
   */
  public Future<JsonObject> receive() {
    return receiver().future();
  }

  /** The next message matching {@code match}, as a future; the messages before it are dropped. */
  public Future<JsonObject> receive(Predicate<JsonObject> match) {
    return receive().compose(m -> match.test(m) ? Future.succeededFuture(m) : receive(match));
  }

  private Promise<JsonObject> receiver() {
    Promise<JsonObject> p = Promise.promise();
    synchronized (this) {
      JsonObject m = inbox.poll();
      if (m != null) {
        p.complete(m);
      } else if (closed.future().isComplete()) {
        p.fail(closedError());
      } else {
        waiting.add(p);
      }
    }
    return p;
  }

  /** The next message, or a test failure after {@link #WAIT_SECONDS}. */
  public JsonObject next() {
    JsonObject m = poll(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
    assertNotNull(m, name + ": no message within " + WAIT_SECONDS + " s" + (isClosed() ? " (closed)" : ""));
    return m;
  }

  /** The next message within {@code millis}, or null (also when the socket closed with none left). */
  public JsonObject poll(long millis) {
    Promise<JsonObject> p = receiver();
    try {
      try {
        return p.future().await(millis, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        synchronized (this) {
          if (waiting.remove(p)) {
            return null;
          }
        }
        // a message, or the close, reached this receiver just now
        return p.future().await();
      }
    } catch (Closed e) {
      return null;
    }
  }

  /** Skips messages until one matches. */
  public JsonObject next(Predicate<JsonObject> match) {
    return next(match, WAIT_SECONDS);
  }

  /** Skips messages until one matches, waiting up to {@code seconds}. */
  public JsonObject next(Predicate<JsonObject> match, long seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      JsonObject m = poll(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      if (m != null && match.test(m)) {
        return m;
      }
      if (m == null && isClosed()) {
        break;
      }
    }
    return fail(name + ": no matching message within " + seconds + " s" + (isClosed() ? " (closed)" : ""));
  }

  /** Asserts the next message is a status or error with this code, and returns it. */
  public JsonObject expectCode(int code) {
    JsonObject m = next();
    assertEquals(code, m.getInteger("code", -1), name + " got " + m.encode());
    return m;
  }

  /** {@link #expectCode} for a test that goes on from the event loop. */
  public Future<JsonObject> receiveCode(int code) {
    return receive().map(m -> {
      assertEquals(code, m.getInteger("code", -1), name + " got " + m.encode());
      return m;
    });
  }

  /** {@link #nextUpdate} for a test that goes on from the event loop. */
  public Future<JsonObject> receiveUpdate() {
    return receive().map(m -> {
      assertNotNull(m.getJsonObject("peer_update"), name + " expected a peer_update, got " + m.encode());
      return m.getJsonObject("peer_update");
    });
  }

  /** The next peer_update's body. */
  public JsonObject nextUpdate() {
    JsonObject m = next();
    assertNotNull(m.getJsonObject("peer_update"), name + " expected a peer_update, got " + m.encode());
    return m.getJsonObject("peer_update");
  }

  /** True when nothing is waiting in the inbox right now. */
  public synchronized boolean inboxEmpty() {
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

  /** {@link #expectNothingBeforePong} for a test that goes on from the event loop. */
  public Future<Void> quiet() {
    return sendAsync(new JsonObject().put("command", "ping").put("id", "quiet-check")).compose(v -> receive())
        .map(m -> {
          assertEquals("quiet-check", m.getValue("id"), name + " expected only the pong, got " + m.encode());
          return null;
        });
  }

  public void send(JsonObject message) {
    await(sendAsync(message));
  }

  /** Sends without waiting, for a test that goes on from the event loop. */
  public Future<Void> sendAsync(JsonObject message) {
    return ws.writeTextMessage(message.encode());
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

  /** {@link #request} for a test that goes on from the event loop. */
  public Future<JsonObject> requestAsync(JsonObject message) {
    String id = java.util.UUID.randomUUID().toString();
    return sendAsync(message.copy().put("id", id)).compose(v -> receive(m -> id.equals(m.getValue("id"))));
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

  /** The close code, once the socket is closed: {@link #awaitClose} for a test that goes on from the event loop. */
  public Future<Short> closeCode() {
    return closed.future();
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
