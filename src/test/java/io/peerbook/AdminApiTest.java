package io.peerbook;

import io.peerbook.support.Fingerprints;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The operators' admin API: GET, PUT and DELETE of a user's peers behind a bearer token. */
class AdminApiTest {
  private static final String TOKEN = "admin-secret-" + Fingerprints.random().substring(0, 8);
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private TestNode node;

  @BeforeEach
  void start() {
    node = TestNode.start(Map.of("admin_token", TOKEN));
  }

  @AfterEach
  void stop() {
    node.close();
  }

  // --- access ---

  @Test
  @DisplayName("without an admin token configured the admin API does not exist: every call answers 404")
  void absentWithoutToken() {
    TestNode plain = TestNode.start();
    try {
      String base = "http://127.0.0.1:" + plain.port;
      String fp = Fingerprints.random();
      assertEquals(404, send(base, "GET", "/api/admin/users/alice@example.com/peers", TOKEN, null).statusCode());
      assertEquals(404, send(base, "GET", "/api/admin/users/alice@example.com/peers", null, null).statusCode());
      assertEquals(404, send(base, "PUT", "/api/admin/users/alice@example.com/peers/Laptop", TOKEN,
          new JsonObject().put("fingerprint", fp).encode()).statusCode());
      assertEquals(404, send(base, "DELETE", "/api/admin/users/alice@example.com/peers/Laptop", TOKEN, null).statusCode());

      // and the PUT above provisioned nothing: the peer is still unknown
      PeerClient laptop = plain.connect("alice@example.com", "Laptop", fp);
      laptop.expectCode(401);
    } finally {
      plain.close();
    }
  }

  @Test
  @DisplayName("a missing, wrong or non-Bearer Authorization gets 401 with a JSON code and text, and changes nothing")
  void wrongTokenIs401() {
    String path = "/api/admin/users/alice@example.com/peers";
    String fp = Fingerprints.random();
    String body = new JsonObject().put("fingerprint", fp).encode();
    List<HttpResponse<String>> answers = List.of(
        send("GET", path, null, null),
        send("GET", path, "wrong", null),
        send("GET", path, TOKEN + "x", null),
        sendRaw("GET", path, "Basic " + TOKEN, null),
        sendRaw("GET", path, TOKEN, null),
        send("PUT", path + "/Laptop", null, body),
        send("PUT", path + "/Laptop", "wrong", body),
        send("DELETE", path + "/Laptop", "wrong", null));
    for (HttpResponse<String> r : answers) {
      assertEquals(401, r.statusCode(), r.request().method() + " " + r.body());
      assertError(r, 401);
    }
    assertEquals(emptyBook(), json(admin("GET", path, null)));
  }

  // --- reading ---

  @Test
  @DisplayName("GET of a user nobody ever connected as answers empty approved and pending lists")
  void unknownUserHasEmptyLists() {
    HttpResponse<String> r = admin("GET", "/api/admin/users/nobody@example.com/peers", null);
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"));
    assertEquals(emptyBook(), json(r));
  }

  @Test
  @DisplayName("GET shows a waiting device as a pending entry with its name, kind, canonical fingerprint and requested_at")
  void pendingEntriesAfterAnUnknownPeerConnects() {
    String fp = Fingerprints.random();
    Instant before = Instant.now().minusSeconds(1);
    PeerClient tablet = node.connect("carol@example.com", "Tablet", "sha-256 " + fp.toLowerCase(), "client");
    tablet.expectCode(401);

    JsonObject book = json(admin("GET", "/api/admin/users/carol@example.com/peers", null));
    assertEquals(new JsonArray(), book.getJsonArray("approved"));
    JsonArray pending = book.getJsonArray("pending");
    assertEquals(1, pending.size(), book.encode());
    JsonObject p = pending.getJsonObject(0);
    assertEquals("Tablet", p.getString("name"));
    assertEquals(fp, p.getString("fingerprint"));
    assertEquals("client", p.getString("kind"));
    String requestedAt = p.getString("requested_at");
    assertTrue(requestedAt.endsWith("Z"), requestedAt);
    Instant at = Instant.parse(requestedAt);
    assertFalse(at.isBefore(before), requestedAt);
    assertFalse(at.isAfter(Instant.now().plusSeconds(1)), requestedAt);
  }

  // --- creating and updating ---

  @Test
  @DisplayName("PUT creates an approved peer (201) and a later PUT updates it (200): left-out properties kept, null deletes, kind updated")
  void putCreatesThenUpdates() {
    String fp = Fingerprints.random();
    String path = "/api/admin/users/dave@example.com/peers/" + enc("Kitchen Pi");
    HttpResponse<String> created = admin("PUT", path, new JsonObject().put("fingerprint", fp).put("kind", "server")
        .put("room", "kitchen").put("floor", 1).put("headless", true).encode());
    assertEquals(201, created.statusCode(), created.body());

    JsonObject entry = onlyApproved("dave@example.com");
    assertEquals("Kitchen Pi", entry.getString("name"));
    assertEquals(fp, entry.getString("fingerprint"));
    assertEquals("server", entry.getString("kind"));
    assertEquals("kitchen", entry.getString("room"));
    assertEquals(1, entry.getInteger("floor"));
    assertEquals(true, entry.getBoolean("headless"));
    assertTrue(entry.getString("registration_date").endsWith("Z"), entry.encode());
    Instant.parse(entry.getString("registration_date"));
    assertTrue(entry.containsKey("last_connection"), entry.encode());
    assertNull(entry.getValue("last_connection"), "never connected yet");
    assertEquals(false, entry.getBoolean("online"));

    HttpResponse<String> updated = admin("PUT", path, new JsonObject().put("fingerprint", fp).put("kind", "client")
        .putNull("room").put("floor", 2).encode());
    assertEquals(200, updated.statusCode(), updated.body());
    JsonObject after = onlyApproved("dave@example.com");
    assertEquals("client", after.getString("kind"));
    assertFalse(after.containsKey("room"), "null deletes the property: " + after.encode());
    assertEquals(2, after.getInteger("floor"));
    assertEquals(true, after.getBoolean("headless"), "a property left out is kept: " + after.encode());
    assertEquals(fp, after.getString("fingerprint"));

    // a PUT with only the fingerprint keeps the kind and every property
    HttpResponse<String> again = admin("PUT", path, new JsonObject().put("fingerprint", fp).encode());
    assertEquals(200, again.statusCode(), again.body());
    JsonObject kept = onlyApproved("dave@example.com");
    assertEquals("client", kept.getString("kind"));
    assertEquals(2, kept.getInteger("floor"));
    assertEquals(true, kept.getBoolean("headless"));

    // the provisioned peer is approved at once when it connects, and its properties show in its list
    PeerClient pi = node.connect("dave@example.com", "Kitchen Pi", fp);
    pi.expectCode(200);
    JsonObject me = pi.request(new JsonObject().put("command", "get_list")).getJsonArray("list").getJsonObject(0);
    assertEquals(2, me.getInteger("floor"));
    assertEquals(true, me.getBoolean("online"));
  }

  @Test
  @DisplayName("the fingerprint is accepted as 'sha-256 ab:…', 'AB:…' or bare hex of 40 to 128 digits, and returned as upper-case pairs with colons")
  void fingerprintFormsAreCanonicalised() {
    String fp = Fingerprints.random();
    String bare = fp.replace(":", "").toLowerCase();
    Map<String, String> given = Map.of(
        "sdp", "sha-256 " + fp.toLowerCase(),
        "colons", fp,
        "bare", bare,
        "sha1", "SHA-1 " + bare.substring(0, 40),
        "sha512", (bare + bare).toUpperCase());
    Map<String, String> expected = Map.of(
        "sdp", fp,
        "colons", fp,
        "bare", fp,
        "sha1", fp.substring(0, 59),
        "sha512", fp + ":" + fp);
    for (String name : given.keySet()) {
      HttpResponse<String> r = admin("PUT", "/api/admin/users/erin@example.com/peers/" + name,
          new JsonObject().put("fingerprint", given.get(name)).encode());
      assertEquals(201, r.statusCode(), name + ": " + r.body());
    }
    JsonArray approved = json(admin("GET", "/api/admin/users/erin@example.com/peers", null)).getJsonArray("approved");
    assertEquals(given.size(), approved.size());
    for (Object o : approved) {
      JsonObject e = (JsonObject) o;
      assertEquals(expected.get(e.getString("name")), e.getString("fingerprint"), e.encode());
    }

    // the same fingerprint written another way is the same identity: an update, and a connected socket stays
    PeerClient bareDevice = node.connect("erin@example.com", "bare", fp);
    bareDevice.expectCode(200);
    HttpResponse<String> same = admin("PUT", "/api/admin/users/erin@example.com/peers/bare",
        new JsonObject().put("fingerprint", "sha-256 " + fp.toLowerCase()).encode());
    assertEquals(200, same.statusCode(), same.body());
    bareDevice.expectNothingBeforePong();
    assertFalse(bareDevice.isClosed());
  }

  @Test
  @DisplayName("PUT for a device already waiting approves it: its socket turns 200, the user's other peers get one approved event with online true")
  void putApprovesAWaitingDevice() {
    String hubFp = Fingerprints.random();
    assertEquals(201, admin("PUT", "/api/admin/users/frank@example.com/peers/Hub",
        new JsonObject().put("fingerprint", hubFp).encode()).statusCode());
    PeerClient hub = node.connect("frank@example.com", "Hub", hubFp);
    hub.expectCode(200);

    String fp = Fingerprints.random();
    PeerClient sensor = node.connect("frank@example.com", "Sensor", fp, "server");
    sensor.expectCode(401);
    HttpResponse<String> r = admin("PUT", "/api/admin/users/frank@example.com/peers/Sensor",
        new JsonObject().put("fingerprint", fp.replace(":", "")).put("kind", "sensor").encode());
    assertEquals(201, r.statusCode(), r.body());
    sensor.expectCode(200);

    JsonObject update = hub.nextUpdate();
    assertEquals("approved", update.getString("event"), update.encode());
    assertEquals("Sensor", update.getString("name"));
    assertEquals(fp, update.getString("fingerprint"));
    assertEquals("sensor", update.getString("kind"), "the kind the PUT gave");
    assertEquals(true, update.getBoolean("online"));
    hub.expectNothingBeforePong();
    JsonObject book = json(admin("GET", "/api/admin/users/frank@example.com/peers", null));
    assertEquals(new JsonArray(), book.getJsonArray("pending"), "the request is no longer pending");
    JsonObject sensorEntry = book.getJsonArray("approved").stream().map(JsonObject.class::cast)
        .filter(e -> "Sensor".equals(e.getString("name"))).findFirst().orElseThrow();
    assertEquals(true, sensorEntry.getBoolean("online"));
  }

  @Test
  @DisplayName("PUT without a kind for a device waiting with one: the peer keeps the kind the device gave")
  void putWithoutKindKeepsTheWaitingDevicesKind() {
    String fp = Fingerprints.random();
    PeerClient sensor = node.connect("gus@example.com", "Sensor", fp, "server");
    sensor.expectCode(401);
    HttpResponse<String> r = admin("PUT", "/api/admin/users/gus@example.com/peers/Sensor",
        new JsonObject().put("fingerprint", fp).encode());
    assertEquals(201, r.statusCode(), r.body());
    sensor.expectCode(200);
    // Approving the same request on the page keeps the device's kind; the contract: kind is null only when the
    // peer gave none. The operator's PUT gave no kind, so the one the device gave stands.
    assertEquals("server", onlyApproved("gus@example.com").getString("kind"));
  }

  @Test
  @DisplayName("PUT creating a peer that is not connected: the user's connected peers get an approved event with online false")
  void putCreatesAnOfflinePeer() {
    String hubFp = Fingerprints.random();
    assertEquals(201, admin("PUT", "/api/admin/users/fiona@example.com/peers/Hub",
        new JsonObject().put("fingerprint", hubFp).encode()).statusCode());
    PeerClient hub = node.connect("fiona@example.com", "Hub", hubFp);
    hub.expectCode(200);

    String fp = Fingerprints.random();
    assertEquals(201, admin("PUT", "/api/admin/users/fiona@example.com/peers/Camera",
        new JsonObject().put("fingerprint", fp).put("kind", "server").put("zone", "porch").encode()).statusCode());
    JsonObject update = hub.nextUpdate();
    assertEquals("approved", update.getString("event"), update.encode());
    assertEquals("Camera", update.getString("name"));
    assertEquals(fp, update.getString("fingerprint"));
    assertEquals("server", update.getString("kind"));
    assertEquals("porch", update.getString("zone"));
    assertEquals(false, update.getBoolean("online"));
    hub.expectNothingBeforePong();
  }

  // --- invalid requests ---

  @Test
  @DisplayName("an invalid email, name or fingerprint, or a body that is not a JSON object with a valid fingerprint and properties, gets 400 with code and text")
  void invalidRequestsAre400() {
    String fp = Fingerprints.random();
    String ok = new JsonObject().put("fingerprint", fp).encode();
    String users = "/api/admin/users/";
    JsonObject seventeen = new JsonObject().put("fingerprint", fp);
    for (int i = 0; i < 17; i++) {
      seventeen.put("p" + i, i);
    }
    Map<String, HttpResponse<String>> answers = new java.util.LinkedHashMap<>();
    answers.put("email without @", admin("PUT", users + "not-an-email/peers/Laptop", ok));
    answers.put("email with two @", admin("PUT", users + "a@b@example.com/peers/Laptop", ok));
    answers.put("email without a dot in the domain", admin("PUT", users + "alice@localhost/peers/Laptop", ok));
    answers.put("email over 254 characters", admin("PUT", users + "a".repeat(250) + "@example.com/peers/Laptop", ok));
    answers.put("GET with an invalid email", admin("GET", users + "not-an-email/peers", null));
    answers.put("DELETE with an invalid email", admin("DELETE", users + "not-an-email/peers/Laptop", null));
    answers.put("name over 64 characters", admin("PUT", users + "gina@example.com/peers/" + "n".repeat(65), ok));
    answers.put("name with a control character", admin("PUT", users + "gina@example.com/peers/La%01ptop", ok));
    answers.put("fingerprint too short", admin("PUT", users + "gina@example.com/peers/Laptop",
        new JsonObject().put("fingerprint", "AB".repeat(19)).encode()));
    answers.put("fingerprint too long", admin("PUT", users + "gina@example.com/peers/Laptop",
        new JsonObject().put("fingerprint", "AB".repeat(65)).encode()));
    answers.put("fingerprint with an odd number of digits", admin("PUT", users + "gina@example.com/peers/Laptop",
        new JsonObject().put("fingerprint", "ABC".repeat(15)).encode()));
    answers.put("fingerprint not hex", admin("PUT", users + "gina@example.com/peers/Laptop",
        new JsonObject().put("fingerprint", "ZZ".repeat(32)).encode()));
    answers.put("fingerprint a number", admin("PUT", users + "gina@example.com/peers/Laptop",
        new JsonObject().put("fingerprint", 12345).encode()));
    answers.put("body not JSON", admin("PUT", users + "gina@example.com/peers/Laptop", "{\"fingerprint\":"));
    answers.put("body empty", admin("PUT", users + "gina@example.com/peers/Laptop", ""));
    answers.put("body an array", admin("PUT", users + "gina@example.com/peers/Laptop", "[\"" + fp + "\"]"));
    answers.put("body a string", admin("PUT", users + "gina@example.com/peers/Laptop", "\"" + fp + "\""));
    answers.put("no fingerprint", admin("PUT", users + "gina@example.com/peers/Laptop",
        new JsonObject().put("kind", "client").encode()));
    answers.put("built-in property online", admin("PUT", users + "gina@example.com/peers/Laptop",
        new JsonObject().put("fingerprint", fp).put("online", true).encode()));
    answers.put("built-in property registration_date", admin("PUT", users + "gina@example.com/peers/Laptop",
        new JsonObject().put("fingerprint", fp).put("registration_date", "2020-01-01T00:00:00Z").encode()));
    answers.put("built-in property name", admin("PUT", users + "gina@example.com/peers/Laptop",
        new JsonObject().put("fingerprint", fp).put("name", "Other").encode()));
    answers.put("17 properties", admin("PUT", users + "gina@example.com/peers/Laptop", seventeen.encode()));
    answers.put("properties over 1 KiB", admin("PUT", users + "gina@example.com/peers/Laptop",
        new JsonObject().put("fingerprint", fp).put("notes", "x".repeat(1100)).encode()));
    answers.put("property value an object", admin("PUT", users + "gina@example.com/peers/Laptop",
        new JsonObject().put("fingerprint", fp).put("nested", new JsonObject().put("a", 1)).encode()));
    answers.put("kind over 32 characters", admin("PUT", users + "gina@example.com/peers/Laptop",
        new JsonObject().put("fingerprint", fp).put("kind", "k".repeat(33)).encode()));
    answers.put("kind a number", admin("PUT", users + "gina@example.com/peers/Laptop",
        new JsonObject().put("fingerprint", fp).put("kind", 7).encode()));

    answers.forEach((what, r) -> {
      assertEquals(400, r.statusCode(), what + ": " + r.body());
      assertError(r, 400);
    });
    assertEquals(emptyBook(), json(admin("GET", users + "gina@example.com/peers", null)), "nothing was stored");
  }

  @Test
  @DisplayName("a PUT body over 16 KiB gets 413 with code and text, and stores nothing")
  void bodyOver16KiBIs413() {
    String fp = Fingerprints.random();
    String big = new JsonObject().put("fingerprint", fp).put("notes", "x".repeat(17 * 1024)).encode();
    HttpResponse<String> r = admin("PUT", "/api/admin/users/hank@example.com/peers/Laptop", big);
    assertEquals(413, r.statusCode(), r.body());
    assertError(r, 413);
    assertEquals(emptyBook(), json(admin("GET", "/api/admin/users/hank@example.com/peers", null)));
  }

  // --- a new fingerprint, and removal, for connected peers ---

  @Test
  @DisplayName("PUT with a new fingerprint for a connected peer: its socket gets 401 and close 4401, a socket waiting with the new one turns 200")
  void newFingerprintRevokesTheOldSocket() {
    String oldFp = Fingerprints.random();
    String newFp = Fingerprints.random();
    String desktopFp = Fingerprints.random();
    String path = "/api/admin/users/ivy@example.com/peers/Phone";
    assertEquals(201, admin("PUT", path, new JsonObject().put("fingerprint", oldFp).put("kind", "client")
        .put("color", "blue").encode()).statusCode());
    assertEquals(201, admin("PUT", "/api/admin/users/ivy@example.com/peers/Desktop",
        new JsonObject().put("fingerprint", desktopFp).encode()).statusCode());
    PeerClient desktop = node.connect("ivy@example.com", "Desktop", desktopFp);
    desktop.expectCode(200);
    PeerClient old = node.connect("ivy@example.com", "Phone", oldFp);
    old.expectCode(200);
    assertEquals("online", desktop.nextUpdate().getString("event"));
    PeerClient fresh = node.connect("ivy@example.com", "Phone", newFp);
    fresh.expectCode(401);
    old.expectNothingBeforePong();
    desktop.expectNothingBeforePong();

    HttpResponse<String> r = admin("PUT", path, new JsonObject().put("fingerprint", "sha-256 " + newFp.toLowerCase()).encode());
    assertEquals(200, r.statusCode(), r.body());

    JsonObject told = old.expectCode(401);
    assertTrue(told.getString("text", "").length() > 0, told.encode());
    assertEquals((short) 4401, old.awaitClose());
    fresh.expectCode(200);

    // the user's other peer hears one change: Phone approved with its new fingerprint, online
    JsonObject update = desktop.nextUpdate();
    assertEquals("approved", update.getString("event"), update.encode());
    assertEquals("Phone", update.getString("name"));
    assertEquals(newFp, update.getString("fingerprint"));
    assertEquals(true, update.getBoolean("online"));
    desktop.expectNothingBeforePong();

    JsonObject entry = fresh.request(new JsonObject().put("command", "get_list")).getJsonArray("list").stream()
        .map(JsonObject.class::cast).filter(e -> "Phone".equals(e.getString("name"))).findFirst().orElseThrow();
    assertEquals(newFp, entry.getString("fingerprint"));
    assertEquals("client", entry.getString("kind"), "kind kept");
    assertEquals("blue", entry.getString("color"), "properties kept");
    assertEquals(true, entry.getBoolean("online"));
    JsonObject book = json(admin("GET", "/api/admin/users/ivy@example.com/peers", null));
    assertEquals(2, book.getJsonArray("approved").size());
    assertEquals(new JsonArray(), book.getJsonArray("pending"));
  }

  @Test
  @DisplayName("DELETE answers 204 with no body, the peer is gone, and a second DELETE answers 404 with code and text")
  void deleteThenDeleteAgain() {
    String fp = Fingerprints.random();
    String path = "/api/admin/users/jack@example.com/peers/Laptop";
    assertEquals(201, admin("PUT", path, new JsonObject().put("fingerprint", fp).encode()).statusCode());
    HttpResponse<String> deleted = admin("DELETE", path, null);
    assertEquals(204, deleted.statusCode(), deleted.body());
    assertEquals("", deleted.body());
    assertEquals(emptyBook(), json(admin("GET", "/api/admin/users/jack@example.com/peers", null)));

    HttpResponse<String> again = admin("DELETE", path, null);
    assertEquals(404, again.statusCode(), again.body());
    assertError(again, 404);
    HttpResponse<String> unknownUser = admin("DELETE", "/api/admin/users/nobody@example.com/peers/Laptop", null);
    assertEquals(404, unknownUser.statusCode(), unknownUser.body());
    assertError(unknownUser, 404);

    // the removed device is unknown again: it waits for approval
    PeerClient laptop = node.connect("jack@example.com", "Laptop", fp);
    laptop.expectCode(401);
  }

  @Test
  @DisplayName("DELETE of a connected peer: it gets 401 and close 4401, the user's other peers get a removed peer_update")
  void deleteConnectedPeer() {
    String fpA = Fingerprints.random();
    String fpB = Fingerprints.random();
    assertEquals(201, admin("PUT", "/api/admin/users/kim@example.com/peers/A",
        new JsonObject().put("fingerprint", fpA).encode()).statusCode());
    assertEquals(201, admin("PUT", "/api/admin/users/kim@example.com/peers/B",
        new JsonObject().put("fingerprint", fpB).put("kind", "server").encode()).statusCode());
    PeerClient a = node.connect("kim@example.com", "A", fpA);
    a.expectCode(200);
    PeerClient b = node.connect("kim@example.com", "B", fpB);
    b.expectCode(200);
    assertEquals("online", a.nextUpdate().getString("event"));

    HttpResponse<String> r = admin("DELETE", "/api/admin/users/kim@example.com/peers/b", null);
    assertEquals(204, r.statusCode(), r.body());
    JsonObject told = b.expectCode(401);
    assertTrue(told.getString("text", "").length() > 0, told.encode());
    assertEquals((short) 4401, b.awaitClose());

    JsonObject update = a.nextUpdate();
    assertEquals("removed", update.getString("event"));
    assertEquals("B", update.getString("name"));
    assertEquals(fpB, update.getString("fingerprint"));
    assertEquals(false, update.getBoolean("online"));
    a.expectNothingBeforePong();
    JsonArray list = a.request(new JsonObject().put("command", "get_list")).getJsonArray("list");
    assertEquals(1, list.size());
    assertEquals("A", list.getJsonObject(0).getString("name"));
  }

  @Test
  @DisplayName("the email in the path is compared case-insensitively: PUT, GET, DELETE and connecting all reach the same user")
  void emailsAreCaseInsensitive() {
    String fp = Fingerprints.random();
    assertEquals(201, admin("PUT", "/api/admin/users/Lena@Example.COM/peers/Laptop",
        new JsonObject().put("fingerprint", fp).encode()).statusCode());
    assertEquals(200, admin("PUT", "/api/admin/users/LENA@example.com/peers/Laptop",
        new JsonObject().put("fingerprint", fp).put("kind", "client").encode()).statusCode(), "same user, same peer");
    JsonObject book = json(admin("GET", "/api/admin/users/lena@example.com/peers", null));
    assertEquals(1, book.getJsonArray("approved").size(), book.encode());
    assertEquals("client", book.getJsonArray("approved").getJsonObject(0).getString("kind"));

    PeerClient laptop = node.connect("lEnA@eXample.com", "Laptop", fp);
    laptop.expectCode(200);
    assertEquals(true, onlyApproved("LENA@EXAMPLE.COM").getBoolean("online"));

    assertEquals(204, admin("DELETE", "/api/admin/users/Lena@EXAMPLE.com/peers/Laptop", null).statusCode());
    laptop.expectCode(401);
    assertEquals((short) 4401, laptop.awaitClose());
    assertEquals(emptyBook(), json(admin("GET", "/api/admin/users/lena@example.com/peers", null)));
  }

  // --- helpers ---

  private JsonObject onlyApproved(String email) {
    JsonObject book = json(admin("GET", "/api/admin/users/" + email + "/peers", null));
    JsonArray approved = book.getJsonArray("approved");
    assertEquals(1, approved.size(), book.encode());
    return approved.getJsonObject(0);
  }

  private static JsonObject emptyBook() {
    return new JsonObject().put("approved", new JsonArray()).put("pending", new JsonArray());
  }

  private static JsonObject json(HttpResponse<String> r) {
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  private static void assertError(HttpResponse<String> r, int code) {
    assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"),
        "JSON error expected: " + r.headers().map());
    JsonObject body = new JsonObject(r.body());
    assertEquals(code, body.getInteger("code"), r.body());
    assertTrue(body.getValue("text") instanceof String t && !t.isBlank(), r.body());
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private HttpResponse<String> admin(String method, String path, String body) {
    return send(method, path, TOKEN, body);
  }

  private HttpResponse<String> send(String method, String path, String token, String body) {
    return send("http://127.0.0.1:" + node.port, method, path, token, body);
  }

  private HttpResponse<String> send(String base, String method, String path, String token, String body) {
    return request(base, method, path, token == null ? null : "Bearer " + token, body);
  }

  private HttpResponse<String> sendRaw(String method, String path, String authorization, String body) {
    return request("http://127.0.0.1:" + node.port, method, path, authorization, body);
  }

  private HttpResponse<String> request(String base, String method, String path, String authorization, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(method + " " + path, e);
    }
  }
}
