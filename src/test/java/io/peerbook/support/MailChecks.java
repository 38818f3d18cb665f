package io.peerbook.support;

import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Checks that nothing was mailed to an address. Absence needs a barrier: a later request whose mail has arrived. Mails
 * may arrive out of order (the SMTP client has several connections), but the mailer claims a user's mail interval, in
 * Redis, before it sends, in the order it got the requests: so once the barrier's mail is in, an earlier mail would at
 * least have claimed the interval.
 */
public final class MailChecks {
  private MailChecks() {
  }

  public static int mailsTo(TestNode node, String email) {
    int n = 0;
    for (MimeMessage m : node.mail.getReceivedMessages()) {
      try {
        if (m.getAllRecipients()[0].toString().equalsIgnoreCase(email)) {
          n++;
        }
      } catch (MessagingException e) {
        throw new IllegalStateException(e);
      }
    }
    return n;
  }

  /** Call after a barrier's mail arrived: no mail to this address, and none on its way. */
  public static void assertNothingMailed(TestNode node, String email) {
    assertEquals(0, mailsTo(node, email), "a mail went to " + email);
    assertFalse(intervalClaimed(node, email), "a mail to " + email + " is on its way");
  }

  /**
   * How many unspent links were issued for this address: the mailer stores a link before it sends its mail, so this
   * counts a mail still on its way too.
   */
  public static int linksIssuedTo(TestNode node, String email) {
    Redis redis = Redis.createClient(node.vertx, node.config.getString("redis_url"));
    try {
      int n = 0;
      for (var key : redis.send(Request.cmd(Command.KEYS).arg(node.config.getString("redis_prefix") + "link:*")).await()) {
        var value = redis.send(Request.cmd(Command.GET).arg(key.toString())).await();
        if (value != null && email.equals(value.toString())) {
          n++;
        }
      }
      return n;
    } finally {
      redis.close();
    }
  }

  /** Whether the user's mail interval runs (peerbook's key {@code {email}:mailed}). */
  public static boolean intervalClaimed(TestNode node, String email) {
    Redis redis = Redis.createClient(node.vertx, node.config.getString("redis_url"));
    try {
      return redis.send(Request.cmd(Command.EXISTS).arg(node.config.getString("redis_prefix") + "{" + email + "}:mailed"))
          .await().toInteger() == 1;
    } finally {
      redis.close();
    }
  }
}
