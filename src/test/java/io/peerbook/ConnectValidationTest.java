package io.peerbook;

import io.peerbook.SocketKit.Handshake;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static io.peerbook.SocketKit.handshake;
import static io.peerbook.SocketKit.provision;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The /ws upgrade: which parameters are accepted, their canonical forms, and the Origin allow-list. */
class ConnectValidationTest {
  private static final String EMAIL = "alice@example.com";
  private TestNode node;

  private TestNode start(Map<String, Object> overrides) {
    Map<String, Object> all = new java.util.HashMap<>(overrides);
    all.put("admin_token", SocketKit.ADMIN_TOKEN);
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

  /** A plain HTTP refusal: the status, no upgrade, a text body of exactly one non-empty line naming the problem. */
  private static void assertRefused(Handshake h, int status, String mentions, String what) {
    assertEquals(status, h.status(), what + ": expected HTTP " + status + ", got " + h.status() + " " + h.body());
    assertNull(h.headers().get("sec-websocket-accept"), what + ": no upgrade may happen");
    assertTrue(h.headers().getOrDefault("content-type", "").startsWith("text/plain"),
        what + ": content-type " + h.headers().get("content-type"));
    String line = h.body().endsWith("\n") ? h.body().substring(0, h.body().length() - 1) : h.body();
    assertFalse(line.isBlank(), what + ": the reason is empty");
    assertFalse(line.contains("\n") || line.contains("\r"), what + ": the reason must be one line: " + h.body());
    assertTrue(line.toLowerCase(Locale.ROOT).contains(mentions), what + ": the reason should mention '" + mentions
        + "': " + line);
  }

  private static void assertUpgraded(Handshake h, String what) {
    assertEquals(101, h.status(), what + ": expected the upgrade, got " + h.status() + " " + h.body());
    JsonObject first = new JsonObject(h.body());
    assertTrue(first.getInteger("code") == 200 || first.getInteger("code") == 401, what + ": first message " + first);
  }

  private static String hex(int digits) {
    String fp = Fingerprints.random().replace(":", "") + Fingerprints.random().replace(":", "");
    return fp.substring(0, digits);
  }

  private static String colons(String hex) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < hex.length(); i += 2) {
      if (i > 0) {
        out.append(':');
      }
      out.append(hex, i, i + 2);
    }
    return out.toString();
  }

  private static JsonObject entry(JsonObject list, String name) {
    JsonArray entries = list.getJsonArray("list");
    for (int i = 0; i < entries.size(); i++) {
      if (name.equals(entries.getJsonObject(i).getString("name"))) {
        return entries.getJsonObject(i);
      }
    }
    throw new AssertionError("no entry " + name + " in " + list.encode());
  }

  @Test
  @DisplayName("a connect without email, name or fingerprint, or with an empty one, is refused with HTTP 400 and a one-line reason")
  void missingParametersAre400() {
    start();
    String fp = Fingerprints.random();
    assertRefused(handshake(node.port, null, "Laptop", fp, null, null), 400, "email", "no email");
    assertRefused(handshake(node.port, EMAIL, null, fp, null, null), 400, "name", "no name");
    assertRefused(handshake(node.port, EMAIL, "Laptop", null, null, null), 400, "fingerprint", "no fingerprint");
    assertRefused(handshake(node.port, "", "Laptop", fp, null, null), 400, "email", "empty email");
    assertRefused(handshake(node.port, EMAIL, "", fp, null, null), 400, "name", "empty name");
    assertRefused(handshake(node.port, EMAIL, "Laptop", "", null, null), 400, "fingerprint", "empty fingerprint");
    assertRefused(handshake(node.port, (String) null, null), 400, "", "no parameters at all");
    // The same request is accepted once it is complete: the refusals above are about the parameters only.
    assertUpgraded(handshake(node.port, EMAIL, "Laptop", fp, null, null), "complete parameters");
  }

  @Test
  @DisplayName("an email that is not an address (no @, two @, no dot in the domain, spaces, over 254 characters) is refused with 400")
  void invalidEmailsAre400() {
    start();
    String fp = Fingerprints.random();
    String domain = "@example.com";
    String longest = "a".repeat(254 - domain.length()) + domain;
    for (String bad : List.of("alice", "alice@", "@example.com", "alice@@example.com", "a@b@example.com",
        "alice@localhost", "alice@example.", "al ice@example.com", "alice@exa\u0001mple.com", "a" + longest)) {
      assertRefused(handshake(node.port, bad, "Laptop", fp, null, null), 400, "email", "email '" + bad + "'");
    }
    assertUpgraded(handshake(node.port, longest, "Laptop", fp, null, null), "an email of exactly 254 characters");
  }

  @Test
  @DisplayName("every accepted fingerprint form (sha-256 prefix, colons, bare hex, lower case) is the same peer, listed in the upper-case colon form")
  void fingerprintFormsAreCanonicalised() {
    start();
    String fp = Fingerprints.random();
    String bare = fp.replace(":", "");
    provision(node, EMAIL, "Laptop", fp);
    List<String> forms = List.of("sha-256 " + fp, fp, bare, fp.toLowerCase(Locale.ROOT), bare.toLowerCase(Locale.ROOT),
        "SHA-256 " + fp.toLowerCase(Locale.ROOT), "sha-256 " + bare.toLowerCase(Locale.ROOT));
    for (String form : forms) {
      PeerClient laptop = node.connect(EMAIL, "Laptop", form);
      JsonObject status = laptop.expectCode(200);
      assertTrue(status.getString("text").length() > 0);
      JsonObject me = entry(laptop.request(new JsonObject().put("command", "get_list")), "Laptop");
      assertEquals(fp, me.getString("fingerprint"), "listed for the form " + form);
      assertEquals(true, me.getBoolean("online"));
      laptop.close();
    }
    assertEquals(1, SocketKit.book(node, EMAIL).getJsonArray("approved").size());
    assertEquals(0, SocketKit.book(node, EMAIL).getJsonArray("pending").size(),
        "no form of the approved fingerprint may count as a new request");
  }

  @Test
  @DisplayName("fingerprints of 40 and 128 hex digits are accepted; a waiting request records the canonical form")
  void fingerprintLengthBoundsAreAccepted() {
    start();
    String sha1 = hex(40);
    String sha512 = hex(128);
    PeerClient old = node.connect(EMAIL, "Old", "sha-1 " + sha1.toLowerCase(Locale.ROOT));
    old.expectCode(401);
    PeerClient big = node.connect(EMAIL, "Big", sha512.toLowerCase(Locale.ROOT));
    big.expectCode(401);
    JsonArray pending = SocketKit.book(node, EMAIL).getJsonArray("pending");
    assertEquals(2, pending.size(), pending.encode());
    List<String> fps = new ArrayList<>();
    pending.forEach(p -> fps.add(((JsonObject) p).getString("fingerprint")));
    assertTrue(fps.contains(colons(sha1)), fps.toString());
    assertTrue(fps.contains(colons(sha512)), fps.toString());

    // Provisioned in bare lower-case hex, listed in the canonical form.
    String other = Fingerprints.random();
    provision(node, EMAIL, "Server", other.replace(":", "").toLowerCase(Locale.ROOT));
    PeerClient server = node.connect(EMAIL, "Server", other);
    server.expectCode(200);
    assertEquals(other, entry(server.request(new JsonObject().put("command", "get_list")), "Server")
        .getString("fingerprint"));
  }

  @Test
  @DisplayName("an odd-length, too short (<40), too long (>128) or non-hex fingerprint is refused with 400")
  void invalidFingerprintsAre400() {
    start();
    String base = hex(128);
    List<String> bad = List.of(
        base.substring(0, 41),                       // odd number of digits
        base.substring(0, 63),
        base.substring(0, 38),                       // too short
        colons(base.substring(0, 38)),
        base + "AB",                                 // 130: too long
        colons(base + "AB"),
        "sha-256 " + base.substring(0, 38),
        "ZZ" + base.substring(2, 64),                // non-hex
        colons("G1" + base.substring(2, 64)),
        base.substring(0, 62) + "-1",
        "sha-256",
        "   ");
    for (String fp : bad) {
      assertRefused(handshake(node.port, EMAIL, "Laptop", fp, null, null), 400, "fingerprint", "fingerprint '" + fp + "'");
    }
  }

  @Test
  @DisplayName("the email is trimmed and compared case-insensitively: Alice@X.com and alice@x.com share one book")
  void emailIsCaseInsensitiveAndTrimmed() {
    start();
    String fpLaptop = Fingerprints.random();
    String fpPhone = Fingerprints.random();
    provision(node, "alice@x.com", "Laptop", fpLaptop);
    provision(node, "ALICE@X.COM", "Phone", fpPhone);
    PeerClient laptop = node.connect("Alice@X.com", "Laptop", fpLaptop);
    laptop.expectCode(200);
    PeerClient phone = node.connect("  alice@x.COM ", "Phone", fpPhone);
    phone.expectCode(200);
    JsonObject update = laptop.nextUpdate();
    assertEquals("Phone", update.getString("name"));
    assertEquals("online", update.getString("event"));

    for (PeerClient peer : List.of(laptop, phone)) {
      JsonObject list = peer.request(new JsonObject().put("command", "get_list"));
      assertEquals(2, list.getJsonArray("list").size(), list.encode());
      assertEquals(true, entry(list, "Laptop").getBoolean("online"));
      assertEquals(true, entry(list, "Phone").getBoolean("online"));
    }
    assertEquals(2, SocketKit.book(node, "alice@x.com").getJsonArray("approved").size());
  }

  @Test
  @DisplayName("names are compared case-insensitively but shown as given: LAPTOP is the approved Laptop, listed as Laptop")
  void namesAreCaseInsensitiveAndShownAsGiven() {
    start();
    String fp = Fingerprints.random();
    provision(node, EMAIL, "Laptop", fp);
    PeerClient shouting = node.connect(EMAIL, "LAPTOP", fp);
    shouting.expectCode(200);
    JsonObject list = shouting.request(new JsonObject().put("command", "get_list"));
    assertEquals(1, list.getJsonArray("list").size(), list.encode());
    JsonObject me = list.getJsonArray("list").getJsonObject(0);
    assertEquals("Laptop", me.getString("name"));
    assertEquals(true, me.getBoolean("online"));

    // The same name in another case with another fingerprint is the same name: it waits, it is not a second peer.
    PeerClient impostor = node.connect(EMAIL, "laptop", Fingerprints.random());
    impostor.expectCode(401);
    JsonObject book = SocketKit.book(node, EMAIL);
    assertEquals(1, book.getJsonArray("approved").size(), book.encode());
    assertEquals("Laptop", book.getJsonArray("approved").getJsonObject(0).getString("name"));
  }

  @Test
  @DisplayName("a name of 64 characters is accepted; over 64, or with a control character, is refused with 400")
  void nameLengthAndControlCharacters() {
    start();
    String fp = Fingerprints.random();
    String longest = "N".repeat(63) + "\u00e9";
    PeerClient ok = node.connect(EMAIL, longest, fp);
    ok.expectCode(401);
    assertEquals(longest, SocketKit.book(node, EMAIL).getJsonArray("pending").getJsonObject(0).getString("name"));
    assertRefused(handshake(node.port, EMAIL, longest + "x", fp, null, null), 400, "name", "65 characters");
    for (String bad : List.of("Lap\u0000top", "Lap\ttop", "Laptop\n", "\rLaptop", "Lap\u001btop", "Lap\u007ftop",
        "Lap\u0085top")) {
      assertRefused(handshake(node.port, EMAIL, bad, fp, null, null), 400, "name",
          "name with U+" + String.format("%04X", (int) bad.chars().filter(Character::isISOControl).findFirst().orElseThrow()));
    }
  }

  @Test
  @DisplayName("a kind of 32 characters is accepted and listed; over 32 is refused with 400")
  void kindLength() {
    start();
    String fp = Fingerprints.random();
    String kind = "k".repeat(32);
    provision(node, EMAIL, "Server", fp);
    PeerClient server = node.connect(EMAIL, "Server", fp, kind);
    server.expectCode(200);
    assertRefused(handshake(node.port, EMAIL, "Server", fp, kind + "k", null), 400, "kind", "kind of 33 characters");
    PeerClient waiting = node.connect(EMAIL, "Other", Fingerprints.random(), kind);
    waiting.expectCode(401);
    assertEquals(kind, SocketKit.book(node, EMAIL).getJsonArray("pending").getJsonObject(0).getString("kind"));
  }

  @Test
  @DisplayName("with allowed_origins set, a foreign Origin is refused with 403; a listed Origin and no Origin are upgraded")
  void originAllowList() {
    start(Map.of("allowed_origins", "https://app.example.com, https://admin.example.com"));
    String fp = Fingerprints.random();
    assertRefused(handshake(node.port, EMAIL, "Laptop", fp, null, "https://evil.example.com"), 403, "origin",
        "a foreign origin");
    assertRefused(handshake(node.port, EMAIL, "Laptop", fp, null, "https://app.example.com:8443"), 403, "origin",
        "a listed host on another port");
    assertRefused(handshake(node.port, EMAIL, "Laptop", fp, null, "http://app.example.com"), 403, "origin",
        "a listed host over another scheme");
    assertUpgraded(handshake(node.port, EMAIL, "Laptop", fp, null, "https://app.example.com"), "the first listed origin");
    assertUpgraded(handshake(node.port, EMAIL, "Laptop", fp, null, "https://admin.example.com"), "the second listed origin");
    assertUpgraded(handshake(node.port, EMAIL, "Laptop", fp, null, null), "no origin (a native peer)");
  }

  @Test
  @DisplayName("without allowed_origins any Origin is upgraded")
  void noAllowListAcceptsAnyOrigin() {
    start();
    Handshake h = handshake(node.port, EMAIL, "Laptop", Fingerprints.random(), null, "https://anything.example.net");
    assertUpgraded(h, "any origin");
    assertEquals(401, new JsonObject(h.body()).getInteger("code"));
    assertNotEquals("", new JsonObject(h.body()).getString("text"));
  }
}
