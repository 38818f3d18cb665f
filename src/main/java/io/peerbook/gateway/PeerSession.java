package io.peerbook.gateway;

import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.peerbook.protocol.Address;
import io.peerbook.protocol.Bus;
import io.peerbook.protocol.Codes;
import io.peerbook.protocol.Disconnect;
import io.peerbook.protocol.Identity;
import io.peerbook.metrics.Meters;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Supplier;

/**
 * One peer's socket: its identity, its state (connecting, waiting, approved), and its messages. Messages are handled
 * one at a time, in the order received, so replies and relayed signaling keep the sender's order end to end.
 */
final class PeerSession {
  enum State { CONNECTING, WAITING, APPROVED, CLOSED }

  /** Messages accepted but not yet handled; past this the socket is paused until half of them are done. */
  static final int MAX_QUEUED = 256;
  /** How long a peer has to answer our close frame before its TCP connection is cut. */
  static final long CLOSE_GRACE_MS = 2_000;
  static final String SLOW = "the target does not read its messages; its connection was closed";
  private static final Logger LOG = LoggerFactory.getLogger(PeerSession.class);

  private final GatewayContext ctx;
  private final ServerWebSocket ws;
  private final String conn;
  private final String email;
  private final String fingerprint;
  private final String kind;
  private final String address;
  private final TokenBucket bucket;
  private final Deque<Supplier<Future<Void>>> queue = new ArrayDeque<>();
  private String name;
  private String nameKey;
  private State state = State.CONNECTING;
  /** An approval or rejection heard while the connect request was still out. */
  private State decidedEarly;
  private boolean busy;
  private boolean paused;
  private boolean pongSeen = true;
  /** Our close frame is out: nothing more may be written (RFC 6455 5.5.1), and a second close is pointless. */
  private boolean closing;
  /** Closed because it did not read: what a sender hears for each message that found it so. */
  private boolean slow;
  private Future<Void> connected = Future.succeededFuture();
  /** Completes once the directory has heard that this socket closed. */
  private final Promise<Void> left = Promise.promise();

  PeerSession(GatewayContext ctx, ServerWebSocket ws, String conn, String email, String name, String fingerprint,
              String kind, String address) {
    this.ctx = ctx;
    this.ws = ws;
    this.conn = conn;
    this.email = email;
    this.name = name;
    this.nameKey = Identity.nameKey(name);
    this.fingerprint = fingerprint;
    this.kind = kind;
    this.address = address;
    int rate = ctx.cfg().msgRate();
    this.bucket = rate == 0 ? null : new TokenBucket(rate, ctx.cfg().msgBurst(), 50L * rate, System.nanoTime());
  }

  String conn() {
    return conn;
  }

  String email() {
    return email;
  }

  String name() {
    return name;
  }

  String nameKey() {
    return nameKey;
  }

  String fingerprint() {
    return fingerprint;
  }

  State state() {
    return state;
  }

  Future<Void> left() {
    return left.future();
  }

  boolean approved() {
    return state == State.APPROVED;
  }

  /** Our close frame is out or the socket is closed: nothing more can be written to it. */
  boolean closing() {
    return closing || ws.isClosed();
  }

  /** Wires the socket and asks the directory who this is; the answer is the first message the peer gets. */
  void start() {
    ws.textMessageHandler(this::onMessage);
    ws.binaryMessageHandler(b -> onMessage(null));
    ws.pongHandler(b -> pongSeen = true);
    ws.exceptionHandler(this::onError);
    ws.closeHandler(v -> onClose());
    try {
      // What the server holds for a peer that does not read is bounded: past this, send() closes the socket.
      ws.setWriteQueueMaxSize(ctx.cfg().limits().maxWriteQueue());
    } catch (IllegalStateException e) {
      // The peer's close frame came with the upgrade: nothing will be written, and the close handler cleans up.
      LOG.debug("{} closed during its upgrade", conn);
    }
    Promise<Void> done = Promise.promise();
    connected = done.future();
    enqueue(() -> connect().andThen(ar -> done.complete()));
  }

  // --- the connect handshake ---

  private Future<Void> connect() {
    JsonObject body = new JsonObject().put("email", email).put("name", name).put("fingerprint", fingerprint)
        .put("kind", kind).put("gateway", ctx.gatewayId()).put("conn", conn).put("node", ctx.cfg().nodeId())
        .put("address", address);
    return Bus.request(ctx.vertx().eventBus(), Address.DIRECTORY_CONNECT, body).transform(ar -> {
      if (state == State.CLOSED) {
        return Future.succeededFuture();
      }
      if (ar.failed()) {
        send(status(Codes.UNAVAILABLE, Bus.text(ar.cause())));
        ws.close(Codes.CLOSE_TRY_LATER, "service unavailable, try again");
        return Future.succeededFuture();
      }
      int code = ar.result().getInteger("code");
      if (code == Codes.TOO_MANY) {
        send(status(Codes.TOO_MANY, "too many devices of this user are waiting for approval; try again later"));
        close(Codes.CLOSE_ABUSE, "too many connections of this user");
        return Future.succeededFuture();
      }
      if (code == Codes.OK) {
        // Signaling is stamped with the name as the book spells it, whatever case the query used.
        name = ar.result().getJsonObject("peer").getString("name");
      }
      if (code == Codes.OK || decidedEarly == State.APPROVED) {
        state = State.APPROVED;
        send(status(Codes.OK, "approved"));
      } else if (decidedEarly == State.CLOSED) {
        reject();
      } else {
        state = State.WAITING;
        send(status(Codes.UNAUTHORIZED, waitingText(ar.result())));
      }
      return Future.succeededFuture();
    });
  }

  private static String waitingText(JsonObject answer) {
    if (answer.getBoolean("pending", true)) {
      return "waiting for approval: the user has been sent a link";
    }
    if ("address".equals(answer.getString("refused"))) {
      return "waiting for approval: too many new requests from your address this hour, so no request was recorded"
          + " and no mail sent; try again later";
    }
    return "waiting for approval: too many requests are pending for this user, so no request was recorded"
        + " and no mail sent";
  }

  // --- what the book says about this socket ---

  /** The user approved this waiting socket's request. */
  void approve() {
    if (state == State.CONNECTING) {
      decidedEarly = State.APPROVED;
    } else if (state == State.WAITING) {
      state = State.APPROVED;
      send(status(Codes.OK, "approved"));
    }
  }

  /** The user rejected this waiting socket's request. */
  void reject() {
    if (state == State.CONNECTING) {
      decidedEarly = State.CLOSED;
      return;
    }
    send(status(Codes.FORBIDDEN, "the user rejected this device"));
    close(Codes.CLOSE_REJECTED, "rejected");
  }

  /** The peer was removed, or another fingerprint was approved for its name. */
  void revoke(String why) {
    send(status(Codes.UNAUTHORIZED, why));
    close(Codes.CLOSE_REVOKED, "no longer approved");
  }

  void rename(String newName, String newKey) {
    this.name = newName;
    this.nameKey = newKey;
  }

  void close(short code, String reason) {
    if (!closing && !ws.isClosed()) {
      closing = true;
      // A peer that does not read (or is gone without a FIN) never answers the close frame: the server's WebSocket
      // closing timeout (CLOSE_GRACE_MS) drops its connection, flushed or not (HalfOpenTest, SlowReaderTest pin it).
      ws.close(code, reason);
    }
  }

  /** Sends one WebSocket ping; a socket that did not answer the previous one is closed. */
  void ping() {
    if (closing) {
      return;
    }
    if (paused) {
      return; // a paused socket is not read, so its pongs cannot arrive: it is busy, not dead
    }
    if (!pongSeen) {
      close(Codes.CLOSE_PING_TIMEOUT, "did not answer pings");
      return;
    }
    pongSeen = false;
    ws.writePing(Buffer.buffer("pb")).onFailure(err -> LOG.debug("ping to {} failed: {}", conn, err.toString()));
  }

  /**
   * Writes a message for this peer. Fails at once, already failed when it returns, when the socket is closing or its
   * write queue is full: a peer that does not read cannot make the server hold its messages without bound, so it is
   * closed with 1013 (it may reconnect and read), and whoever sent the message hears it was not delivered.
   */
  Future<Void> send(JsonObject message) {
    return sendText(message.encode());
  }

  /** {@link #send} for a message already encoded: a relayed one is encoded once, by the sender's gateway. */
  Future<Void> sendText(String text) {
    if (closing()) {
      return Future.failedFuture(new NotDelivered(slow ? SLOW : name + " is not online"));
    }
    if (ws.writeQueueFull()) {
      LOG.debug("{} does not read its messages: closing it", conn);
      slow = true;
      close(Codes.CLOSE_TRY_LATER, "not reading its messages");
      return Future.failedFuture(new NotDelivered(SLOW));
    }
    return ws.writeTextMessage(text);
  }

  /** A message that never reached the socket's write queue: the socket is closing or did not read. */
  static final class NotDelivered extends RuntimeException {
    NotDelivered(String text) {
      super(text, null, false, false);
    }
  }

  private void onClose() {
    State was = state;
    state = State.CLOSED;
    queue.clear();
    ctx.connections().remove(this);
    if (was == State.CLOSED) {
      left.tryComplete();
      return;
    }
    // The connect request may still be out: leave only after it landed, or the presence record would outlive us.
    connected.onComplete(ar -> {
      Leaving.clear(ctx.vertx(), new Disconnect(email, nameKey, fingerprint, conn, ctx.cfg().nodeId()))
          .onComplete(done -> left.tryComplete());
    });
  }

  // --- messages from the peer ---

  /** One whole message: text, or null for a binary one. Until the status is sent, it waits behind it. */
  private void onMessage(String text) {
    if (state == State.CLOSED) {
      return;
    }
    if (state == State.CONNECTING) {
      enqueue(() -> {
        accept(text);
        return Future.succeededFuture();
      });
      throttle();
      return;
    }
    accept(text);
  }

  /** Back-pressure, not loss: past MAX_QUEUED waiting messages the socket is not read (TCP slows the sender). */
  private void throttle() {
    if (!paused && queue.size() >= MAX_QUEUED) {
      paused = true;
      ws.pause();
    }
  }

  /**
   * Vert.x stops aggregating a message past maxWebSocketMessageSize (64 KiB), and Netty refuses a single frame past
   * maxWebSocketFrameSize; both are reported here, and both get 413 then close 1009.
   */
  private void onError(Throwable err) {
    if (tooLarge(err)) {
      Runnable tooLarge = () -> {
        send(error(null, null, Codes.TOO_LARGE, "message larger than 64 KiB"));
        close(Codes.CLOSE_TOO_LARGE, "message too large");
      };
      if (state == State.CONNECTING) {
        enqueue(() -> {
          tooLarge.run();
          return Future.succeededFuture();
        });
      } else {
        tooLarge.run();
      }
      return;
    }
    LOG.debug("socket {} error: {}", conn, err.toString());
  }

  private static boolean tooLarge(Throwable err) {
    if (err instanceof CorruptedWebSocketFrameException c) {
      return c.closeStatus() != null && c.closeStatus().code() == Codes.CLOSE_TOO_LARGE;
    }
    return err instanceof IllegalStateException && String.valueOf(err.getMessage()).contains("max message size");
  }

  /** Rate-limits, parses and queues one message; a malformed one is answered at once. */
  private void accept(String text) {
    if (state == State.CLOSED) {
      return;
    }
    // Every message counts against the rate, malformed ones too: they cost the server as much.
    boolean allowed = bucket == null || bucket.tryTake(System.nanoTime());
    JsonObject msg = null;
    String problem = null;
    if (text == null) {
      problem = "binary frames are not accepted";
    } else {
      try {
        Object parsed = Json.decodeValue(text);
        if (parsed instanceof JsonObject o) {
          msg = o;
        } else {
          problem = "a message must be a JSON object";
        }
      } catch (DecodeException e) {
        problem = "not JSON";
      }
    }
    Object id = msg == null ? null : msg.getValue("id");
    if (id != null && !(id instanceof String || id instanceof Number)) {
      id = null;
      problem = "id must be a string or a number";
    }
    String target = msg != null && msg.getValue("target") instanceof String t ? t : null;
    if (!allowed) {
      reply(id, target, Codes.TOO_MANY, "message rate exceeded");
      if (bucket.abusive()) {
        close(Codes.CLOSE_ABUSE, "message rate abuse");
      }
      return;
    }
    if (problem != null) {
      reply(id, null, Codes.BAD_REQUEST, problem);
      return;
    }
    JsonObject message = msg;
    Object messageId = id;
    enqueue(() -> handle(message, messageId));
    throttle();
  }

  private void enqueue(Supplier<Future<Void>> task) {
    queue.addLast(task);
    if (!busy) {
      drain();
    }
  }

  private void drain() {
    Supplier<Future<Void>> next = queue.pollFirst();
    if (paused && queue.size() < MAX_QUEUED / 2 && state != State.CLOSED) {
      paused = false;
      ws.resume();
    }
    if (next == null) {
      busy = false;
      return;
    }
    busy = true;
    Future<Void> done;
    try {
      done = next.get();
    } catch (RuntimeException e) {
      LOG.error("handling a message of {} failed", conn, e);
      done = Future.succeededFuture();
    }
    done.onComplete(ar -> drain());
  }

  private Future<Void> handle(JsonObject msg, Object id) {
    if (state == State.CLOSED) {
      return Future.succeededFuture();
    }
    Object command = msg.getValue("command");
    if (command != null) {
      if (!(command instanceof String c)) {
        return reply(id, null, Codes.BAD_REQUEST, "command must be a string");
      }
      if ("ping".equals(c)) {
        return answer(id, new JsonObject().put("pong", System.currentTimeMillis()));
      }
      if (!approved()) {
        return reply(id, null, Codes.UNAUTHORIZED, "not approved: only ping is allowed while waiting");
      }
      return switch (c) {
        case "get_list" -> getList(msg, id);
        case "set_properties" -> setProperties(msg, id);
        case "ice_servers" -> answer(id, new JsonObject().put("ice_servers",
            ctx.ice().forPeer(email, nameKey, System.currentTimeMillis() / 1000)));
        default -> reply(id, null, Codes.BAD_REQUEST, "unknown command");
      };
    }
    return signal(msg, id);
  }

  private Future<Void> getList(JsonObject msg, Object id) {
    JsonObject body = new JsonObject().put("email", email);
    if (msg.containsKey("filter")) {
      body.put("filter", msg.getValue("filter"));
    }
    return request(Address.DIRECTORY_LIST, body, id, null);
  }

  private Future<Void> setProperties(JsonObject msg, Object id) {
    if (!(msg.getValue("properties") instanceof JsonObject props)) {
      return reply(id, null, Codes.BAD_REQUEST, "properties must be an object");
    }
    JsonObject body = new JsonObject().put("email", email).put("name", name).put("fingerprint", fingerprint)
        .put("properties", props);
    return Bus.request(ctx.vertx().eventBus(), Address.DIRECTORY_SET_PROPERTIES, body).transform(ar -> ar.succeeded()
        ? answer(id, new JsonObject().put("code", Codes.OK))
        : reply(id, null, Bus.code(ar.cause()), Bus.text(ar.cause())));
  }

  private Future<Void> signal(JsonObject msg, Object id) {
    String type = null;
    int kinds = 0;
    for (String t : new String[] {"offer", "answer", "candidate"}) {
      if (msg.containsKey(t)) {
        type = t;
        kinds++;
      }
    }
    Object target = msg.getValue("target");
    String echoTarget = target instanceof String t ? t : null;
    if (kinds == 0) {
      return reply(id, echoTarget, Codes.BAD_REQUEST, "a message needs a command, or one of offer, answer, candidate");
    }
    if (kinds > 1) {
      return reply(id, echoTarget, Codes.BAD_REQUEST, "more than one of offer, answer, candidate");
    }
    if (!approved()) {
      return reply(id, echoTarget, Codes.UNAUTHORIZED, "not approved: only ping is allowed while waiting");
    }
    if (!(target instanceof String t) || t.isEmpty()) {
      return reply(id, echoTarget, Codes.BAD_REQUEST, "target must be a peer name");
    }
    Object claimed = msg.getValue("fingerprint");
    if (claimed != null && !(claimed instanceof String)) {
      return reply(id, echoTarget, Codes.BAD_REQUEST, "fingerprint must be a string");
    }
    if ("answer".equals(type) && claimed == null) {
      // The answer form names the initiator's fingerprint: it is what makes a 409 possible.
      return reply(id, echoTarget, Codes.BAD_REQUEST, "an answer needs the initiator's fingerprint");
    }
    // What the target gets, stamped from this approved connection and encoded once, whichever way it goes.
    String text = new JsonObject().put("source", name).put("fingerprint", fingerprint).put(type, msg.getValue(type))
        .encode();
    return ctx.forwarding().forward(email, t, type, "offer".equals(type) ? null : (String) claimed, text)
        .transform(ar -> ar.succeeded()
            ? Future.succeededFuture()
            : reply(id, echoTarget, Bus.code(ar.cause()), Bus.text(ar.cause())));
  }

  private Future<Void> request(Address address, JsonObject body, Object id, String target) {
    return Bus.request(ctx.vertx().eventBus(), address, body).transform(ar -> ar.succeeded()
        ? answer(id, ar.result())
        : reply(id, target, Bus.code(ar.cause()), Bus.text(ar.cause())));
  }

  private Future<Void> answer(Object id, JsonObject reply) {
    if (id != null) {
      reply.put("id", id);
    }
    return send(reply).otherwiseEmpty();
  }

  private Future<Void> reply(Object id, String target, int code, String text) {
    Meters.error(code);
    return send(error(id, target, code, text)).otherwiseEmpty();
  }

  static JsonObject status(int code, String text) {
    return new JsonObject().put("code", code).put("text", text);
  }

  static JsonObject error(Object id, String target, int code, String text) {
    JsonObject e = status(code, text);
    if (id != null) {
      e.put("id", id);
    }
    if (target != null) {
      e.put("target", target);
    }
    return e;
  }
}
