package io.peerbook.gateway;

import io.peerbook.protocol.Address;
import io.peerbook.protocol.Bus;
import io.peerbook.protocol.Codes;
import io.peerbook.protocol.Timestamps;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Where one socket stands with the book: proving its device key, connecting (the directory has not answered yet),
 * waiting for approval, approved, or closed. The directory's answer is the first message the peer gets; an approval or rejection that
 * arrives while that answer is still out is kept and applied when it lands.
 */
final class Admission {
  enum State { PROVING, CONNECTING, WAITING, APPROVED, CLOSED }

  static final String NOT_APPROVED = "not approved: only ping is allowed while waiting";
  static final String KEY_REQUIRED = "a device key is required: connect with the key parameter and prove it";

  private final GatewayContext ctx;
  private final PeerSession session;
  /** Read by forwarding on other event loops. */
  private volatile State state;
  /** An approval or rejection heard while the connect request was still out. */
  private State decidedEarly;

  /** @param proving the connection sent a device key, to be proven before anything else */
  Admission(GatewayContext ctx, PeerSession session, boolean proving) {
    this.ctx = ctx;
    this.session = session;
    this.state = proving ? State.PROVING : State.CONNECTING;
  }

  State state() {
    return state;
  }

  /** The key is proven (or there is none): the directory is asked next. */
  void proven() {
    state = State.CONNECTING;
  }

  /** Marks the socket closed; answers what it was before. */
  State close() {
    State was = state;
    state = State.CLOSED;
    return was;
  }

  /** Asks the directory who this is and tells the peer. Never fails. */
  Future<Void> connect(JsonObject identity) {
    return Bus.request(ctx.vertx().eventBus(), Address.DIRECTORY_CONNECT, identity).transform(ar -> {
      if (state == State.CLOSED) {
        return Future.succeededFuture();
      }
      if (ar.failed()) {
        session.send(status(Codes.UNAVAILABLE, Bus.text(ar.cause())));
        session.close(Codes.CLOSE_TRY_LATER, "service unavailable, try again");
        return Future.succeededFuture();
      }
      JsonObject answer = ar.result();
      int code = answer.getInteger("code");
      if (code == Codes.TOO_MANY) {
        session.send(status(Codes.TOO_MANY, "too many devices of this user are waiting for approval; try again later"));
        session.close(Codes.CLOSE_ABUSE, "too many connections of this user");
      } else if (code == Codes.OK || decidedEarly == State.APPROVED) {
        if (code == Codes.OK) {
          // Signaling is stamped with the name as the book spells it, whatever case the query used.
          session.rename(answer.getJsonObject("peer").getString("name"), session.nameKey());
        }
        approved();
      } else if (decidedEarly == State.CLOSED) {
        rejected();
      } else {
        state = State.WAITING;
        session.send(status(Codes.UNAUTHORIZED, waitingText(answer, Instant.now())));
      }
      return Future.succeededFuture();
    });
  }

  /** The user approved this waiting socket's request. */
  void approve() {
    if (state == State.CONNECTING) {
      decidedEarly = State.APPROVED;
    } else if (state == State.WAITING) {
      approved();
    }
  }

  private void approved() {
    state = State.APPROVED;
    session.approvedNow();
    session.send(status(Codes.OK, "approved"));
  }

  /** The user rejected this waiting socket's request. */
  void reject() {
    if (state == State.CONNECTING) {
      decidedEarly = State.CLOSED;
    } else {
      rejected();
    }
  }

  private void rejected() {
    session.send(status(Codes.FORBIDDEN, "the user rejected this device"));
    session.close(Codes.CLOSE_REJECTED, "rejected");
  }

  /** The peer was removed, or another identity was approved for its name. */
  void revoke(String why) {
    session.send(status(Codes.UNAUTHORIZED, why));
    session.close(Codes.CLOSE_REVOKED, "no longer approved");
  }

  /**
   * What a waiting device is told, from the directory's answer: whether its request was recorded, and what became of
   * the mail to its user (sent now, sent earlier in the interval, or written to the log with no SMTP host set).
   */
  static String waitingText(JsonObject answer, Instant now) {
    if ("address".equals(answer.getString("refused"))) {
      long wait = Math.max(1, answer.getLong("retry_after", 1L));
      return "waiting for approval: too many new requests from your address, so nothing was recorded or mailed;"
          + " try again after " + retryTime(now, wait) + " (in " + minutes((wait + 59) / 60) + ")";
    }
    if (!answer.getBoolean("pending", true)) {
      return "waiting for approval: too many requests are pending for this user, so no request was recorded"
          + " and no mail sent";
    }
    JsonObject mail = answer.getJsonObject("mail", new JsonObject());
    boolean logged = mail.getBoolean("logged", false);
    String every = " (at most one " + (logged ? "link" : "mail") + " every "
        + duration(mail.getInteger("interval_seconds", 1)) + ")";
    return switch (mail.getString("mailed", "unknown")) {
      case "now" -> logged ? "waiting for approval: no SMTP host is set, so the link is in the server's log"
          : "waiting for approval: a link is being mailed to the user";
      case "earlier" -> logged
          ? "waiting for approval: no SMTP host is set; the link logged " + ago(mail) + " shows this request" + every
          : "waiting for approval: the user was mailed a link " + ago(mail) + " that shows this request" + every;
      case "failed" -> "waiting for approval: the request is recorded, but no link could be sent now; connect again later";
      // The mailer did not answer in time: it still decides, and mails now or has mailed within the interval.
      default -> logged
          ? "waiting for approval: the request is recorded; no SMTP host is set, so its link goes to the server's log"
            + every
          : "waiting for approval: the request is recorded; the user gets a link to it by mail" + every;
    };
  }

  /** When a wait of {@code seconds} from now ends, rounded up to the minute, as the approval page writes times. */
  private static String retryTime(Instant now, long seconds) {
    Instant end = now.plusSeconds(seconds);
    Instant minute = end.truncatedTo(ChronoUnit.MINUTES);
    return Timestamps.readable((minute.equals(end) ? minute : minute.plus(1, ChronoUnit.MINUTES)).toString());
  }

  private static String ago(JsonObject mail) {
    long minutes = mail.getLong("since_seconds", 0L) / 60;
    return minutes == 0 ? "less than a minute ago" : minutes(minutes) + " ago";
  }

  private static String duration(int seconds) {
    return seconds % 60 == 0 ? minutes(seconds / 60) : seconds == 1 ? "1 second" : seconds + " seconds";
  }

  private static String minutes(long n) {
    return n == 1 ? "1 minute" : n + " minutes";
  }

  static JsonObject status(int code, String text) {
    return new JsonObject().put("code", code).put("text", text);
  }
}
