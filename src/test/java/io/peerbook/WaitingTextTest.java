package io.peerbook;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.peerbook.mailer.MailerVerticle;
import io.peerbook.protocol.Address;
import io.peerbook.redis.AddressQuota;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.LogCapture;
import io.peerbook.support.PageClient;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The 401 a waiting device gets says what happened: a link is being mailed now; one was mailed N minutes ago and its
 * page shows this request; the address made too many new requests and may try again at a given time; or, with no
 * SMTP host, the link is in the server's log. A mailer that answers too late or fails is not made to say more.
 */
class WaitingTextTest {
  private static final String EMAIL = "truth@example.com";
  private static final Pattern CAPPED = Pattern.compile("waiting for approval: too many new requests from your address,"
      + " so nothing was recorded or mailed; try again after (\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d) UTC \\(in (\\d+) minutes?\\)");
  private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);
  private TestNode node;
  private LogCapture log;
  private final List<Logger> raised = new ArrayList<>();

  @AfterEach
  void stop() {
    raised.forEach(l -> l.setLevel(null));
    if (log != null) {
      log.close();
    }
    if (node != null) {
      node.close();
    }
  }

  /** Lets this logger's INFO lines through to the test's capture. */
  private void hear(Class<?> logger) {
    Logger l = (Logger) LoggerFactory.getLogger(logger);
    l.setLevel(Level.INFO);
    raised.add(l);
  }

  /** A new device of {@code email} connects: the text of its first status, which must be a 401. */
  private String waits(String email, String name) {
    return node.connect(email, name, Fingerprints.random()).expectCode(401).getString("text");
  }

  @Test
  @DisplayName("the first device hears a link is being mailed, and it is; the next ones within the mail interval hear the user was mailed one less than a minute ago, then 3 minutes ago, and that link's page shows them")
  void mailedNowThenEarlier() {
    node = TestNode.start();
    assertEquals("waiting for approval: a link is being mailed to the user", waits(EMAIL, "Laptop"));
    MimeMessage mail = node.awaitMail(1);

    assertEquals("waiting for approval: the user was mailed a link less than a minute ago that shows this request"
        + " (at most one mail every 5 minutes)", waits(EMAIL, "Phone"));
    // Three minutes and 20 seconds pass, as far as the mail interval in Redis can tell.
    redis(Request.cmd(Command.EXPIRE).arg(prefix() + "{" + EMAIL + "}:mailed").arg(300 - 200));
    assertEquals("waiting for approval: the user was mailed a link 3 minutes ago that shows this request"
        + " (at most one mail every 5 minutes)", waits(EMAIL, "Tablet"));

    String page = new PageClient(node.port).signIn(TestNode.link(mail));
    assertTrue(page.contains("Phone") && page.contains("Tablet"), "the earlier link's page shows the later requests");
    assertEquals(1, node.mail.getReceivedMessages().length, "a second mail within the interval");
  }

  @Test
  @DisplayName("with no SMTP host, the first device hears that the link is in the server's log, and it is; a second hears the link logged less than a minute ago shows its request")
  void noSmtpHostSaysTheLog() {
    Map<String, Object> noSmtp = new HashMap<>();
    noSmtp.put("smtp_host", null);
    node = TestNode.start(noSmtp);
    hear(MailerVerticle.class);
    log = LogCapture.open();
    assertEquals("waiting for approval: no SMTP host is set, so the link is in the server's log", waits(EMAIL, "Laptop"));
    Predicate<ILoggingEvent> link = e -> e.getFormattedMessage().startsWith("approval link for " + EMAIL + ": http://");
    awaitLogged(link);

    assertEquals("waiting for approval: no SMTP host is set; the link logged less than a minute ago shows this request"
        + " (at most one link every 5 minutes)", waits(EMAIL, "Phone"));
    assertEquals(1, log.matching(link).size(), LogCapture.describe(log.matching(link)));
  }

  @Test
  @DisplayName("past max_requests_per_address, a new device hears that nothing was recorded or mailed and when to try again (UTC, and in minutes); the cap is logged once, at INFO, with the address")
  void addressCapSaysWhen() {
    node = TestNode.start(Map.of("max_requests_per_address", 1, "admin_token", SocketKit.ADMIN_TOKEN));
    hear(AddressQuota.class);
    log = LogCapture.open();
    assertEquals("waiting for approval: a link is being mailed to the user", waits(EMAIL, "Laptop"));

    Instant before = Instant.now();
    String text = waits("capped@example.com", "Laptop");
    Matcher m = CAPPED.matcher(text);
    assertTrue(m.matches(), text);
    // The window began with the first request: the wait is just under an hour.
    assertEquals(60, Integer.parseInt(m.group(2)), text);
    Instant at = MINUTE.parse(m.group(1), Instant::from);
    assertTrue(!at.isBefore(before.plus(59, ChronoUnit.MINUTES)) && !at.isAfter(Instant.now().plus(61, ChronoUnit.MINUTES)),
        "try again at " + at + ", asked at " + before);
    assertTrue(SocketKit.book(node, "capped@example.com").getJsonArray("pending").isEmpty(), "a request was recorded");

    assertTrue(CAPPED.matcher(waits("capped-too@example.com", "Laptop")).matches());
    List<ILoggingEvent> said = log.matching(e -> e.getFormattedMessage().contains("refused"));
    assertEquals(1, said.size(), "the cap is logged once per address and hour: " + LogCapture.describe(said));
    assertEquals(Level.INFO, said.get(0).getLevel());
    assertTrue(said.get(0).getFormattedMessage().startsWith("127.0.0.1 reached max_requests_per_address (1 an hour)"), said.get(0).getFormattedMessage());
  }

  @Test
  @DisplayName("a mailer that has not answered when the connect must be: the device hears its request is recorded and a link will come, within the 2 s a connect may take; the mail follows once the mailer gets to it")
  void lateMailerPromisesNoMore() {
    node = TestNode.start();
    // A stuck mailer cannot be made here otherwise: the notices to it are held on the node's own event bus.
    List<Runnable> held = new CopyOnWriteArrayList<>();
    onNotice(dc -> {
      Context sender = Vertx.currentContext();
      held.add(() -> sender.runOnContext(v -> dc.next()));
    });
    long start = System.nanoTime();
    assertEquals("waiting for approval: the request is recorded; the user gets a link to it by mail"
        + " (at most one mail every 5 minutes)", waits(EMAIL, "Laptop"));
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2), "the connect waited for the mailer");
    assertEquals(1, held.size());
    held.forEach(Runnable::run);
    assertTrue(TestNode.text(node.awaitMail(1)).contains("Laptop"));
  }

  @Test
  @DisplayName("a mailer that fails to decide: the device hears its request is recorded but no link could be sent now")
  void failedMailerSaysSo() {
    node = TestNode.start();
    // A mailer whose Redis fails while the directory's works cannot be made here: its notice is failed on the bus.
    onNotice(dc -> dc.message().fail(503, "service unavailable, try again"));
    assertEquals("waiting for approval: the request is recorded, but no link could be sent now; connect again later",
        waits(EMAIL, "Laptop"));
  }

  /** Hands every mailer notice sent on the node's event bus to {@code notice} instead of the mailer. */
  private void onNotice(Consumer<DeliveryContext<Object>> notice) {
    node.vertx.eventBus().addOutboundInterceptor(dc -> {
      if (Address.MAILER_NOTIFY.address().equals(dc.message().address())) {
        notice.accept(dc);
      } else {
        dc.next();
      }
    });
  }

  private void awaitLogged(Predicate<ILoggingEvent> line) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PeerClient.WAIT_SECONDS);
    while (log.matching(line).isEmpty()) {
      assertTrue(System.nanoTime() < deadline, "not logged");
      PeerClient.await(node.vertx.timer(50));
    }
  }

  private String prefix() {
    return node.config.getString("redis_prefix");
  }

  private void redis(Request request) {
    Redis redis = Redis.createClient(node.vertx, node.config.getString("redis_url"));
    try {
      redis.send(request).await();
    } finally {
      redis.close();
    }
  }
}
