package io.peerbook;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.peerbook.redis.AddressQuota;
import io.peerbook.support.Admin;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.LogCapture;
import io.peerbook.support.MailChecks;
import io.peerbook.support.PageClient;
import io.peerbook.support.TestNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-address cap at the front door: "Email me a link" counts in the same hourly budget as new device requests of
 * the client address; over it, 429 with a page that says when to try again, nothing mailed, one log line.
 */
class FrontDoorCapTest {
  private static final String ADMIN = "t";
  private static final Pattern WHEN = Pattern.compile("Try again after (\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d) UTC</strong> \\(in (\\d+) minutes?\\)");
  private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);
  private TestNode node;
  private LogCapture log;
  private final Logger capLog = (Logger) LoggerFactory.getLogger(AddressQuota.class);

  @AfterEach
  void stop() {
    capLog.setLevel(null);
    if (log != null) {
      log.close();
    }
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("with max_requests_per_address 3, a new device and two link requests use the budget; the next ones get 429 saying when, and mail nothing; another address still gets its link")
  void capIsSharedWithNewDevicesAndSaysWhen() {
    node = TestNode.start(Map.of("admin_token", ADMIN, "max_requests_per_address", 3, "trusted_proxies", "127.0.0.1/32"));
    log = LogCapture.open();
    capLog.setLevel(Level.INFO);
    String known = "cap-known@example.com";
    Admin.provision(node.port, ADMIN, known, "Laptop", Fingerprints.random(), null);

    node.connect("cap-device@example.com", "Phone", Fingerprints.random()).expectCode(401);
    assertEquals(200, ask(known, null).statusCode(), "the second request of the hour");
    assertEquals(200, ask("cap-stranger@example.com", null).statusCode(), "the third request of the hour");

    String capped = "cap-late@example.com";
    Admin.provision(node.port, ADMIN, capped, "Laptop", Fingerprints.random(), null);
    Instant before = Instant.now();
    for (String email : List.of(capped, "cap-stranger-2@example.com")) {
      HttpResponse<String> r = ask(email, null);
      assertEquals(429, r.statusCode(), "over the cap: " + r.body());
      long retryAfter = Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow());
      assertTrue(retryAfter >= 1 && retryAfter <= 3600, "Retry-After " + retryAfter);
      Matcher when = WHEN.matcher(r.body());
      assertTrue(when.find(), "the page says when to try again: " + r.body());
      Instant at = MINUTE.parse(when.group(1), Instant::from);
      Instant earliest = before.plusSeconds(retryAfter - 2).truncatedTo(ChronoUnit.MINUTES);
      assertTrue(!at.isBefore(earliest) && !at.isAfter(Instant.now().plusSeconds(retryAfter + 60)),
          "try again at " + at + ", Retry-After " + retryAfter + " s");
      long minutes = Long.parseLong(when.group(2));
      assertEquals((retryAfter + 59) / 60, minutes, r.body());
    }

    // Another client address has a budget of its own: its link is the barrier after the refused requests.
    String elsewhere = "cap-elsewhere@example.com";
    Admin.provision(node.port, ADMIN, elsewhere, "Laptop", Fingerprints.random(), null);
    assertEquals(200, ask(elsewhere, "203.0.113.9").statusCode());
    node.awaitMailTo(elsewhere);
    node.awaitMailTo(known);
    MailChecks.assertNothingMailed(node, capped);
    List<ILoggingEvent> said = log.matching(e -> e.getFormattedMessage().contains("127.0.0.1")
        && e.getFormattedMessage().contains("refused"));
    assertEquals(1, said.size(), "the cap is logged once per address and hour: " + LogCapture.describe(said));
    assertEquals(Level.INFO, said.get(0).getLevel());
  }

  /** Loads the front door and sends its form, as the client address {@code from} behind the trusted proxy if given. */
  private HttpResponse<String> ask(String email, String from) {
    PageClient browser = new PageClient(node.port);
    String token = PageClient.hidden(browser.get("/").body(), "door_csrf");
    HttpRequest.Builder post = HttpRequest.newBuilder(URI.create(browser.base + "/"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("email=" + URLEncoder.encode(email, StandardCharsets.UTF_8)
            + "&door_csrf=" + URLEncoder.encode(token, StandardCharsets.UTF_8)));
    if (from != null) {
      post.header("X-Forwarded-For", from);
    }
    try {
      return browser.http.send(post.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}
