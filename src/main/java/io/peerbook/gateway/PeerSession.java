package io.peerbook.gateway;

import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.peerbook.metrics.Meters;
import io.peerbook.protocol.Address;
import io.peerbook.protocol.Bus;
import io.peerbook.protocol.Codes;
import io.peerbook.protocol.Disconnect;
import io.peerbook.protocol.Identity;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Supplier;

/**
 * One peer's socket: who it is, what it may do ({@link Admission}), its messages in order ({@link SerialInbox}), and
 * writing to it. Confined to the event loop of the gateway instance that accepted it.
 */
final class PeerSession implements MessageAssembler.Sink {
  /** How long a peer has to answer our close frame before its TCP connection is dropped. */
  static final long CLOSE_GRACE_MS = 2_000;
  static final String SLOW = "the target does not read its messages; its connection was closed";
  static final String NOT_APPROVED = "not approved: only ping is allowed while waiting";
  private static final Logger LOG = LoggerFactory.getLogger(PeerSession.class);

  private final GatewayContext ctx;
  private final Commands commands;
  private final ServerWebSocket ws;
  private final String conn;
  private final ConnectRequest request;
  private final TokenBucket bucket;
  private final SerialInbox inbox;
  private final Admission admission;
  private String name;
  private String nameKey;
  private boolean pongSeen = true;
  /** Our close frame is out: nothing more may be written (RFC 6455 5.5.1), and a second close is pointless. */
  private boolean closing;
  /** Closed because it did not read: what a sender hears for each message that found it so. */
  private boolean slow;
  private Future<Void> connected = Future.succeededFuture();
  /** Completes once the directory has heard that this socket closed. */
  private final Promise<Void> left = Promise.promise();

  PeerSession(GatewayContext ctx, Commands commands, ServerWebSocket ws, String conn, ConnectRequest request) {
    this.ctx = ctx;
    this.commands = commands;
    this.ws = ws;
    this.conn = conn;
    this.request = request;
    this.name = request.name();
    this.nameKey = Identity.nameKey(request.name());
    int rate = ctx.cfg().msgRate();
    this.bucket = rate == 0 ? null : new TokenBucket(rate, ctx.cfg().msgBurst(), 50L * rate, System.nanoTime());
    this.inbox = new SerialInbox(new SerialInbox.Source() {
      @Override
      public void pause() {
        ws.pause();
      }

      @Override
      public void resume() {
        ws.resume();
      }
    });
    this.admission = new Admission(ctx, this);
  }

  String conn() {
    return conn;
  }

  String email() {
    return request.email();
  }

  String name() {
    return name;
  }

  String nameKey() {
    return nameKey;
  }

  String fingerprint() {
    return request.fingerprint();
  }

  Admission.State state() {
    return admission.state();
  }

  Admission admission() {
    return admission;
  }

  Future<Void> left() {
    return left.future();
  }

  boolean approved() {
    return admission.state() == Admission.State.APPROVED;
  }

  /** Our close frame is out or the socket is closed: nothing more can be written to it. */
  boolean closing() {
    return closing || ws.isClosed();
  }

  /** Wires the socket and asks the directory who this is; the answer is the first message the peer gets. */
  void start() {
    MessageAssembler frames = new MessageAssembler(this);
    ws.frameHandler(frames::frame);
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
    JsonObject identity = new JsonObject().put("email", email()).put("name", name).put("fingerprint", fingerprint())
        .put("kind", request.kind()).put("gateway", ctx.gatewayId()).put("conn", conn).put("node", ctx.cfg().nodeId())
        .put("address", request.address());
    inbox.add(() -> admission.connect(identity).andThen(ar -> done.complete()));
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
    if (closing || inbox.paused()) {
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

  /** A direct reply to message {@code id}; never fails. */
  Future<Void> answer(Object id, JsonObject reply) {
    if (id != null) {
      reply.put("id", id);
    }
    return send(reply).otherwiseEmpty();
  }

  /** An error for message {@code id} (and its {@code target}, for signaling); never fails. */
  Future<Void> sendError(Object id, String target, int code, String text) {
    Meters.error(code);
    JsonObject error = Admission.status(code, text);
    if (id != null) {
      error.put("id", id);
    }
    if (target != null) {
      error.put("target", target);
    }
    return send(error).otherwiseEmpty();
  }

  /** Asks a service and answers message {@code id} with its reply or its error. */
  Future<Void> ask(Address address, JsonObject body, Object id) {
    return Bus.request(ctx.vertx().eventBus(), address, body).transform(ar -> ar.succeeded()
        ? answer(id, ar.result())
        : sendError(id, null, Bus.code(ar.cause()), Bus.text(ar.cause())));
  }

  /** A message that never reached the socket's write queue: the socket is closing or did not read. */
  static final class NotDelivered extends RuntimeException {
    NotDelivered(String text) {
      super(text, null, false, false);
    }
  }

  private void onClose() {
    Admission.State was = admission.close();
    inbox.close();
    ctx.connections().remove(this);
    if (was == Admission.State.CLOSED) {
      left.tryComplete();
      return;
    }
    // The connect request may still be out: leave only after it landed, or the presence record would outlive us.
    connected.onComplete(ar -> Leaving.clear(ctx.vertx(), new Disconnect(email(), nameKey, fingerprint(), conn,
        ctx.cfg().nodeId())).onComplete(done -> left.tryComplete()));
  }

  // --- messages from the peer (MessageAssembler.Sink) ---

  @Override
  public void text(String text) {
    accept(() -> Inbound.parse(text));
  }

  @Override
  public void binary() {
    accept(Inbound::binary);
  }

  /** Over 64 KiB: 413, then close 1009, after whatever came before it. */
  @Override
  public void tooLarge() {
    inbox.add(() -> {
      sendError(null, null, Codes.TOO_LARGE, "message larger than 64 KiB");
      close(Codes.CLOSE_TOO_LARGE, "message too large");
      return Future.succeededFuture();
    });
  }

  /** Netty refuses a single frame past the server's frame limit with 1009: the same 413 and close. */
  private void onError(Throwable err) {
    if (err instanceof CorruptedWebSocketFrameException c && c.closeStatus() != null
        && c.closeStatus().code() == Codes.CLOSE_TOO_LARGE) {
      tooLarge();
      return;
    }
    LOG.debug("socket {} error: {}", conn, err.toString());
  }

  /**
   * Rate-limits, parses and queues one message; a malformed one is answered at once, once the status is out. Every
   * message counts against the rate, malformed ones too: they cost the server as much.
   */
  private void accept(Supplier<Inbound> parse) {
    if (admission.state() == Admission.State.CLOSED) {
      return;
    }
    boolean allowed = bucket == null || bucket.tryTake(System.nanoTime());
    if (admission.state() == Admission.State.CONNECTING) {
      // Until the status is sent, messages wait behind it, unparsed.
      inbox.add(() -> handle(parse.get(), allowed));
    } else {
      handle(parse.get(), allowed);
    }
  }

  private Future<Void> handle(Inbound message, boolean allowed) {
    if (!allowed) {
      sendError(message.id(), message.target(), Codes.TOO_MANY, "message rate exceeded");
      if (bucket.abusive()) {
        close(Codes.CLOSE_ABUSE, "message rate abuse");
      }
    } else if (message.malformed()) {
      sendError(message.id(), null, Codes.BAD_REQUEST, message.problem());
    } else {
      inbox.add(() -> admission.state() == Admission.State.CLOSED
          ? Future.succeededFuture()
          : commands.dispatch(this, message));
    }
    return Future.succeededFuture();
  }
}
