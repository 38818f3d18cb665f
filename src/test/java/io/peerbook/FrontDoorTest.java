package io.peerbook;

import io.peerbook.support.Admin;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.MailChecks;
import io.peerbook.support.PageClient;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The front door over plain HTTP: {@code GET /} and its "Email me a link", which mails a link like an approval link
 * to a user with a book, and to nobody else, with an answer that never tells which; CSRF; the mail interval.
 * The per-address cap is in {@link FrontDoorCapTest}.
 */
class FrontDoorTest {
  private static final String ADMIN = "t";
  private static TestNode node;

  @BeforeAll
  static void start() {
    // Every request here comes from 127.0.0.1: the cap is set out of the way (FrontDoorCapTest tests it).
    node = TestNode.start(Map.of("admin_token", ADMIN, "max_requests_per_address", 10_000));
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("GET / says what peerbook is, has one email field and the button Email me a link, points to /demo, and sets the form's cookie")
  void frontDoor() {
    HttpResponse<String> r = new PageClient(node.port).get("/");
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
    String page = r.body();
    assertTrue(page.contains("WebRTC"), page);
    assertEquals(1, count(page, "<input\\b[^>]*type=\"email\""), page);
    assertEquals(0, count(page, "<input\\b[^>]*type=\"(text|password)\""), page);
    assertEquals(1, count(page, "<button\\b[^>]*>\\s*Email me a link\\s*</button>"), page);
    assertTrue(page.contains("href=\"/demo\""), page);
    assertFalse(page.toLowerCase(Locale.ROOT).contains("<script"), page);
    String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
    assertTrue(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), csp);
    assertEquals("no-referrer", r.headers().firstValue("Referrer-Policy").orElse(null));
    String cookie = r.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("pb_door=")).findFirst()
        .orElseThrow(() -> new AssertionError("no pb_door cookie: " + r.headers().allValues("Set-Cookie")));
    String lower = cookie.toLowerCase(Locale.ROOT);
    assertTrue(lower.contains("httponly") && lower.contains("samesite=strict") && lower.contains("path=/"), cookie);
    assertEquals(cookie.substring("pb_door=".length(), cookie.indexOf(';')), PageClient.hidden(page, "door_csrf"));
  }

  @Test
  @DisplayName("a user with approved devices gets a sign-in mail (not a join request) whose link opens the page with Continue and then Your devices")
  void userWithABookGetsALink() {
    String email = "door-known@example.com";
    String fp = Fingerprints.random();
    Admin.provision(node.port, ADMIN, email, "Desk", fp, "server");
    HttpResponse<String> answer = ask(new PageClient(node.port), email);
    assertEquals(200, answer.statusCode(), answer.body());
    assertTrue(answer.body().contains("Check your mail"), answer.body());

    MimeMessage mail = node.awaitMailTo(email);
    String subject = subject(mail).toLowerCase(Locale.ROOT);
    assertTrue(subject.contains("manage your devices"), subject);
    for (String part : List.of(TestNode.text(mail), TestNode.html(mail))) {
      assertTrue(part.contains("manage your devices"), part);
      assertFalse(part.contains("asks to join"), "the mail says a device asks: " + part);
      assertTrue(part.contains("15 minutes"), "the link's lifetime: " + part);
    }
    String link = TestNode.link(mail);
    PageClient browser = new PageClient(node.port);
    HttpResponse<String> landing = browser.get(link);
    assertEquals(200, landing.statusCode());
    assertEquals(1, count(landing.body(), "<button\\b[^>]*>\\s*Continue\\s*</button>"), "a GET of the link changes nothing");
    String devices = browser.signIn(link);
    assertTrue(devices.contains(fp), devices);
    assertEquals(410, new PageClient(node.port).get(link).statusCode(), "the link works once");
  }

  @Test
  @DisplayName("a user with only a device waiting for approval gets the link too, and sees it on the page")
  void userWithOnlyAPendingDeviceGetsALink() {
    String email = "door-pending@example.com";
    PeerClient phone = node.connect(email, "Phone", Fingerprints.random());
    phone.expectCode(401);
    node.awaitMailTo(email);
    // The approval mail started the user's mail interval: let it be over.
    redis(Request.cmd(Command.DEL).arg(node.config.getString("redis_prefix") + "{" + email + "}:mailed"));

    assertEquals(200, ask(new PageClient(node.port), email).statusCode());
    awaitMails(email, 2);
    MimeMessage signIn = latestTo(email);
    assertTrue(subject(signIn).contains("manage your devices"), subject(signIn));
    String page = new PageClient(node.port).signIn(TestNode.link(signIn));
    assertTrue(page.contains("Phone") && page.contains(">Approve</button>"), page);
    phone.expectNothingBeforePong();
  }

  @Test
  @DisplayName("the answer does not tell who uses peerbook: the same status and bytes for a user with a book and an unknown address, which gets no mail")
  void answerDoesNotTellWhoUsesPeerbook() {
    String known = "door-same-known@example.com";
    String stranger = "door-same-stranger@example.com";
    Admin.provision(node.port, ADMIN, known, "Laptop", Fingerprints.random(), null);

    HttpResponse<String> toStranger = ask(new PageClient(node.port), stranger);
    HttpResponse<String> toKnown = ask(new PageClient(node.port), known);
    assertEquals(200, toStranger.statusCode());
    assertEquals(toKnown.statusCode(), toStranger.statusCode());
    assertEquals(toKnown.body(), toStranger.body(), "the answer differs between a user and a stranger");
    assertEquals(toKnown.headers().allValues("Set-Cookie"), toStranger.headers().allValues("Set-Cookie"));

    // The stranger's request was answered and looked up first; the known user's mail is the barrier.
    node.awaitMailTo(known);
    MailChecks.assertNothingMailed(node, stranger);
    assertEquals(List.of(), keysAbout(stranger), "the stranger's request left something in Redis");
  }

  @Test
  @DisplayName("a POST without the form's cookie, without its token or with a wrong one gets 403 and mails nothing")
  void csrfIsRequired() {
    String email = "door-forged@example.com";
    Admin.provision(node.port, ADMIN, email, "Laptop", Fingerprints.random(), null);
    PageClient browser = new PageClient(node.port);
    String token = PageClient.hidden(browser.get("/").body(), "door_csrf");

    List<HttpResponse<String>> refused = List.of(
        new PageClient(node.port).post("/", Map.of("email", email, "door_csrf", token)),
        browser.post("/", Map.of("email", email)),
        browser.post("/", Map.of("email", email, "door_csrf", token + "x")),
        browser.post("/", Map.of("email", email, "door_csrf", "")));
    for (HttpResponse<String> r : refused) {
      assertEquals(403, r.statusCode(), r.body());
      assertTrue(r.body().contains("nothing was sent"), r.body());
      assertFalse(r.body().contains("Check your mail"), r.body());
    }
    String barrier = "door-forged-barrier@example.com";
    Admin.provision(node.port, ADMIN, barrier, "Laptop", Fingerprints.random(), null);
    assertEquals(200, ask(new PageClient(node.port), barrier).statusCode());
    node.awaitMailTo(barrier);
    MailChecks.assertNothingMailed(node, email);
  }

  @Test
  @DisplayName("within the mail interval a second request gets the same answer and no second mail")
  void mailIntervalAppliesSilently() {
    String email = "door-twice@example.com";
    Admin.provision(node.port, ADMIN, email, "Laptop", Fingerprints.random(), null);
    HttpResponse<String> first = ask(new PageClient(node.port), email);
    node.awaitMailTo(email);
    HttpResponse<String> second = ask(new PageClient(node.port), email);
    assertEquals(first.statusCode(), second.statusCode());
    assertEquals(first.body(), second.body());
    assertTrue(second.body().contains("at most once every 5 minutes"), second.body());

    String barrier = "door-twice-barrier@example.com";
    Admin.provision(node.port, ADMIN, barrier, "Laptop", Fingerprints.random(), null);
    ask(new PageClient(node.port), barrier);
    node.awaitMailTo(barrier);
    assertEquals(1, MailChecks.mailsTo(node, email), "a second mail within mail_interval");
    assertEquals(1, MailChecks.linksIssuedTo(node, email), "a second link within mail_interval");
  }

  @Test
  @DisplayName("an address that is not an email gets 400 and the form again with the reason; nothing is mailed")
  void invalidEmail() {
    PageClient browser = new PageClient(node.port);
    for (String bad : List.of("", "not-an-address", "a@b", "x".repeat(300) + "@example.com")) {
      HttpResponse<String> r = ask(browser, bad);
      assertEquals(400, r.statusCode(), bad);
      assertTrue(r.body().contains("role=\"alert\"") && r.body().contains("not an email address"), r.body());
      assertEquals(1, count(r.body(), "<button\\b[^>]*>\\s*Email me a link\\s*</button>"), r.body());
    }
  }

  // --- helpers ---

  /** Loads the front door in this browser and sends its form. */
  static HttpResponse<String> ask(PageClient browser, String email) {
    HttpResponse<String> door = browser.get("/");
    assertEquals(200, door.statusCode());
    return browser.post("/", Map.of("email", email, "door_csrf", PageClient.hidden(door.body(), "door_csrf")));
  }

  private static int count(String html, String regex) {
    Matcher m = Pattern.compile(regex).matcher(html);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  private static String subject(MimeMessage mail) {
    try {
      return mail.getSubject();
    } catch (jakarta.mail.MessagingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Every key of this node's Redis prefix that names the address. */
  private static List<String> keysAbout(String email) {
    return redis(Request.cmd(Command.KEYS).arg(node.config.getString("redis_prefix") + "*" + email + "*")).stream()
        .map(Object::toString).toList();
  }

  private static Response redis(Request request) {
    Redis redis = Redis.createClient(node.vertx, node.config.getString("redis_url"));
    try {
      return redis.send(request).await();
    } finally {
      redis.close();
    }
  }

  private static void awaitMails(String email, int n) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PeerClient.WAIT_SECONDS);
    while (MailChecks.mailsTo(node, email) < n) {
      assertTrue(System.nanoTime() < deadline, "fewer than " + n + " mails to " + email);
      node.mail.waitForIncomingEmail(200, node.mail.getReceivedMessages().length + 1);
    }
  }

  private static MimeMessage latestTo(String email) {
    awaitMails(email, 1);
    return node.awaitMailTo(email);
  }
}
