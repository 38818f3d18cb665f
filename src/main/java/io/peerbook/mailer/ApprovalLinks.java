package io.peerbook.mailer;

import io.peerbook.config.PeerbookConfig;
import io.peerbook.protocol.Address;
import io.peerbook.protocol.Bus;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * A device waits ({@link Address#MAILER_NOTIFY}): its user is mailed a link to the approval page, unless a link went
 * out within the mail interval (that link's page shows the new request too). The answer says which, as soon as it is
 * decided, so that the device is told the truth; the mail itself goes on after it, and a device never waits for SMTP.
 */
final class ApprovalLinks {
  private static final Logger LOG = LoggerFactory.getLogger(MailerVerticle.class);

  private final EventBus bus;
  private final PeerbookConfig cfg;
  private final LinkMailer links;

  ApprovalLinks(EventBus bus, PeerbookConfig cfg, LinkMailer links) {
    this.bus = bus;
    this.cfg = cfg;
    this.links = links;
  }

  /** {email} → {mailed: "now" | "earlier", since_seconds (earlier), interval_seconds, logged}. */
  Future<JsonObject> request(JsonObject body) {
    String email = body.getString("email");
    JsonObject decided = new JsonObject().put("interval_seconds", links.interval()).put("logged", !cfg.smtpEnabled());
    return links.claim(email).compose(claimed -> {
      if (!claimed) {
        return links.secondsSinceMailed(email).map(s -> decided.put("mailed", "earlier").put("since_seconds", s));
      }
      mail(email);
      return Future.succeededFuture(decided.put("mailed", "now"));
    });
  }

  private void mail(String email) {
    Bus.request(bus, Address.DIRECTORY_BOOK, new JsonObject().put("email", email))
        .compose(book -> {
          List<JsonObject> pending = new ArrayList<>();
          book.getJsonArray("pending").forEach(p -> pending.add((JsonObject) p));
          if (pending.isEmpty()) {
            return links.release(email); // approved or rejected meanwhile: nothing left to ask about
          }
          return links.send(email, link -> ApprovalMail.compose(email, pending, link, cfg.linkTtl()));
        })
        .recover(err -> links.failed("approval", email, err))
        .onFailure(err -> LOG.error("approval mail to {} not sent: {}", email, err.toString()));
  }
}
