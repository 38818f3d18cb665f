package io.peerbook.gateway;

import io.peerbook.metrics.Meters;
import io.peerbook.protocol.Codes;
import io.peerbook.protocol.Disconnect;
import io.peerbook.protocol.Identity;
import io.peerbook.relay.Endpoint;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One peer's socket: who it is, what it may do ({@link Admission}), what it sends ({@link Intake}), and writing to it.
 * Confined to the event loop of the gateway instance that accepted it, but for what forwarding does from other event
 * loops ({@link Endpoint}): it writes relayed messages into it and tells it of undelivered ones.
 */
final class PeerSession implements Endpoint {
  /** How long a peer has to answer our close frame before its TCP connection is dropped. */
  static final long CLOSE_GRACE_MS = 2_000;
  static final String SLOW = "the target does not read its messages; its connection was closed";
  private static final Logger LOG = LoggerFactory.getLogger(PeerSession.class);

  private final GatewayContext ctx;
  /** The event loop the socket belongs to. */
  private final Context context;
  private final ServerWebSocket ws;
  private final String conn;
  private final ConnectRequest request;
  private final SerialInbox inbox;
  private final Admission admission;
  private final Intake intake;
  // Read by forwarding on other event loops: volatile.
  private volatile String name;
  private volatile String nameKey;
  /** Our close frame is out: nothing more may be written (RFC 6455 5.5.1), and a second close is pointless. */
  private volatile boolean closing;
  /** Closed because it did not read: what a sender hears for each message that found it so. */
  private volatile boolean slow;
  private boolean pongSeen = true;
  /** What the signaling this peer sends begins with: its identity, encoded once (again after a rename). */
  private Stamps stamps;
  /** Set once the directory is asked about this socket; completes once it answered: only then may the socket leave. */
  private Promise<Void> connected;
  /** Completes once the directory has heard that this socket closed. */
  private final Promise<Void> left = Promise.promise();

  PeerSession(GatewayContext ctx, Commands commands, ServerWebSocket ws, String conn, ConnectRequest request) {
    this.ctx = ctx;
    this.context = ctx.vertx().getOrCreateContext();
    this.ws = ws;
    this.conn = conn;
    this.request = request;
    this.name = request.name();
    this.nameKey = Identity.nameKey(request.name());
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
    this.admission = new Admission(ctx, this, request.key() != null);
    this.intake = new Intake(ctx, this, inbox, commands);
  }

  @Override
  public String conn() {
    return conn;
  }

  @Override
  public String email() {
    return request.email();
  }

  @Override
  public String name() {
    return name;
  }

  /** The name as the connection gave it (what its proof signs), before the book's spelling replaced it. */
  String requestedName() {
    return request.name();
  }

  @Override
  public String nameKey() {
    return nameKey;
  }

  @Override
  public String fingerprint() {
    return request.fingerprint();
  }

  /** The device key this connection proved (base64url SPKI), or null for a keyless one. */
  String key() {
    return request.key() == null ? null : request.key().encoded();
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

  @Override
  public boolean approved() {
    return admission.state() == Admission.State.APPROVED && !closing;
  }

  /** Our close frame is out or the socket is closed: nothing more can be written to it. */
  boolean closing() {
    return closing || ws.isClosed();
  }

  /**
   * Wires the socket. A keyless connection asks the directory at once who it is (unless keys are required); one with a
   * key first gets a challenge, and asks once the key is proven. The first message the peer gets says which.
   */
  void start() {
    MessageAssembler frames = new MessageAssembler(intake);
    ws.frameHandler(frames::frame);
    ws.pongHandler(b -> pongSeen = true);
    ws.exceptionHandler(intake::error);
    ws.closeHandler(v -> onClose());
    try {
      // What the server holds for a peer that does not read is bounded: past this, send() closes the socket.
      ws.setWriteQueueMaxSize(ctx.cfg().limits().maxWriteQueue());
    } catch (IllegalStateException e) {
      // The peer's close frame came with the upgrade: nothing will be written, and the close handler cleans up.
      LOG.debug("{} closed during its upgrade", conn);
    }
    if (request.key() != null) {
      intake.awaitProof(new KeyProof(ctx.vertx(), this, request.key()));
    } else if (ctx.cfg().deviceKeysRequired()) {
      send(Admission.status(Codes.UNAUTHORIZED, Admission.KEY_REQUIRED));
      close(Codes.CLOSE_REVOKED, "device key required");
    } else {
      connect();
    }
  }

  /** Asks the directory who this is (the connection's key, if any, is proven); messages wait behind the answer. */
  void connect() {
    admission.proven();
    connected = Promise.promise();
    JsonObject identity = new JsonObject().put("email", email()).put("name", name).put("fingerprint", fingerprint())
        .put("kind", request.kind()).put("key", key()).put("gateway", ctx.gatewayId()).put("conn", conn)
        .put("node", ctx.cfg().nodeId()).put("address", request.address());
    inbox.add(() -> admission.connect(identity).andThen(ar -> connected.tryComplete()));
  }

  /** The start of a signaling message this peer sends, up to its payload (see {@link Stamps}). */
  String stamp(String type) {
    if (stamps == null) {
      stamps = new Stamps(name, fingerprint());
    }
    return stamps.of(type);
  }

  void rename(String newName, String newKey) {
    stamps = null;
    String oldKey = nameKey;
    this.name = newName;
    this.nameKey = newKey;
    if (approved()) {
      ctx.peers().withdraw(this, oldKey);
      ctx.peers().approve(this);
    }
  }

  /** Admission approved the socket: messages for its peer come here now. */
  void approvedNow() {
    ctx.peers().approve(this);
  }

  void close(short code, String reason) {
    if (!closing && !ws.isClosed()) {
      closing = true;
      ctx.peers().withdraw(this, nameKey);
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
      return Future.failedFuture(new NotDelivered(lostBecause()));
    }
    if (ws.writeQueueFull()) {
      LOG.debug("{} does not read its messages: closing it", conn);
      slow = true;
      close(Codes.CLOSE_TRY_LATER, "not reading its messages");
      return Future.failedFuture(new NotDelivered(SLOW));
    }
    return ws.writeTextMessage(text);
  }

  @Override
  public Future<Void> deliver(String text) {
    if (Vertx.currentContext() == context) {
      return sendText(text);
    }
    if (closing) {
      return Future.failedFuture(new NotDelivered(lostBecause()));
    }
    // Written on the socket's own event loop, where its write queue counts bytes (from another thread, Vert.x counts
    // unflushed writes instead and reports a full queue after a few): the write keeps the order it was handed over in.
    Promise<Void> written = Promise.promise();
    context.runOnContext(v -> sendText(text).onComplete(written));
    return written.future();
  }

  @Override
  public String lostBecause() {
    return slow ? SLOW : name + " is not online";
  }

  @Override
  public void undelivered(Object id, String target, int code, String text) {
    context.runOnContext(v -> sendError(id, target, code, text));
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

  private void onClose() {
    Admission.State was = admission.close();
    inbox.close();
    intake.close();
    ctx.connections().remove(this);
    if (was == Admission.State.CLOSED || connected == null) {
      // Closed already, or never recorded (no proof, or keys required): nothing to clear.
      left.tryComplete();
      return;
    }
    // The connect request may still be out: leave only after it landed, or the presence record would outlive us.
    connected.future().onComplete(ar -> ctx.leaving().clear(new Disconnect(email(), nameKey, fingerprint(), conn,
        ctx.cfg().nodeId())).onComplete(done -> left.tryComplete()));
  }
}
