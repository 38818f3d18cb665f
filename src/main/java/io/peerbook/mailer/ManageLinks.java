package io.peerbook.mailer;

import io.peerbook.config.PeerbookConfig;
import io.peerbook.protocol.Address;
import io.peerbook.protocol.Bus;
import io.peerbook.protocol.Identity;
import io.peerbook.redis.AddressQuota;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front door's "Email me a link" ({@link Address#MAILER_MANAGE_LINK}). The request is counted against its client
 * address's cap and answered at once; only then, unseen by the asker, the user is mailed a link if they have a book
 * (approved or pending devices) and were not mailed within the interval. So neither the answer nor its timing tells
 * whether an address uses peerbook, and no mail ever goes to an address without a book.
 */
final class ManageLinks {
  private static final Logger LOG = LoggerFactory.getLogger(MailerVerticle.class);

  private final EventBus bus;
  private final PeerbookConfig cfg;
  private final AddressQuota quota;
  private final LinkMailer links;

  ManageLinks(EventBus bus, PeerbookConfig cfg, AddressQuota quota, LinkMailer links) {
    this.bus = bus;
    this.cfg = cfg;
    this.quota = quota;
    this.links = links;
  }

  Future<JsonObject> request(JsonObject body) {
    String email = Identity.email(body.getString("email"));
    return quota.take(body.getString("address", "")).map(wait -> {
      if (wait > 0) {
        return new JsonObject().put("accepted", false).put("retry_after", wait);
      }
      mailIfKnown(email);
      return new JsonObject().put("accepted", true);
    });
  }

  private void mailIfKnown(String email) {
    Bus.request(bus, Address.DIRECTORY_BOOK, new JsonObject().put("email", email)).compose(book -> {
      if (book.getJsonArray("approved").isEmpty() && book.getJsonArray("pending").isEmpty()) {
        return Future.succeededFuture(); // not a user: nothing is mailed, and nothing is written
      }
      return links.claim(email).compose(claimed -> !claimed
          // Mailed within the interval, silently: the link in that mail works too.
          ? Future.<Void>succeededFuture()
          : links.send(email, link -> SignInMail.compose(email, link, cfg.linkTtl()))
              .recover(err -> links.failed("sign-in", email, err)));
    }).onFailure(err -> LOG.error("sign-in mail to {} not sent: {}", email, err.toString()));
  }
}
