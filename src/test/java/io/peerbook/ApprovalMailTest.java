package io.peerbook;

import io.peerbook.support.Admin;
import io.peerbook.support.DeviceKeys;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.PageClient;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.peerbook.support.TestRedis;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import jakarta.mail.Address;
import jakarta.mail.internet.InternetAddress;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The approval mail: who gets it, from whom, what it lists, its one link and that link's token, and how often a
 * user is mailed.
 */
class ApprovalMailTest {
  private static final String ADMIN = "t";
  private static final String ALICE = "alice@example.com";
  private static final String BOB = "bob@example.com";
  private static final Pattern TOKEN = Pattern.compile("/approve/([^\\s\"'<>]+)");
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private TestNode node;

  private TestNode start(Map<String, Object> overrides) {
    Map<String, Object> all = new HashMap<>(overrides);
    all.putIfAbsent("admin_token", ADMIN);
    node = TestNode.start(all);
    return node;
  }

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("the mail goes to the user from mail_from, in text and HTML, listing name, kind, fingerprint and time, with one link under public_url and its lifetime")
  void mailContent() throws Exception {
    start(Map.of("mail_from", "approvals@peerbook.test", "link_ttl", 1200));
    String fp = Fingerprints.random();
    waiting("Alice@Example.COM", "Laptop", "sha-256 " + fp.toLowerCase(Locale.ROOT), "client");
    MimeMessage mail = node.awaitMail(1);

    Address[] to = mail.getAllRecipients();
    assertEquals(1, to.length);
    assertEquals(ALICE, ((InternetAddress) to[0]).getAddress().toLowerCase(Locale.ROOT));
    assertEquals(1, mail.getFrom().length);
    assertEquals("approvals@peerbook.test", ((InternetAddress) mail.getFrom()[0]).getAddress());
    assertTrue(mail.getSubject().contains("Laptop"), "the subject names the waiting device: " + mail.getSubject());

    String text = TestNode.text(mail);
    String html = TestNode.html(mail);
    assertFalse(text.isBlank(), "no text/plain part");
    assertFalse(html.isBlank(), "no text/html part");
    String requestedAt = entry(book(ALICE).getJsonArray("pending"), "Laptop").getString("requested_at");
    for (String part : List.of(text, html)) {
      assertTrue(part.contains("Laptop"), part);
      assertTrue(part.contains("client"), part);
      assertTrue(part.contains(fp), "the fingerprint in canonical form: " + part);
      assertShowsTime(part, requestedAt);
      assertTrue(Pattern.compile("\\b20 ?min|\\b1200 ?s", Pattern.CASE_INSENSITIVE).matcher(part).find(),
          "the link's lifetime (20 minutes) is stated: " + part);
    }

    String publicUrl = node.config.getString("public_url");
    List<String> textLinks = links(text);
    assertEquals(1, textLinks.size(), "one link in the text part: " + text);
    String link = textLinks.get(0);
    assertTrue(link.startsWith(publicUrl + "/"), link + " is not under " + publicUrl);
    List<String> htmlLinks = links(html);
    assertFalse(htmlLinks.isEmpty(), "no link in the HTML part");
    htmlLinks.forEach(l -> assertEquals(link, l, "the HTML part holds another link"));
    assertTrue(html.contains("href=\"" + link + "\""), html);
    assertEquals(200, new PageClient(node.port).get(link).statusCode(), "the mailed link opens the page");
  }

  @Test
  @DisplayName("a request for a changed fingerprint lists the new fingerprint and the one it replaces")
  void changedFingerprintShowsTheReplacedOne() {
    start(Map.of());
    String oldFp = Fingerprints.random();
    String newFp = Fingerprints.random();
    putPeer(ALICE, "Laptop", oldFp);
    waiting(ALICE, "Laptop", newFp, null);
    MimeMessage mail = node.awaitMail(1);
    for (String part : List.of(TestNode.text(mail), TestNode.html(mail))) {
      assertTrue(part.contains(newFp), part);
      assertTrue(part.contains(oldFp), "the replaced fingerprint is shown: " + part);
      assertTrue(part.indexOf(newFp) != part.indexOf(oldFp));
    }
  }

  @Test
  @DisplayName("each request shows its key id or says it has none; 'key differs' without a key, with another key, and 'adds a device key' each have their own mark and plain words in the text and HTML parts, with the key id they replace")
  void deviceKeysInTheMail() {
    start(Map.of());
    DeviceKeys approvedKey = DeviceKeys.generate();
    DeviceKeys otherKey = DeviceKeys.generate();
    DeviceKeys newKey = DeviceKeys.generate();
    String phoneFp = Fingerprints.random();

    // A keyless connection with the fingerprint of a device approved with a key: the likeliest attack.
    String keyless = "keyless@example.com";
    assertEquals(201, Admin.put(node.port, ADMIN, keyless, "Phone",
        new JsonObject().put("fingerprint", phoneFp).put("key", approvedKey.spki())));
    waiting(keyless, "Phone", phoneFp, null);
    for (String part : parts(node.awaitMailTo(keyless))) {
      assertContains(part, "Key differs", approvedKey.keyId(), "this request has no device key",
          "lets a connection without the device's key act as Phone", "Reject it");
      assertFalse(has(part, "Adds a device key"), part);
    }

    // Another key, proven, with the same fingerprint.
    String other = "otherkey@example.com";
    assertEquals(201, Admin.put(node.port, ADMIN, other, "Phone",
        new JsonObject().put("fingerprint", phoneFp).put("key", approvedKey.spki())));
    node.connectProven(other, "Phone", phoneFp, otherKey).expectCode(401);
    for (String part : parts(node.awaitMailTo(other))) {
      assertContains(part, "Key differs", "key id " + otherKey.keyId(), "replaces key id " + approvedKey.keyId(),
          "Approve only if Phone itself shows key id " + otherKey.keyId());
      assertFalse(part.contains("no device key"), part);
    }

    // A device approved without a key connects with one.
    String adds = "addskey@example.com";
    putPeer(adds, "Phone", phoneFp);
    node.connectProven(adds, "Phone", phoneFp, newKey).expectCode(401);
    for (String part : parts(node.awaitMailTo(adds))) {
      assertContains(part, "Adds a device key", "key id " + newKey.keyId(), "approved without a device key",
          "Approve only if Phone itself shows key id " + newKey.keyId());
      assertFalse(has(part, "Key differs") || has(part, "replaces key id"), part);
    }

    // A new device: its key id, and no mark.
    String fresh = "fresh@example.com";
    node.connectProven(fresh, "Tablet", Fingerprints.random(), newKey).expectCode(401);
    for (String part : parts(node.awaitMailTo(fresh))) {
      assertContains(part, "key id " + newKey.keyId());
      assertFalse(has(part, "Key differs") || has(part, "Adds a device key") || has(part, "New fingerprint"), part);
    }
    String text = TestNode.text(node.awaitMailTo(keyless));
    assertTrue(text.contains("KEY DIFFERS: Phone is approved with device key " + approvedKey.keyId()), text);
  }

  @Test
  @DisplayName("device names and kinds are HTML-escaped in the mail's HTML part")
  void htmlPartIsEscaped() {
    start(Map.of());
    String fp = Fingerprints.random();
    waiting(ALICE, "<b>Evil</b>", fp, "<i>k</i>");
    MimeMessage mail = node.awaitMail(1);
    String html = TestNode.html(mail);
    assertFalse(html.contains("<b>Evil</b>"), html);
    assertFalse(html.contains("<i>k</i>"), html);
    assertTrue(html.contains("&lt;b&gt;Evil&lt;/b&gt;"), html);
    assertTrue(TestNode.text(mail).contains("<b>Evil</b>"), "the text part shows the name as given");
  }

  @Test
  @DisplayName("a non-ASCII device name arrives intact in the subject, the text and the HTML part")
  void nonAsciiNames() throws Exception {
    start(Map.of());
    String name = "Téléphone de Zoë ☕";
    waiting(ALICE, name, Fingerprints.random(), "ordinateur portable");
    MimeMessage mail = node.awaitMail(1);
    assertTrue(mail.getSubject().contains(name), mail.getSubject());
    assertTrue(TestNode.text(mail).contains(name), TestNode.text(mail));
    String html = TestNode.html(mail);
    assertTrue(html.contains(name) || html.contains("T&eacute;l&eacute;phone") || html.contains("T&#233;l&#233;phone"), html);
    assertTrue(TestNode.text(mail).contains("ordinateur portable"));
  }

  @Test
  @DisplayName("within mail_interval a second request sends no mail and joins the pending list the first link's page shows")
  void secondRequestWithinTheIntervalJoinsThePage() throws Exception {
    start(Map.of());
    String laptopFp = Fingerprints.random();
    waiting(ALICE, "Laptop", laptopFp, null);
    String link = TestNode.link(node.awaitMail(1));

    String phoneFp = Fingerprints.random();
    waiting(ALICE, "Phone", phoneFp, "client");
    PeerClient tablet = waiting(ALICE, "Tablet", Fingerprints.random(), null);
    // The same device again (replacing its waiting socket) is no new request either.
    PeerClient phone = waiting(ALICE, "Phone", phoneFp, "client");
    // Round trips through the mailer (the link check) and the book before counting the mails.
    PageClient browser = new PageClient(node.port);
    assertEquals(200, browser.get(link).statusCode());
    String page = browser.signIn(link);
    assertTrue(page.contains("Laptop") && page.contains("Phone") && page.contains("Tablet"), page);
    assertTrue(page.contains(laptopFp) && page.contains(phoneFp), page);
    assertEquals(3, count(page, ">Approve</button>"), page);
    phone.expectNothingBeforePong();
    tablet.expectNothingBeforePong();
    assertEquals(1, node.mail.getReceivedMessages().length, "a second mail within mail_interval");
  }

  @Test
  @DisplayName("with mail_interval 1 a request after the interval sends a new mail with a new link, listing every pending request, its subject naming how many and the newest")
  void requestAfterTheIntervalSendsANewMail() throws Exception {
    start(Map.of("mail_interval", 1));
    Map<String, String> devices = new LinkedHashMap<>();
    devices.put("Laptop", Fingerprints.random());
    waiting(ALICE, "Laptop", devices.get("Laptop"), null);
    MimeMessage first = node.awaitMail(1);
    String firstLink = TestNode.link(first);

    // New devices keep asking until the interval is over and one of them gets a mail out.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    MimeMessage second = null;
    for (char c = 'A'; second == null; c++) {
      if (System.nanoTime() > deadline || c > 'Z') {
        fail("no second mail after mail_interval 1 s");
      }
      String name = "Dev" + c;
      devices.put(name, Fingerprints.random());
      waiting(ALICE, name, devices.get(name), null);
      if (node.mail.waitForIncomingEmail(500, 2)) {
        second = node.mail.getReceivedMessages()[1];
      }
    }
    assertTrue(devices.size() >= 2);
    String secondLink = TestNode.link(second);
    assertNotEquals(firstLink, secondLink, "the new mail has a new link");

    String text = TestNode.text(second);
    List<String> listed = new ArrayList<>();
    devices.forEach((name, fp) -> {
      if (text.contains(fp)) {
        listed.add(name);
        assertTrue(text.contains(name), text);
      }
    });
    assertTrue(listed.contains("Laptop"), "the mail lists the request mailed before, still pending: " + text);
    assertTrue(listed.contains("DevA"), "the mail lists the request made within the interval: " + text);
    JsonArray pending = book(ALICE).getJsonArray("pending");
    String newest = listed.stream().map(n -> entry(pending, n))
        .max(Comparator.comparing(e -> e.getString("requested_at"))).orElseThrow().getString("name");
    String subject = second.getSubject();
    assertTrue(subject.contains(String.valueOf(listed.size())), "the subject says how many wait (" + listed.size() + "): " + subject);
    assertTrue(subject.contains(newest), "the subject names the newest (" + newest + "): " + subject);

    String page = new PageClient(node.port).signIn(secondLink);
    assertEquals(devices.size(), count(page, ">Approve</button>"), page);
  }

  @Test
  @DisplayName("the link's token has at least 128 bits, differs per mail, and Redis holds only its hash (nor the session id in clear)")
  void tokenIsRandomAndStoredHashed() throws Exception {
    start(Map.of());
    String aliceFp = Fingerprints.random();
    waiting(ALICE, "Laptop", aliceFp, null);
    waiting(BOB, "Laptop", Fingerprints.random(), null);
    node.awaitMail(2);
    List<String> tokens = new ArrayList<>();
    String aliceLink = null;
    for (MimeMessage m : node.mail.getReceivedMessages()) {
      String link = TestNode.link(m);
      Matcher t = TOKEN.matcher(link);
      assertTrue(t.find());
      String token = t.group(1);
      assertTrue(token.matches("[A-Za-z0-9_-]{22,}"), "a token of at least 22 base64url characters (128 bits): " + token);
      tokens.add(token);
      if (((InternetAddress) m.getAllRecipients()[0]).getAddress().equalsIgnoreCase(ALICE)) {
        aliceLink = link;
      }
    }
    assertNotEquals(tokens.get(0), tokens.get(1), "two links share a token");

    String stored = redisDump(node.config.getString("redis_prefix"));
    assertTrue(stored.contains(aliceFp), "the scan sees the book: " + stored);
    for (String token : tokens) {
      assertFalse(stored.contains(token), "a link token is stored in clear");
    }

    PageClient browser = new PageClient(node.port);
    HttpResponse<String> landing = browser.get(aliceLink);
    HttpResponse<String> spent = browser.post(aliceLink, Map.of("continue_csrf", PageClient.hidden(landing.body(), "continue_csrf")));
    assertEquals(303, spent.statusCode());
    List<String> secrets = new ArrayList<>(tokens);
    for (String c : spent.headers().allValues("Set-Cookie")) {
      String value = c.split(";", 2)[0];
      value = value.substring(value.indexOf('=') + 1);
      if (!value.isEmpty()) {
        secrets.add(value);
      }
    }
    assertEquals(tokens.size() + 1, secrets.size(), "Continue set a session cookie");
    assertEquals(200, browser.get("/manage").statusCode());
    String afterContinue = redisDump(node.config.getString("redis_prefix"));
    for (String secret : secrets) {
      assertFalse(afterContinue.contains(secret), "a token or session id is stored in clear");
    }
  }

  // --- helpers ---

  /** The text part of a mail, and what a person reads in its HTML part (tags dropped, entities decoded). */
  private static List<String> parts(MimeMessage mail) {
    String read = TestNode.html(mail).replaceAll("<[^>]+>", "").replace("&#39;", "'").replace("&quot;", "\"")
        .replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
    return List.of(TestNode.text(mail), read);
  }

  /** Case aside: the text part writes a request's mark in capitals. */
  private static void assertContains(String part, String... all) {
    for (String s : all) {
      assertTrue(has(part, s), "\"" + s + "\" is missing from: " + part);
    }
  }

  private static boolean has(String part, String s) {
    return part.toLowerCase(Locale.ROOT).contains(s.toLowerCase(Locale.ROOT));
  }

  private PeerClient waiting(String email, String name, String fingerprint, String kind) {
    PeerClient c = node.connect(email, name, fingerprint, kind);
    c.expectCode(401);
    return c;
  }

  /** Every key under the prefix, each followed by its values, as one text. */
  private String redisDump(String prefix) {
    Redis redis = Redis.createClient(node.vertx, TestRedis.shared().url());
    try {
      StringBuilder out = new StringBuilder();
      String cursor = "0";
      do {
        Response scan = PeerClient.await(redis.send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(prefix + "*")
            .arg("COUNT").arg(1000)));
        cursor = scan.get(0).toString();
        for (Response key : scan.get(1)) {
          String k = key.toString();
          out.append(k).append('\n');
          String type = PeerClient.await(redis.send(Request.cmd(Command.TYPE).arg(k))).toString();
          Request read = switch (type) {
            case "string" -> Request.cmd(Command.GET).arg(k);
            case "hash" -> Request.cmd(Command.HGETALL).arg(k);
            case "set" -> Request.cmd(Command.SMEMBERS).arg(k);
            case "zset" -> Request.cmd(Command.ZRANGE).arg(k).arg(0).arg(-1).arg("WITHSCORES");
            case "list" -> Request.cmd(Command.LRANGE).arg(k).arg(0).arg(-1);
            case "none" -> null;
            default -> Request.cmd(Command.DUMP).arg(k);
          };
          if (read != null) {
            Response value = PeerClient.await(redis.send(read));
            out.append(flatten(value)).append('\n');
          }
        }
      } while (!"0".equals(cursor));
      return out.toString();
    } finally {
      redis.close();
    }
  }

  private static String flatten(Response r) {
    // A multi-bulk reply prints all its elements (keys and values of a hash alike).
    return r == null ? "" : r.toString();
  }

  private static List<String> links(String part) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("https?://[^\\s\"'<>]+").matcher(part);
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  private static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }

  private static void assertShowsTime(String part, String iso) {
    if (part.contains(iso)) {
      return;
    }
    assertTrue(part.contains(iso.substring(0, 10)) && part.contains(iso.substring(11, 16)), iso + " not shown in " + part);
  }

  private static JsonObject entry(JsonArray list, String name) {
    return list.stream().map(o -> (JsonObject) o).filter(e -> name.equals(e.getString("name"))).findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " in " + list.encode()));
  }

  private HttpResponse<String> admin(String method, String path, JsonObject body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + path))
        .header("Authorization", "Bearer " + ADMIN);
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    try {
      return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private void putPeer(String email, String name, String fingerprint) {
    HttpResponse<String> r = admin("PUT", "/api/admin/users/" + email + "/peers/" + URLEncoder.encode(name, StandardCharsets.UTF_8),
        new JsonObject().put("fingerprint", fingerprint));
    assertEquals(201, r.statusCode(), r.body());
  }

  private JsonObject book(String email) {
    HttpResponse<String> r = admin("GET", "/api/admin/users/" + email + "/peers", null);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }
}
