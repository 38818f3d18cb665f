package io.peerbook;

import io.peerbook.support.Admin;
import io.peerbook.support.DeviceKeys;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.PageClient;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.mail.Address;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The page behind the mailed link, over plain HTTP as a browser (or a mail scanner) would use it: the landing page
 * and its Continue button, the session cookie, the management view, CSRF on every change, and what the user sees
 * when something goes wrong.
 */
class ApprovalPageTest {
  private static final String ADMIN = "t";
  private static final String ALICE = "alice@example.com";
  private static final String BOB = "bob@example.com";
  private static final HttpClient RAW = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
      .connectTimeout(Duration.ofSeconds(5)).build();
  /** One device on the management page: a card in the list of waiting or of approved devices. */
  private static final Pattern ROW = Pattern.compile("<li class=\"card\\b.*?</li>", Pattern.DOTALL);
  /** The management page's own script file, the only script a page may hold. */
  private static final String OWN_SCRIPT = "<script src=\"/static/page.js\" defer></script>";
  private static final Pattern ALERT = Pattern.compile("role=\"alert\"[^>]*>(.*?)</", Pattern.DOTALL);

  private TestNode node;

  private TestNode start(Map<String, Object> overrides) {
    Map<String, Object> all = new HashMap<>(overrides);
    all.putIfAbsent("admin_token", ADMIN);
    node = TestNode.start(all);
    return node;
  }

  private TestNode start() {
    return start(Map.of());
  }

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  // --- the landing page and Continue ---

  @Test
  @DisplayName("opening the link (twice, as a mail scanner would) changes nothing; the page says who it is for and Continue still works")
  void getOfTheLinkChangesNothing() {
    start();
    String fp = Fingerprints.random();
    PeerClient laptop = waiting(ALICE, "Laptop", fp, "client");
    String link = mailTo(ALICE);
    JsonObject before = book(ALICE);

    PageClient scanner = new PageClient(node.port);
    PageClient browser = new PageClient(node.port);
    for (PageClient c : List.of(scanner, scanner, browser, browser)) {
      HttpResponse<String> landing = c.get(link);
      assertEquals(200, landing.statusCode(), landing.body());
      assertTrue(landing.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
      assertTrue(landing.body().contains(ALICE), "the landing page says whose devices it is about: " + landing.body());
      assertEquals(1, buttons(landing.body(), "Continue"), landing.body());
      assertEquals(0, buttons(landing.body(), "Approve"), "nothing can be approved before Continue");
    }
    assertEquals(before, book(ALICE), "opening the link changed the book");
    laptop.expectNothingBeforePong();

    String page = browser.signIn(link);
    assertEquals(1, buttons(page, "Approve"), page);
    assertTrue(row(page, "Laptop").contains(fp), page);
    assertEquals(before, book(ALICE), "Continue alone changed the book");
  }

  @Test
  @DisplayName("Continue without the landing page's cookie, with a wrong or no continue token is refused with 403 and does not spend the link")
  void continueNeedsTheLandingPagesToken() {
    start();
    waiting(ALICE, "Laptop", Fingerprints.random(), null);
    String link = mailTo(ALICE);

    PageClient browser = new PageClient(node.port);
    HttpResponse<String> landing = browser.get(link);
    assertEquals(200, landing.statusCode());
    String token = PageClient.hidden(landing.body(), "continue_csrf");

    PageClient foreign = new PageClient(node.port);
    HttpResponse<String> noCookie = foreign.post(link, Map.of("continue_csrf", token));
    assertEquals(403, noCookie.statusCode(), "Continue from a browser that never saw the landing page");
    assertEquals(0, buttons(noCookie.body(), "Continue"));
    assertNoSession(noCookie);

    HttpResponse<String> wrong = browser.post(link, Map.of("continue_csrf", token + "x"));
    assertEquals(403, wrong.statusCode(), "Continue with a wrong token");
    assertNoSession(wrong);
    HttpResponse<String> missing = browser.post(link, Map.of());
    assertEquals(403, missing.statusCode(), "Continue without a token");
    assertNoSession(missing);
    assertEquals(401, browser.get("/manage").statusCode(), "a refused Continue opened a session");

    HttpResponse<String> stillThere = browser.get(link);
    assertEquals(200, stillThere.statusCode(), "a refused Continue spent the link");
    String page = browser.signIn(link);
    assertTrue(page.contains("Laptop"), page);
  }

  @Test
  @DisplayName("Continue spends the link: another Continue or a later GET answers 410 with a page that says to connect the device again and has no Continue")
  void continueSpendsTheLink() {
    start();
    waiting(ALICE, "Laptop", Fingerprints.random(), null);
    String link = mailTo(ALICE);

    PageClient first = new PageClient(node.port);
    PageClient second = new PageClient(node.port);
    HttpResponse<String> secondLanding = second.get(link);
    assertEquals(200, secondLanding.statusCode());

    String page = first.signIn(link);
    assertTrue(page.contains("Laptop"));

    HttpResponse<String> again = second.post(link, Map.of("continue_csrf", PageClient.hidden(secondLanding.body(), "continue_csrf")));
    assertGone(again);
    assertNoSession(again);
    assertEquals(401, second.get("/manage").statusCode());

    assertGone(first.get(link));
    assertGone(new PageClient(node.port).get(link));
    assertEquals(200, first.get("/manage").statusCode(), "the session opened by Continue still works");
  }

  @Test
  @DisplayName("five Continues of the same link at the same time: exactly one opens a session, the others get 410")
  void linkIsUsableOnceUnderConcurrency() {
    start();
    waiting(ALICE, "Laptop", Fingerprints.random(), null);
    String link = mailTo(ALICE);
    List<PageClient> browsers = new ArrayList<>();
    List<HttpRequest> posts = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      PageClient b = new PageClient(node.port);
      HttpResponse<String> landing = b.get(link);
      assertEquals(200, landing.statusCode());
      browsers.add(b);
      posts.add(HttpRequest.newBuilder(URI.create(link)).header("Content-Type", "application/x-www-form-urlencoded")
          .POST(HttpRequest.BodyPublishers.ofString("continue_csrf="
              + URLEncoder.encode(PageClient.hidden(landing.body(), "continue_csrf"), StandardCharsets.UTF_8))).build());
    }
    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      sent.add(browsers.get(i).http.sendAsync(posts.get(i), HttpResponse.BodyHandlers.ofString()));
    }
    int opened = 0;
    for (var f : sent) {
      HttpResponse<String> r = f.orTimeout(PeerClient.WAIT_SECONDS, TimeUnit.SECONDS).join();
      if (r.statusCode() == 303) {
        opened++;
      } else {
        assertGone(r);
      }
    }
    assertEquals(1, opened, "sessions opened by one link");
    assertEquals(1, browsers.stream().filter(b -> b.get("/manage").statusCode() == 200).count());
  }

  @Test
  @DisplayName("an unknown token answers 410 on GET and on Continue")
  void unknownTokenIsGone() {
    start();
    waiting(ALICE, "Laptop", Fingerprints.random(), null);
    String link = mailTo(ALICE);
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    String unknown = "/approve/" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);

    PageClient browser = new PageClient(node.port);
    assertGone(browser.get(unknown));
    HttpResponse<String> landing = browser.get(link);
    assertEquals(200, landing.statusCode());
    HttpResponse<String> post = browser.post(unknown, Map.of("continue_csrf", PageClient.hidden(landing.body(), "continue_csrf")));
    assertGone(post);
    assertNoSession(post);
    assertGone(browser.get("/approve/short"));
  }

  @Test
  @DisplayName("an expired link (link_ttl 2) answers 410 with the page that says what to do")
  void expiredLinkIsGone() {
    start(Map.of("link_ttl", 2));
    waiting(ALICE, "Laptop", Fingerprints.random(), null);
    String link = mailTo(ALICE);
    PageClient browser = new PageClient(node.port);
    assertEquals(200, browser.get(link).statusCode(), "the fresh link works");

    HttpResponse<String> r = pollUntil(() -> browser.get(link), 410, 15);
    assertGone(r);
  }

  // --- the session ---

  @Test
  @DisplayName("the session cookie is HttpOnly, SameSite=Strict, Path=/, Max-Age the session_ttl, and not Secure over http")
  void sessionCookieOverHttp() {
    start(Map.of("session_ttl", 1234));
    waiting(ALICE, "Laptop", Fingerprints.random(), null);
    String link = mailTo(ALICE);

    PageClient browser = new PageClient(node.port);
    HttpResponse<String> landing = browser.get(link);
    for (String c : landing.headers().allValues("Set-Cookie")) {
      Map<String, String> a = attributes(c);
      assertTrue(a.containsKey("httponly"), c);
      assertEquals("strict", a.get("samesite").toLowerCase(Locale.ROOT), c);
      assertFalse(a.containsKey("secure"), c);
    }
    HttpResponse<String> spent = browser.post(link, Map.of("continue_csrf", PageClient.hidden(landing.body(), "continue_csrf")));
    assertEquals(303, spent.statusCode(), spent.body());
    String cookie = sessionCookie(spent);
    Map<String, String> a = attributes(cookie);
    assertTrue(a.containsKey("httponly"), cookie);
    assertEquals("strict", a.get("samesite").toLowerCase(Locale.ROOT), cookie);
    assertEquals("/", a.get("path"), cookie);
    assertEquals("1234", a.get("max-age"), cookie);
    assertFalse(a.containsKey("secure"), "no Secure flag over plain http: " + cookie);
    assertEquals(200, browser.get("/manage").statusCode());
  }

  @Test
  @DisplayName("with an https public_url the link points there and the cookies carry Secure")
  void cookiesAreSecureBehindHttps() {
    start(Map.of("public_url", "https://peerbook.example"));
    waiting(ALICE, "Laptop", Fingerprints.random(), null);
    String text = TestNode.text(awaitMailTo(ALICE));
    Matcher m = Pattern.compile("https://peerbook\\.example/approve/([A-Za-z0-9_-]+)").matcher(text);
    assertTrue(m.find(), "the link is under the https public_url: " + text);
    String path = "/approve/" + m.group(1);

    HttpResponse<String> landing = raw("GET", path, null, null);
    assertEquals(200, landing.statusCode(), landing.body());
    List<String> continueCookies = landing.headers().allValues("Set-Cookie");
    assertFalse(continueCookies.isEmpty(), "the landing page sets the Continue cookie");
    for (String c : continueCookies) {
      assertTrue(attributes(c).containsKey("secure"), c);
    }
    String cookieHeader = continueCookies.stream().map(c -> c.split(";", 2)[0]).collect(Collectors.joining("; "));
    HttpResponse<String> spent = raw("POST", path, cookieHeader,
        Map.of("continue_csrf", PageClient.hidden(landing.body(), "continue_csrf")));
    assertEquals(303, spent.statusCode(), spent.body());
    String session = sessionCookie(spent);
    Map<String, String> a = attributes(session);
    assertTrue(a.containsKey("secure"), session);
    assertTrue(a.containsKey("httponly"), session);
    assertEquals("strict", a.get("samesite").toLowerCase(Locale.ROOT), session);
    assertEquals(200, raw("GET", "/manage", session.split(";", 2)[0], null).statusCode());
  }

  @Test
  @DisplayName("the session ends after session_ttl: the same cookie then gets the 401 page")
  void sessionExpires() {
    start(Map.of("session_ttl", 2));
    waiting(ALICE, "Laptop", Fingerprints.random(), null);
    String link = mailTo(ALICE);
    PageClient browser = new PageClient(node.port);
    HttpResponse<String> landing = browser.get(link);
    HttpResponse<String> spent = browser.post(link, Map.of("continue_csrf", PageClient.hidden(landing.body(), "continue_csrf")));
    assertEquals(303, spent.statusCode());
    // Sent by hand: a browser drops the cookie after Max-Age by itself; the server must end the session too.
    String cookie = sessionCookie(spent).split(";", 2)[0];
    HttpResponse<String> fresh = raw("GET", "/manage", cookie, null);
    assertEquals(200, fresh.statusCode(), "the session works at first");

    HttpResponse<String> ended = pollUntil(() -> raw("GET", "/manage", cookie, null), 401, 15);
    assertFalse(ended.body().contains("name=\"csrf\""), "an ended session still shows the management forms");
    assertFalse(ended.body().contains("Laptop"));
    HttpResponse<String> change = raw("POST", "/manage/approve", cookie,
        Map.of("name", "Laptop", "fingerprint", Fingerprints.random(), "csrf", "x"));
    assertEquals(401, change.statusCode());
  }

  @Test
  @DisplayName("without a session cookie the management page and its actions answer 401 and change nothing")
  void noSessionIsUnauthorized() {
    start();
    String fp = Fingerprints.random();
    PeerClient laptop = waiting(ALICE, "Laptop", fp, null);
    mailTo(ALICE);
    JsonObject before = book(ALICE);

    PageClient stranger = new PageClient(node.port);
    HttpResponse<String> page = stranger.get("/manage");
    assertEquals(401, page.statusCode());
    assertFalse(page.body().contains("Laptop"));
    HttpResponse<String> approve = stranger.post("/manage/approve", Map.of("name", "Laptop", "fingerprint", fp, "csrf", "x"));
    assertEquals(401, approve.statusCode());
    HttpResponse<String> bogus = raw("GET", "/manage", "pb_session=" + "A".repeat(43), null);
    assertEquals(401, bogus.statusCode());

    assertEquals(before, book(ALICE));
    laptop.expectNothingBeforePong();
  }

  // --- CSRF ---

  @Test
  @DisplayName("approve, reject, remove and rename with a missing, wrong or another session's CSRF token get 403 and change nothing")
  void everyChangeNeedsTheCsrfToken() {
    start();
    String deskFp = Fingerprints.random();
    putPeer(ALICE, "Desk", deskFp, "server");
    PeerClient desk = node.connect(ALICE, "Desk", deskFp);
    desk.expectCode(200);
    String laptopFp = Fingerprints.random();
    PeerClient laptop = waiting(ALICE, "Laptop", laptopFp, "client");
    String aliceLink = mailTo(ALICE);
    waiting(BOB, "Phone", Fingerprints.random(), null);
    String bobLink = mailTo(BOB);

    PageClient browser = new PageClient(node.port);
    String page = browser.signIn(aliceLink);
    String bobCsrf = PageClient.hidden(new PageClient(node.port).signIn(bobLink), "csrf");
    assertNotEquals(bobCsrf, PageClient.hidden(page, "csrf"), "two sessions share a CSRF token");
    JsonObject before = book(ALICE);

    Map<String, Map<String, String>> actions = new LinkedHashMap<>();
    actions.put("approve", Map.of("name", "Laptop", "fingerprint", laptopFp));
    actions.put("reject", Map.of("name", "Laptop", "fingerprint", laptopFp));
    actions.put("remove", Map.of("name", "Desk", "fingerprint", deskFp));
    actions.put("rename", Map.of("name", "Desk", "fingerprint", deskFp, "new_name", "Den"));
    for (var action : actions.entrySet()) {
      for (String csrf : new String[] {null, "", "wrong", bobCsrf}) {
        Map<String, String> form = new LinkedHashMap<>(action.getValue());
        if (csrf != null) {
          form.put("csrf", csrf);
        }
        HttpResponse<String> r = browser.post("/manage/" + action.getKey(), form);
        assertEquals(403, r.statusCode(), action.getKey() + " with csrf " + csrf + ": " + r.body());
      }
    }
    assertEquals(before, book(ALICE), "a refused change changed the book");
    laptop.expectNothingBeforePong();
    desk.expectNothingBeforePong();
    String after = browser.get("/manage").body();
    assertEquals(1, buttons(after, "Approve"), after);
    assertEquals(1, buttons(after, "Remove"), after);
  }

  @Test
  @DisplayName("a GET of an action URL is not a change: 404 or 405 and the book stays as it was")
  void getOfAnActionIsNotAChange() {
    start();
    String fp = Fingerprints.random();
    PeerClient laptop = waiting(ALICE, "Laptop", fp, null);
    PageClient browser = new PageClient(node.port);
    String page = browser.signIn(mailTo(ALICE));
    JsonObject before = book(ALICE);
    String query = "?name=Laptop&fingerprint=" + URLEncoder.encode(fp, StandardCharsets.UTF_8) + "&csrf="
        + URLEncoder.encode(PageClient.hidden(page, "csrf"), StandardCharsets.UTF_8);
    for (String action : List.of("approve", "reject", "remove", "rename")) {
      int status = browser.get("/manage/" + action + query).statusCode();
      assertTrue(status == 404 || status == 405, "GET /manage/" + action + " answered " + status);
    }
    assertEquals(before, book(ALICE));
    laptop.expectNothingBeforePong();
  }

  // --- what the pages show ---

  @Test
  @DisplayName("the landing and management pages forbid framing and scripts, send no referrer and are not cached")
  void securityHeaders() {
    start();
    waiting(ALICE, "Laptop", Fingerprints.random(), null);
    String link = mailTo(ALICE);
    PageClient browser = new PageClient(node.port);
    HttpResponse<String> landing = browser.get(link);
    assertSecurityHeaders(landing);
    HttpResponse<String> spent = browser.post(link, Map.of("continue_csrf", PageClient.hidden(landing.body(), "continue_csrf")));
    assertEquals(303, spent.statusCode());
    HttpResponse<String> manage = browser.get("/manage");
    assertEquals(200, manage.statusCode());
    assertSecurityHeaders(manage);
  }

  @Test
  @DisplayName("the page lists pending requests with Approve / Reject and approved peers with name, kind, fingerprint, dates, online, Remove / Rename")
  void pageListsTheBook() {
    start();
    String deskFp = Fingerprints.random();
    putPeer(ALICE, "Desk", deskFp, "server");
    PeerClient desk = node.connect(ALICE, "Desk", deskFp);
    desk.expectCode(200);
    String spareFp = Fingerprints.random();
    putPeer(ALICE, "Spare", spareFp, null);
    String laptopFp = Fingerprints.random();
    waiting(ALICE, "Laptop", "sha-256 " + laptopFp.toLowerCase(Locale.ROOT), "client");
    String link = mailTo(ALICE);
    String phoneFp = Fingerprints.random();
    waiting(ALICE, "Phone", phoneFp.replace(":", ""), null);

    String page = new PageClient(node.port).signIn(link);
    JsonObject book = book(ALICE);

    assertEquals(2, buttons(page, "Approve"), page);
    assertEquals(2, buttons(page, "Reject"), page);
    assertEquals(2, buttons(page, "Remove"), page);
    assertEquals(2, buttons(page, "Rename"), page);
    assertEquals(0, buttons(page, "Continue"), page);

    String laptop = row(page, "Laptop");
    assertTrue(laptop.contains(laptopFp), "pending fingerprint in canonical form: " + laptop);
    assertTrue(laptop.contains("client"), laptop);
    assertEquals(1, buttons(laptop, "Approve"), laptop);
    assertEquals(1, buttons(laptop, "Reject"), laptop);
    assertTrue(row(page, "Phone").contains(phoneFp), page);

    String deskRow = row(page, "Desk");
    JsonObject deskEntry = entry(book.getJsonArray("approved"), "Desk");
    assertTrue(deskRow.contains(deskFp), deskRow);
    assertTrue(deskRow.contains("server"), deskRow);
    assertShowsTime(deskRow, deskEntry.getString("registration_date"));
    assertNotNull(deskEntry.getString("last_connection"));
    assertShowsTime(deskRow, deskEntry.getString("last_connection"));
    assertTrue(deskRow.toLowerCase(Locale.ROOT).contains("online"), deskRow);
    assertFalse(deskRow.toLowerCase(Locale.ROOT).contains("offline"), deskRow);
    assertEquals(1, buttons(deskRow, "Remove"), deskRow);
    assertEquals(1, buttons(deskRow, "Rename"), deskRow);
    assertEquals(0, buttons(deskRow, "Approve"), deskRow);

    String spareRow = row(page, "Spare");
    assertTrue(spareRow.contains(spareFp), spareRow);
    assertShowsTime(spareRow, entry(book.getJsonArray("approved"), "Spare").getString("registration_date"));
    assertTrue(spareRow.toLowerCase(Locale.ROOT).contains("offline"), spareRow);
    assertEquals(1, buttons(spareRow, "Remove"), spareRow);
  }

  @Test
  @DisplayName("each request shows its key id or that it has none; 'Key differs' (no key, another key), 'Adds a device key' and 'New fingerprint' each have their own tag, look and words; a keyless and a keyed request of one device are two cards whose forms name their own key_id; approved devices show their key id")
  void deviceKeysOnThePage() {
    start();
    String phoneFp = Fingerprints.random();
    DeviceKeys phoneKey = DeviceKeys.generate();
    DeviceKeys otherKey = DeviceKeys.generate();
    DeviceKeys deskKey = DeviceKeys.generate();
    DeviceKeys laptopKey = DeviceKeys.generate();
    Admin.put(node.port, ADMIN, ALICE, "Phone", new JsonObject().put("fingerprint", phoneFp).put("key", phoneKey.spki()));
    waiting(ALICE, "Phone", phoneFp, null);
    String link = mailTo(ALICE);
    node.connectProven(ALICE, "Phone", phoneFp, otherKey).expectCode(401);
    String deskFp = Fingerprints.random();
    putPeer(ALICE, "Desk", deskFp, null);
    node.connectProven(ALICE, "Desk", deskFp, deskKey).expectCode(401);
    Admin.put(node.port, ADMIN, ALICE, "Laptop", new JsonObject().put("fingerprint", Fingerprints.random())
        .put("key", laptopKey.spki()));
    String laptopFp = Fingerprints.random();
    waiting(ALICE, "Laptop", laptopFp, null);
    node.connectProven(ALICE, "Tablet", Fingerprints.random(), deskKey).expectCode(401);

    String page = new PageClient(node.port).signIn(link);
    String pending = page.substring(0, page.indexOf("id=\"approved\""));
    String approved = page.substring(page.indexOf("id=\"approved\""));
    List<String> phones = rows(pending, "Phone");
    assertEquals(2, phones.size(), pending);
    String keyless = phones.stream().filter(r -> r.contains("no device key")).findFirst().orElseThrow();
    String keyed = phones.stream().filter(r -> r.contains(otherKey.keyId())).findFirst().orElseThrow();
    for (String r : phones) {
      assertTrue(r.contains("class=\"card changed danger\""), r);
      assertTrue(r.contains(">Key differs</span>"), r);
      assertTrue(r.contains("Replaces key</dt><dd><code class=\"kid\">" + phoneKey.keyId() + "</code>"), r);
    }
    assertTrue(keyless.contains("none: this request has no device key"), keyless);
    assertTrue(keyless.contains("approving it lets a connection without the device's key act as Phone"), keyless);
    assertTrue(keyless.contains("name=\"key_id\" value=\"\""), "the keyless request's forms: " + keyless);
    assertTrue(keyed.contains("Key id</dt><dd><code class=\"kid\">" + otherKey.keyId() + "</code>"), keyed);
    assertTrue(keyed.contains("Approve only if Phone itself shows key id " + otherKey.keyId()), keyed);
    assertTrue(keyed.contains("name=\"key_id\" value=\"" + otherKey.keyId() + "\""), keyed);

    String desk = row(pending, "Desk");
    assertTrue(desk.contains("class=\"card changed info\"") && desk.contains(">Adds a device key</span>"), desk);
    assertTrue(desk.contains("Desk is approved without a device key"), desk);
    assertTrue(desk.contains("Key id</dt><dd><code class=\"kid\">" + deskKey.keyId() + "</code>"), desk);
    assertFalse(desk.contains("Replaces key"), desk);

    String laptop = row(pending, "Laptop");
    assertTrue(laptop.contains("class=\"card changed warn\"") && laptop.contains(">New fingerprint</span>"), laptop);
    assertTrue(laptop.contains("was approved with device key " + laptopKey.keyId() + " and this request has no key"),
        laptop);

    String tablet = row(pending, "Tablet");
    assertTrue(tablet.contains("<li class=\"card\"") && !tablet.contains("class=\"tag"), "a new device has no mark: " + tablet);
    assertTrue(tablet.contains("Key id</dt><dd><code class=\"kid\">" + deskKey.keyId() + "</code>"), tablet);

    assertTrue(row(approved, "Phone").contains("<code class=\"kid\">" + phoneKey.keyId() + "</code>"), approved);
    assertTrue(row(approved, "Desk").contains("none: connects with its fingerprint alone"), approved);
  }

  @Test
  @DisplayName("a peer named <script>alert(1)</script> is shown escaped, can be approved from the page and stays escaped")
  void namesAreEscaped() {
    start();
    String evil = "<script>alert(1)</script>";
    String evilKind = "<img src=x onerror=alert(1)>";
    String fp = Fingerprints.random();
    PeerClient peer = waiting(ALICE, evil, fp, evilKind);
    PageClient browser = new PageClient(node.port);
    String page = browser.signIn(mailTo(ALICE));
    assertFalse(page.contains(evil), page);
    assertFalse(page.contains("<img"), page);
    assertNoInjectedScript(page);
    assertTrue(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), page);

    HttpResponse<String> approved = follow(browser, browser.act(page, "approve", Map.of("name", evil, "fingerprint", fp)));
    assertEquals(200, approved.statusCode());
    peer.expectCode(200);
    assertEquals(evil, entry(book(ALICE).getJsonArray("approved"), evil).getString("name"));
    String after = approved.body();
    assertNoInjectedScript(after);
    assertFalse(after.contains("<img"), after);
    assertTrue(after.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), after);
    assertEquals(1, buttons(after, "Remove"), after);
  }

  @Test
  @DisplayName("a non-ASCII name is shown intact and can be approved, renamed and removed from the page")
  void nonAsciiNamesRoundTrip() {
    start();
    String name = "Téléphone de Zoë ☕";
    String fp = Fingerprints.random();
    PeerClient peer = waiting(ALICE, name, fp, null);
    PageClient browser = new PageClient(node.port);
    String page = browser.signIn(mailTo(ALICE));
    assertTrue(row(page, name).contains(fp), page);

    HttpResponse<String> approved = follow(browser, browser.act(page, "approve", Map.of("name", name, "fingerprint", fp)));
    assertFalse(ALERT.matcher(approved.body()).find(), approved.body());
    peer.expectCode(200);
    assertEquals(name, entry(book(ALICE).getJsonArray("approved"), name).getString("name"));

    String renamedTo = "Ordinateur d'Élodie ☕";
    HttpResponse<String> renamed = follow(browser, browser.act(approved.body(), "rename", Map.of("name", name, "new_name", renamedTo)));
    assertFalse(ALERT.matcher(renamed.body()).find(), renamed.body());
    assertTrue(row(renamed.body(), renamedTo).contains(fp), renamed.body());
    assertEquals(fp, entry(book(ALICE).getJsonArray("approved"), renamedTo).getString("fingerprint"));

    HttpResponse<String> removed = follow(browser, browser.act(renamed.body(), "remove", Map.of("name", renamedTo)));
    assertFalse(ALERT.matcher(removed.body()).find(), removed.body());
    assertTrue(book(ALICE).getJsonArray("approved").isEmpty());
  }

  @Test
  @DisplayName("Alice's session cannot approve, reject, remove or rename Bob's peers: not found, and Bob's book is unchanged")
  void noCrossUserChanges() {
    start();
    String bobDeskFp = Fingerprints.random();
    putPeer(BOB, "BobDesk", bobDeskFp, null);
    String bobLaptopFp = Fingerprints.random();
    putPeer(BOB, "Laptop", bobLaptopFp, null);
    PeerClient bobDesk = node.connect(BOB, "BobDesk", bobDeskFp);
    bobDesk.expectCode(200);
    String bobPhoneFp = Fingerprints.random();
    PeerClient bobPhone = waiting(BOB, "BobPhone", bobPhoneFp, null);
    putPeer(ALICE, "Laptop", Fingerprints.random(), null);
    waiting(ALICE, "AlicePhone", Fingerprints.random(), null);

    PageClient alice = new PageClient(node.port);
    String page = alice.signIn(mailTo(ALICE));
    assertFalse(page.contains("Bob"), "Alice's page shows Bob's peers: " + page);
    JsonObject bobBefore = book(BOB);

    // The forms also name Bob's address, in case the server took the user from the form instead of the session.
    List<Map.Entry<String, Map<String, String>>> attempts = List.of(
        Map.entry("approve", Map.of("name", "BobPhone", "fingerprint", bobPhoneFp, "email", BOB)),
        Map.entry("reject", Map.of("name", "BobPhone", "fingerprint", bobPhoneFp, "email", BOB)),
        Map.entry("remove", Map.of("name", "BobDesk", "email", BOB)),
        Map.entry("rename", Map.of("name", "BobDesk", "new_name", "Mine", "email", BOB)));
    for (var attempt : attempts) {
      String shown = alert(follow(alice, alice.act(page, attempt.getKey(), attempt.getValue())), attempt.getKey() + " of Bob's peer");
      // The same answer as for a name no user has: the page never tells whether another user has such a peer.
      Map<String, String> nobody = new HashMap<>(attempt.getValue());
      nobody.put("name", "Nobody");
      assertEquals(alert(follow(alice, alice.act(page, attempt.getKey(), nobody)), attempt.getKey() + " of nobody's peer"), shown);
    }
    assertEquals(bobBefore, book(BOB), "Alice's session changed Bob's book");
    bobPhone.expectNothingBeforePong();
    bobDesk.expectNothingBeforePong();

    // The same name in both books: the action only ever targets the session's own book.
    HttpResponse<String> removed = follow(alice, alice.act(page, "remove", Map.of("name", "Laptop", "email", BOB)));
    assertEquals(200, removed.statusCode());
    assertEquals(0, buttons(removed.body(), "Remove"), removed.body());
    assertEquals(bobBefore, book(BOB), "removing Alice's Laptop touched Bob's");
    assertEquals(bobLaptopFp, entry(book(BOB).getJsonArray("approved"), "Laptop").getString("fingerprint"));
  }

  @Test
  @DisplayName("404, 409 and 400 outcomes show an error message on the page; a rejected request leaves the list and may ask again")
  void failedActionsShowAnError() {
    start();
    String deskFp = Fingerprints.random();
    putPeer(ALICE, "Desk", deskFp, null);
    putPeer(ALICE, "Spare", Fingerprints.random(), null);
    String laptopFp = Fingerprints.random();
    PeerClient laptop = waiting(ALICE, "Laptop", laptopFp, null);
    PageClient browser = new PageClient(node.port);
    String page = browser.signIn(mailTo(ALICE));

    HttpResponse<String> rejected = follow(browser, browser.act(page, "reject", Map.of("name", "Laptop", "fingerprint", laptopFp)));
    assertEquals(200, rejected.statusCode());
    assertFalse(ALERT.matcher(rejected.body()).find(), "a successful reject shows an error: " + rejected.body());
    assertEquals(0, buttons(rejected.body(), "Approve"), "the rejected request is still listed: " + rejected.body());
    laptop.expectCode(403);
    assertEquals(4403, laptop.awaitClose());
    assertTrue(book(ALICE).getJsonArray("pending").isEmpty());

    // The page shown before the reject still offers Approve: that request is gone now.
    String notFound = alert(follow(browser, browser.act(page, "approve", Map.of("name", "Laptop", "fingerprint", laptopFp))),
        "approving a rejected request");
    assertEquals(0, book(ALICE).getJsonArray("approved").stream()
        .filter(o -> ((JsonObject) o).getString("name").equals("Laptop")).count(), "a rejected request got approved");
    assertEquals(notFound, alert(follow(browser, browser.act(page, "remove", Map.of("name", "Ghost"))), "removing an unknown peer"));

    JsonObject before = book(ALICE);
    String taken = alert(follow(browser, browser.act(page, "rename", Map.of("name", "Desk", "new_name", "SPARE"))),
        "renaming to a taken name (other case)");
    for (String bad : List.of("", "x".repeat(65), "bad\u0007name")) {
      String invalid = alert(follow(browser, browser.act(page, "rename", Map.of("name", "Desk", "new_name", bad))),
          "renaming to '" + bad + "'");
      assertNotEquals(taken, invalid, "the same message for an invalid and a taken name");
      assertNotEquals(notFound, invalid, "the same message for an invalid name and a missing peer");
    }
    assertNotEquals(notFound, taken, "the same message for a taken name and a missing peer");
    assertEquals(before, book(ALICE), "a failed action changed the book");

    // The device may ask again later: it is listed again.
    PeerClient again = waiting(ALICE, "Laptop", laptopFp, null);
    String reloaded = browser.get("/manage").body();
    assertEquals(1, buttons(reloaded, "Approve"), reloaded);
    assertTrue(row(reloaded, "Laptop").contains(laptopFp), reloaded);
    again.expectNothingBeforePong();
  }

  @Test
  @DisplayName("Rename and Remove on the page change the book and tell the connected peer")
  void renameAndRemoveFromThePage() {
    start();
    String deskFp = Fingerprints.random();
    putPeer(ALICE, "Desk", deskFp, "server");
    PeerClient desk = node.connect(ALICE, "Desk", deskFp);
    desk.expectCode(200);
    waiting(ALICE, "Laptop", Fingerprints.random(), null);
    PageClient browser = new PageClient(node.port);
    String page = browser.signIn(mailTo(ALICE));

    HttpResponse<String> renamed = follow(browser, browser.act(page, "rename", Map.of("name", "Desk", "new_name", "Den")));
    assertEquals(200, renamed.statusCode());
    assertFalse(ALERT.matcher(renamed.body()).find(), renamed.body());
    assertTrue(row(renamed.body(), "Den").contains(deskFp), renamed.body());
    JsonObject update = desk.nextUpdate();
    assertEquals("renamed", update.getString("event"));
    assertEquals("Den", update.getString("name"));
    assertEquals("Desk", update.getString("old_name"));
    assertEquals(deskFp, entry(book(ALICE).getJsonArray("approved"), "Den").getString("fingerprint"));

    HttpResponse<String> removed = follow(browser, browser.act(renamed.body(), "remove", Map.of("name", "Den")));
    assertEquals(200, removed.statusCode());
    assertEquals(0, buttons(removed.body(), "Remove"), removed.body());
    desk.expectCode(401);
    assertEquals(4401, desk.awaitClose());
    assertTrue(book(ALICE).getJsonArray("approved").isEmpty());
  }

  // --- helpers ---

  private PeerClient waiting(String email, String name, String fingerprint, String kind) {
    PeerClient c = node.connect(email, name, fingerprint, kind);
    c.expectCode(401);
    return c;
  }

  /** The latest mail to this address (waits for one). */
  private MimeMessage awaitMailTo(String email) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PeerClient.WAIT_SECONDS);
    while (true) {
      MimeMessage[] all = node.mail.getReceivedMessages();
      for (int i = all.length - 1; i >= 0; i--) {
        if (isTo(all[i], email)) {
          return all[i];
        }
      }
      if (System.nanoTime() > deadline) {
        return fail("no mail to " + email);
      }
      node.mail.waitForIncomingEmail(200, all.length + 1);
    }
  }

  private String mailTo(String email) {
    return TestNode.link(awaitMailTo(email));
  }

  private static boolean isTo(MimeMessage m, String email) {
    try {
      for (Address a : m.getAllRecipients()) {
        if (a.toString().toLowerCase(Locale.ROOT).contains(email)) {
          return true;
        }
      }
      return false;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private HttpResponse<String> admin(String method, String path, JsonObject body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + path))
        .header("Authorization", "Bearer " + ADMIN);
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return send(b.build());
  }

  private void putPeer(String email, String name, String fingerprint, String kind) {
    JsonObject body = new JsonObject().put("fingerprint", fingerprint);
    if (kind != null) {
      body.put("kind", kind);
    }
    HttpResponse<String> r = admin("PUT", "/api/admin/users/" + email + "/peers/" + URLEncoder.encode(name, StandardCharsets.UTF_8)
        .replace("+", "%20"), body);
    assertEquals(201, r.statusCode(), r.body());
  }

  private JsonObject book(String email) {
    HttpResponse<String> r = admin("GET", "/api/admin/users/" + email + "/peers", null);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  private static JsonObject entry(JsonArray list, String name) {
    return list.stream().map(o -> (JsonObject) o).filter(e -> name.equals(e.getString("name"))).findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " in " + list.encode()));
  }

  private HttpResponse<String> raw(String method, String path, String cookie, Map<String, String> form) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + path));
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    if (form != null) {
      String body = form.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
          + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
      b.header("Content-Type", "application/x-www-form-urlencoded").method(method, HttpRequest.BodyPublishers.ofString(body));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return send(b.build());
  }

  private static HttpResponse<String> send(HttpRequest request) {
    try {
      return RAW.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Repeats a request until it answers {@code status}, pausing 50 ms on a Vert.x timer between tries. */
  private HttpResponse<String> pollUntil(java.util.function.Supplier<HttpResponse<String>> request, int status, int seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    HttpResponse<String> r = request.get();
    while (r.statusCode() != status) {
      if (System.nanoTime() > deadline) {
        fail("still " + r.statusCode() + " after " + seconds + " s, expected " + status);
      }
      PeerClient.await(node.vertx.timer(50));
      r = request.get();
    }
    return r;
  }

  /** Follows one 303 to the page it names. */
  private static HttpResponse<String> follow(PageClient browser, HttpResponse<String> r) {
    if (r.statusCode() == 303) {
      return browser.get(r.headers().firstValue("Location").orElseThrow());
    }
    return r;
  }

  private static int buttons(String html, String label) {
    Matcher m = Pattern.compile("<button\\b[^>]*>\\s*" + Pattern.quote(label) + "\\s*</button>").matcher(html);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  /** Every card headed by this (plain) name. */
  private static List<String> rows(String html, String name) {
    List<String> all = new ArrayList<>();
    Matcher m = ROW.matcher(html);
    while (m.find()) {
      if (m.group().contains(">" + name + "<")) {
        all.add(m.group());
      }
    }
    return all;
  }

  /** The card that shows this name as its heading, escaped as HTML text is (quotes need no escaping there). */
  private static String row(String html, String name) {
    String shown = ">" + name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") + "<";
    Matcher m = ROW.matcher(html);
    while (m.find()) {
      if (m.group().contains(shown)) {
        return m.group();
      }
    }
    return fail("no row for " + name + " in " + html);
  }

  private static void assertShowsTime(String html, String iso) {
    assertNotNull(iso);
    if (html.contains(iso)) {
      return;
    }
    // Another rendering of the same moment: at least its date and its hour and minute.
    assertTrue(html.contains(iso.substring(0, 10)) && html.contains(iso.substring(11, 16)), iso + " not shown in " + html);
  }

  private static void assertGone(HttpResponse<String> r) {
    assertEquals(410, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/html"), "the 410 is a page");
    String text = r.body().toLowerCase(Locale.ROOT);
    assertTrue(text.contains("connect") && text.contains("again"), "the 410 page says to connect the device again: " + r.body());
    assertEquals(0, buttons(r.body(), "Continue"), "the 410 page offers Continue: " + r.body());
    assertFalse(r.body().contains("continue_csrf"), r.body());
  }

  /** The page shows an error (an element with role alert) after a failed action; returns its text. */
  private static String alert(HttpResponse<String> r, String what) {
    assertEquals(200, r.statusCode(), what + ": " + r.body());
    Matcher m = ALERT.matcher(r.body());
    assertTrue(m.find(), what + ": no error message on the page: " + r.body());
    assertFalse(m.group(1).isBlank(), what + ": empty error message");
    return m.group(1);
  }

  private static void assertNoSession(HttpResponse<String> r) {
    for (String c : r.headers().allValues("Set-Cookie")) {
      String value = c.split(";", 2)[0];
      assertTrue(value.endsWith("="), "a refused Continue set a cookie: " + c);
    }
  }

  /** The cookie with a value that a Continue sets (the session); clearing cookies have none. */
  private static String sessionCookie(HttpResponse<String> r) {
    List<String> set = new ArrayList<>();
    for (String c : r.headers().allValues("Set-Cookie")) {
      if (!c.split(";", 2)[0].endsWith("=")) {
        set.add(c);
      }
    }
    assertEquals(1, set.size(), "one session cookie: " + r.headers().allValues("Set-Cookie"));
    return set.get(0);
  }

  /** A Set-Cookie header's attributes by lower-case name (flags map to ""). */
  private static Map<String, String> attributes(String setCookie) {
    Map<String, String> out = new HashMap<>();
    String[] parts = setCookie.split(";");
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i].trim();
      int eq = p.indexOf('=');
      out.put((eq < 0 ? p : p.substring(0, eq)).trim().toLowerCase(Locale.ROOT), eq < 0 ? "" : p.substring(eq + 1).trim());
    }
    return out;
  }

  private static void assertSecurityHeaders(HttpResponse<String> r) {
    assertEquals(200, r.statusCode(), r.body());
    String csp = r.headers().firstValue("Content-Security-Policy").orElse(null);
    assertNotNull(csp, "no Content-Security-Policy on " + r.uri());
    Map<String, String> directives = new HashMap<>();
    for (String d : csp.split(";")) {
      String t = d.trim();
      if (!t.isEmpty()) {
        int sp = t.indexOf(' ');
        directives.put((sp < 0 ? t : t.substring(0, sp)).toLowerCase(Locale.ROOT), sp < 0 ? "" : t.substring(sp + 1).trim());
      }
    }
    assertEquals("'none'", directives.get("frame-ancestors"), csp);
    String scripts = directives.containsKey("script-src") ? directives.get("script-src") : directives.get("default-src");
    assertTrue("'none'".equals(scripts) || "'self'".equals(scripts), "scripts only from the server's own files: " + csp);
    assertFalse(csp.contains("unsafe-inline") || csp.contains("unsafe-eval"), csp);
    assertEquals("no-referrer", r.headers().firstValue("Referrer-Policy").orElse(null), r.uri().toString());
    assertTrue(r.headers().firstValue("Cache-Control").orElse("").contains("no-store"), r.uri().toString());
    assertNoInjectedScript(r.body());
  }

  /** No inline script: at most the page's own script file. */
  private static void assertNoInjectedScript(String html) {
    assertFalse(html.replace(OWN_SCRIPT, "").toLowerCase(Locale.ROOT).contains("<script"), html);
  }
}
