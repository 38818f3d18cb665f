package io.peerbook;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.LogCapture;
import io.peerbook.support.PageClient;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.peerbook.support.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SMTP server goes away: the approval mail is retried with the bounded delays of mail_retries, and the pending
 * request is never lost: it is on the page of whichever mail reaches the user first.
 */
class MailOutageTest {
  private static final String EMAIL = "ines@example.com";
  private TestNode node;
  private LogCapture log;

  @AfterEach
  void stop() {
    if (log != null) {
      log.close();
    }
    if (node != null) {
      node.close();
    }
  }

  /** What the mailer logs about the SMTP server this test stops: asserted here, and kept off the console. */
  private static boolean smtpDown(ILoggingEvent e) {
    return e.getLoggerName().endsWith("MailerVerticle")
        && (e.getFormattedMessage().contains("retrying in") || e.getFormattedMessage().contains("not sent"));
  }

  private List<ILoggingEvent> mailLog(String text) {
    return log.matching(e -> e.getLoggerName().endsWith("MailerVerticle") && e.getFormattedMessage().contains(text));
  }

  @Test
  @DisplayName("SMTP down when a device asks: the mail is retried, arrives once SMTP is back, and its page lists the request, which can be approved")
  void mailIsRetriedUntilSmtpIsBack() {
    node = TestNode.start(Map.of("mail_retries", "1,2,5"));
    node.mail.stop();
    log = LogCapture.taking(MailOutageTest::smtpDown);
    String fp = Fingerprints.random();
    PeerClient laptop = node.connect(EMAIL, "Laptop", fp);
    laptop.expectCode(401);
    until(node.vertx, PeerClient.WAIT_SECONDS, () -> !mailLog("retrying in 1 s").isEmpty(), () -> "no failed attempt logged");

    node.mail.start();
    PageClient browser = new PageClient(node.port);
    String page = browser.signIn(TestNode.link(node.awaitMail(1)));
    assertTrue(page.contains("Laptop") && page.contains(fp), page);
    browser.act(page, "approve", Map.of("name", "Laptop", "fingerprint", fp));
    laptop.expectCode(200);
    assertTrue(mailLog("not sent").isEmpty(), "the mail was given up: " + LogCapture.describe(mailLog("")));
  }

  @Test
  @DisplayName("SMTP down through every retry: after the last of mail_retries the mail is given up, the request stays, and the user's next request mails a link whose page lists both")
  void requestOutlivesAMailGivenUp() {
    node = TestNode.start(Map.of("mail_retries", "1"));
    node.mail.stop();
    log = LogCapture.taking(MailOutageTest::smtpDown);
    String laptopFp = Fingerprints.random();
    node.connect(EMAIL, "Laptop", laptopFp).expectCode(401);
    until(node.vertx, PeerClient.WAIT_SECONDS, () -> !mailLog("not sent").isEmpty(), () -> "the mail was not given up");
    assertEquals(1, mailLog("retrying").size(), "one retry, as mail_retries says: " + LogCapture.describe(mailLog("")));

    node.mail.start();
    String tabletFp = Fingerprints.random();
    node.connect(EMAIL, "Tablet", tabletFp).expectCode(401);
    String text = TestNode.text(node.awaitMail(1));
    assertTrue(text.contains("Laptop") && text.contains("Tablet"), "the mail lists both requests: " + text);
    String page = new PageClient(node.port).signIn(TestNode.link(node.mail.getReceivedMessages()[0]));
    assertTrue(page.contains(laptopFp) && page.contains(tabletFp), page);
  }
}
