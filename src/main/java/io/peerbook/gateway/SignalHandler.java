package io.peerbook.gateway;

import io.peerbook.protocol.Bus;
import io.peerbook.protocol.Codes;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * An offer, answer or candidate: checked, stamped with the sender's name and fingerprint from its approved connection
 * (never what the sender wrote), encoded once, and handed to forwarding. Delivered signaling gets no reply;
 * a failure is answered with the message's id and target.
 */
final class SignalHandler implements CommandHandler {
  private static final String[] TYPES = {"offer", "answer", "candidate"};
  private final GatewayContext ctx;

  SignalHandler(GatewayContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<Void> handle(PeerSession s, Inbound m) {
    if (m.scan() != null) {
      return plain(s, m.scan());
    }
    JsonObject msg = m.message();
    String type = null;
    int kinds = 0;
    for (String t : TYPES) {
      if (msg.containsKey(t)) {
        type = t;
        kinds++;
      }
    }
    String echo = m.target();
    if (kinds == 0) {
      return s.sendError(m.id(), echo, Codes.BAD_REQUEST, "a message needs a command, or one of offer, answer, candidate");
    }
    if (kinds > 1) {
      return s.sendError(m.id(), echo, Codes.BAD_REQUEST, "more than one of offer, answer, candidate");
    }
    if (!s.approved()) {
      return s.sendError(m.id(), echo, Codes.UNAUTHORIZED, Admission.NOT_APPROVED);
    }
    if (echo == null || echo.isEmpty()) {
      return s.sendError(m.id(), echo, Codes.BAD_REQUEST, "target must be a peer name");
    }
    Object claimed = msg.getValue("fingerprint");
    if (claimed != null && !(claimed instanceof String)) {
      return s.sendError(m.id(), echo, Codes.BAD_REQUEST, "fingerprint must be a string");
    }
    if ("answer".equals(type) && claimed == null) {
      // The answer form names the initiator's fingerprint: it is what makes a 409 possible.
      return s.sendError(m.id(), echo, Codes.BAD_REQUEST, "an answer needs the initiator's fingerprint");
    }
    String text = new JsonObject().put("source", s.name()).put("fingerprint", s.fingerprint()).put(type, msg.getValue(type))
        .encode();
    return forward(s, m.id(), echo, type, (String) claimed, text);
  }

  /** The plain shape, read without a tree: the same checks, and the payload's text spliced into the stamp. */
  private Future<Void> plain(PeerSession s, SignalScan m) {
    if (!s.approved()) {
      return s.sendError(m.id(), m.target(), Codes.UNAUTHORIZED, Admission.NOT_APPROVED);
    }
    if ("answer".equals(m.type()) && m.fingerprint() == null) {
      return s.sendError(m.id(), m.target(), Codes.BAD_REQUEST, "an answer needs the initiator's fingerprint");
    }
    return forward(s, m.id(), m.target(), m.type(), m.fingerprint(), s.stamp(m.type()) + m.payload() + "}");
  }

  private Future<Void> forward(PeerSession s, Object id, String target, String type, String claimed, String text) {
    return ctx.forwarding().forward(s, id, target, type, "offer".equals(type) ? null : claimed, text)
        .transform(ar -> ar.succeeded()
            ? Future.succeededFuture()
            : s.sendError(id, target, Bus.code(ar.cause()), Bus.text(ar.cause())));
  }
}
