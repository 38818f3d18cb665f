package io.peerbook.gateway;

import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.peerbook.protocol.Codes;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Supplier;

/**
 * What one peer sends, as whole messages: rate-limited, parsed once, and queued in order for its command's handler.
 * Until the device key is proven only the proof is taken; until the status is sent, messages wait behind it.
 */
final class Intake implements MessageAssembler.Sink {
  static final String PROVE_FIRST = "prove the device key first: answer the challenge with the prove command";
  private static final Logger LOG = LoggerFactory.getLogger(Intake.class);
  private final PeerSession session;
  private final SerialInbox inbox;
  private final Commands commands;
  private final TokenBucket bucket;
  /** Set while the connection's device key waits for its proof. */
  private KeyProof proof;

  Intake(GatewayContext ctx, PeerSession session, SerialInbox inbox, Commands commands) {
    this.session = session;
    this.inbox = inbox;
    this.commands = commands;
    int rate = ctx.cfg().msgRate();
    this.bucket = rate == 0 ? null : new TokenBucket(rate, ctx.cfg().msgBurst(), 50L * rate, System.nanoTime());
  }

  void awaitProof(KeyProof proof) {
    this.proof = proof;
    proof.start();
  }

  /** The socket closed: a proof still awaited is not. */
  void close() {
    if (proof != null) {
      proof.cancel();
      proof = null;
    }
  }

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
      session.sendError(null, null, Codes.TOO_LARGE, "message larger than 64 KiB");
      session.close(Codes.CLOSE_TOO_LARGE, "message too large");
      return Future.succeededFuture();
    });
  }

  /** Netty refuses a single frame past the server's frame limit with 1009: the same 413 and close. */
  void error(Throwable err) {
    if (err instanceof CorruptedWebSocketFrameException c && c.closeStatus() != null
        && c.closeStatus().code() == Codes.CLOSE_TOO_LARGE) {
      tooLarge();
      return;
    }
    LOG.debug("socket {} error: {}", session.conn(), err.toString());
  }

  /** Every message counts against the rate, malformed ones too: they cost the server as much. */
  private void accept(Supplier<Inbound> parse) {
    Admission.State state = session.state();
    if (state == Admission.State.CLOSED) {
      return;
    }
    boolean allowed = bucket == null || bucket.tryTake(System.nanoTime());
    if (state == Admission.State.PROVING) {
      proving(parse.get(), allowed);
    } else if (state == Admission.State.CONNECTING) {
      // Until the status is sent, messages wait behind it, unparsed.
      inbox.add(() -> handle(parse.get(), allowed));
    } else {
      handle(parse.get(), allowed);
    }
  }

  /** Before the proof: the prove command is checked at once; anything else gets 401. */
  private void proving(Inbound message, boolean allowed) {
    if (!allowed || message.malformed()) {
      handle(message, allowed);
    } else if (message.command() != Inbound.Command.PROVE) {
      session.sendError(message.id(), null, Codes.UNAUTHORIZED, PROVE_FIRST);
    } else if (proof != null) {
      KeyProof awaited = proof;
      proof = null;
      if (awaited.prove(message.message().getValue("signature"))) {
        session.connect();
      }
    }
    // else: a second prove after a wrong one, while the socket closes: it had its one attempt
  }

  private Future<Void> handle(Inbound message, boolean allowed) {
    if (!allowed) {
      session.sendError(message.id(), message.target(), Codes.TOO_MANY, "message rate exceeded");
      if (bucket.abusive()) {
        session.close(Codes.CLOSE_ABUSE, "message rate abuse");
      }
    } else if (message.malformed()) {
      session.sendError(message.id(), null, Codes.BAD_REQUEST, message.problem());
    } else {
      inbox.add(() -> session.state() == Admission.State.CLOSED
          ? Future.succeededFuture()
          : commands.dispatch(session, message));
    }
    return Future.succeededFuture();
  }
}
