package io.peerbook.directory;

import io.peerbook.config.PeerbookConfig;
import io.peerbook.protocol.Address;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/**
 * Asks the mailer to mail the user of a waiting device, and hears what it decided (mailed now, or a link went out
 * earlier in the interval), so that the device's 401 says what happened. The mailer answers before it sends; what
 * it has not answered when the connect must be answered is said as unknown, and it mails all the same.
 */
final class MailNotice {
  /**
   * The mailer decides with one Redis command or two; what it has not decided in this time is said as unknown, so a
   * busy mailer adds at most this to a connect (which must be answered within {@link Deadline}, queueing included).
   */
  static final long WAIT_MS = 500;
  private final EventBus bus;
  private final PeerbookConfig cfg;

  MailNotice(EventBus bus, PeerbookConfig cfg) {
    this.bus = bus;
    this.cfg = cfg;
  }

  /** The {@link Address#MAILER_NOTIFY} answer, or {mailed: "unknown" | "failed", interval_seconds, logged}. */
  Future<JsonObject> ask(String email, Deadline deadline) {
    DeliveryOptions options = new DeliveryOptions().setLocalOnly(true)
        .setSendTimeout(Math.max(1, Math.min(WAIT_MS, deadline.remainingMs())));
    return bus.<JsonObject>request(Address.MAILER_NOTIFY.address(), new JsonObject().put("email", email), options)
        .map(Message::body).recover(err -> {
          // Past the timeout the mailer still has the notice and decides; any other failure mailed nothing.
          boolean late = err instanceof ReplyException re && re.failureType() == ReplyFailure.TIMEOUT;
          return Future.succeededFuture(new JsonObject().put("mailed", late ? "unknown" : "failed")
              .put("interval_seconds", Math.max(1, cfg.mailInterval())).put("logged", !cfg.smtpEnabled()));
        });
  }
}
