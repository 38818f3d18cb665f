package io.peerbook;

import io.peerbook.support.Fingerprints;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.peerbook.SocketKit.assertError;
import static io.peerbook.SocketKit.provision;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a connected peer may send, what it gets back, and every error of the contract's table for messages. */
class SocketMessagesTest {
  private static final String EMAIL = "carol@example.com";
  private static final Set<String> BUILT_IN = Set.of("name", "fingerprint", "kind", "registration_date",
      "last_connection", "online", "key", "key_id");
  private TestNode node;

  private void start(Map<String, Object> overrides) {
    Map<String, Object> all = new HashMap<>(overrides);
    all.put("admin_token", SocketKit.ADMIN_TOKEN);
    node = TestNode.start(all);
  }

  private void start() {
    start(Map.of());
  }

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  /** An approved, connected peer (provisioned through the admin API); its status 200 is consumed. */
  private PeerClient approved(String name, String kind, JsonObject properties) {
    String fp = Fingerprints.random();
    provision(node, EMAIL, name, fp, kind, properties);
    PeerClient peer = node.connect(EMAIL, name, fp, kind);
    peer.expectCode(200);
    return peer;
  }

  /**
   * Skips {@code watcher}'s messages up to the peer_update that {@code name} came online. Provisioning a peer while
   * others are connected first tells them {@code approved}, then connecting tells them {@code online}.
   */
  private static void awaitOnline(PeerClient watcher, String name) {
    watcher.next(m -> m.getJsonObject("peer_update") != null && name.equals(m.getJsonObject("peer_update").getString("name"))
        && "online".equals(m.getJsonObject("peer_update").getString("event")));
  }

  private PeerClient approved(String name) {
    return approved(name, null, null);
  }

  /** A peer nobody approved yet: its status 401 is consumed. */
  private PeerClient waiting(String name) {
    PeerClient peer = node.connect(EMAIL, name, Fingerprints.random());
    peer.expectCode(401);
    return peer;
  }

  private static JsonObject cmd(String command) {
    return new JsonObject().put("command", command);
  }

  /** A ping with an id, and asserts its pong is the next message (the socket is still open and usable). */
  private static void assertUsable(PeerClient peer) {
    peer.expectNothingBeforePong();
    assertFalse(peer.isClosed());
  }

  private static JsonObject list(PeerClient peer, Object filter) {
    JsonObject req = cmd("get_list");
    if (filter != null) {
      req.put("filter", filter);
    }
    JsonObject reply = peer.request(req);
    assertNotNull(reply.getJsonArray("list"), reply.encode());
    return reply;
  }

  private static List<String> names(JsonObject listReply) {
    return listReply.getJsonArray("list").stream().map(e -> ((JsonObject) e).getString("name")).sorted()
        .collect(Collectors.toList());
  }

  private static JsonObject entry(JsonObject listReply, String name) {
    return listReply.getJsonArray("list").stream().map(e -> (JsonObject) e)
        .filter(e -> name.equals(e.getString("name"))).findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " in " + listReply.encode()));
  }

  // --- malformed messages ---

  @Test
  @DisplayName("text that is not JSON, JSON that is not an object, and binary frames get 400 and the socket stays usable")
  void notAnObjectIs400() {
    start();
    PeerClient peer = approved("Laptop");
    for (String text : List.of("hello", "{", "{\"command\":\"ping\"", "", "[1,2]", "[{\"command\":\"ping\"}]", "\"ping\"",
        "42", "true", "null")) {
      peer.sendText(text);
      assertError(peer.next(), 400, null, null);
      assertUsable(peer);
    }
    peer.sendBinary(Buffer.buffer("{\"command\":\"ping\",\"id\":1}"));
    assertError(peer.next(), 400, null, null);
    assertUsable(peer);
  }

  @Test
  @DisplayName("an unknown command, a command that is not a string, or a message with neither command nor signaling get 400 with the id")
  void unknownOrIllTypedCommandIs400() {
    start();
    PeerClient peer = approved("Laptop");
    peer.send(new JsonObject().put("command", "fly").put("id", "u1"));
    assertError(peer.next(), 400, "u1", null);
    peer.send(new JsonObject().put("command", "PING").put("id", "u2"));
    assertError(peer.next(), 400, "u2", null);
    peer.send(new JsonObject().put("command", 5).put("id", 7));
    assertError(peer.next(), 400, 7, null);
    peer.send(new JsonObject().put("command", new JsonObject().put("name", "ping")).put("id", "u3"));
    assertError(peer.next(), 400, "u3", null);
    peer.send(new JsonObject().put("command", new JsonArray().add("ping")).put("id", "u4"));
    assertError(peer.next(), 400, "u4", null);
    peer.send(new JsonObject().put("id", "u5"));
    assertError(peer.next(), 400, "u5", null);
    peer.sendText("{}");
    assertError(peer.next(), 400, null, null);
    assertUsable(peer);
  }

  @Test
  @DisplayName("an id that is neither a string nor a number is an ill-typed field: 400")
  void illTypedIdIs400() {
    start();
    PeerClient peer = approved("Laptop");
    for (Object id : List.of(new JsonObject().put("a", 1), new JsonArray().add(1), true)) {
      peer.send(cmd("ping").put("id", id));
      JsonObject m = peer.next();
      assertEquals(400, m.getInteger("code", -1), "id " + id + ": " + m.encode());
      assertNull(m.getValue("pong"));
      assertUsable(peer);
    }
  }

  @Test
  @DisplayName("missing or ill-typed fields get 400 with the id: properties not an object, target missing or not a string, fingerprint not a string")
  void missingOrIllTypedFieldsAre400() {
    start();
    PeerClient peer = approved("Laptop");
    approved("Server");
    awaitOnline(peer, "Server");

    peer.send(cmd("set_properties").put("id", "p1"));
    assertError(peer.next(), 400, "p1", null);
    for (Object bad : new Object[] {"color=red", new JsonArray().add("a"), 5, true}) {
      peer.send(cmd("set_properties").put("properties", bad).put("id", "p2"));
      assertError(peer.next(), 400, "p2", null);
    }
    peer.send(cmd("set_properties").put("properties", null).put("id", "p3"));
    assertError(peer.next(), 400, "p3", null);

    peer.send(new JsonObject().put("offer", new JsonObject().put("sdp", "v=0")).put("id", "t1"));
    assertError(peer.next(), 400, "t1", null);
    peer.send(new JsonObject().put("target", 5).put("offer", "x").put("id", "t2"));
    assertError(peer.next(), 400, "t2", null);
    peer.send(new JsonObject().put("target", new JsonObject().put("name", "Server")).put("candidate", "x").put("id", "t3"));
    assertError(peer.next(), 400, "t3", null);
    peer.send(new JsonObject().put("target", null).put("offer", "x").put("id", "t4"));
    assertError(peer.next(), 400, "t4", null);
    peer.send(new JsonObject().put("target", "").put("offer", "x").put("id", "t5"));
    JsonObject empty = peer.next();
    assertEquals(400, empty.getInteger("code"), "an empty target is not a peer name: " + empty.encode());
    assertEquals("t5", empty.getValue("id"));

    peer.send(new JsonObject().put("target", "Server").put("fingerprint", 5).put("answer", "x").put("id", "f1"));
    assertError(peer.next(), 400, "f1", "Server");
    peer.send(new JsonObject().put("target", "Server").put("fingerprint", new JsonObject()).put("candidate", "x")
        .put("id", "f2"));
    assertError(peer.next(), 400, "f2", "Server");
    assertUsable(peer);
  }

  @Test
  @DisplayName("a message with more than one of offer, answer, candidate gets 400 with its id and target, and nothing is relayed")
  void moreThanOneSignalIs400() {
    start();
    PeerClient laptop = approved("Laptop");
    PeerClient server = approved("Server");
    awaitOnline(laptop, "Server");
    laptop.send(new JsonObject().put("target", "Server").put("offer", "o").put("candidate", "c").put("id", "m1"));
    assertError(laptop.next(), 400, "m1", "Server");
    laptop.send(new JsonObject().put("target", "Server").put("offer", "o").put("answer", "a").put("id", 2));
    assertError(laptop.next(), 400, 2, "Server");
    laptop.send(new JsonObject().put("target", "Server").put("offer", "o").put("answer", "a").put("candidate", "c")
        .put("id", "m3"));
    assertError(laptop.next(), 400, "m3", "Server");
    laptop.send(new JsonObject().put("target", "Server").put("answer", null).put("candidate", null).put("id", "m4"));
    assertError(laptop.next(), 400, "m4", "Server");
    server.expectNothingBeforePong();
    assertUsable(laptop);
  }

  // --- waiting peers ---

  @Test
  @DisplayName("a waiting peer gets 401 for get_list, set_properties, ice_servers and signaling, may ping, and stays waiting")
  void waitingPeerMayOnlyPing() {
    start(Map.of("stun_urls", "stun:stun.example.org", "turn_urls", "turn:turn.example.org", "turn_secret", "s"));
    PeerClient server = approved("Server");
    PeerClient phone = waiting("Phone");

    phone.send(cmd("get_list").put("id", "w1"));
    assertError(phone.next(), 401, "w1", null);
    phone.send(cmd("set_properties").put("properties", new JsonObject().put("color", "red")).put("id", "w2"));
    assertError(phone.next(), 401, "w2", null);
    phone.send(cmd("ice_servers").put("id", "w3"));
    assertError(phone.next(), 401, "w3", null);
    phone.send(new JsonObject().put("target", "Server").put("offer", new JsonObject().put("sdp", "v=0")).put("id", "w4"));
    assertError(phone.next(), 401, "w4", "Server");
    phone.send(new JsonObject().put("target", "Server").put("fingerprint", Fingerprints.random()).put("answer", "a")
        .put("id", "w5"));
    assertError(phone.next(), 401, "w5", "Server");
    phone.send(new JsonObject().put("target", "Server").put("candidate", "c").put("id", 6));
    assertError(phone.next(), 401, 6, "Server");

    JsonObject pong = phone.request(cmd("ping"));
    assertInstanceOf(Number.class, pong.getValue("pong"), pong.encode());
    assertFalse(phone.isClosed());
    server.expectNothingBeforePong();
    phone.expectNothingBeforePong();
    // Its properties were not written either.
    assertEquals(List.of("Server"), names(list(server, null)));
  }

  // --- ids ---

  @Test
  @DisplayName("the id of a message, string or number, is echoed unchanged on its reply and on its error")
  void idIsEchoed() {
    start();
    PeerClient peer = approved("Laptop");
    for (Object id : List.of("abc", "42", "", 42, 0, -7, 4.5, 9_007_199_254_740_993L)) {
      peer.send(cmd("ping").put("id", id));
      JsonObject pong = peer.next();
      assertNotNull(pong.getValue("pong"), pong.encode());
      assertEquals(id, pong.getValue("id"), "ping id " + id);
      assertEquals(id.getClass(), pong.getValue("id").getClass(), "the id keeps its JSON type: " + pong.encode());

      peer.send(cmd("get_list").put("id", id));
      JsonObject list = peer.next();
      assertNotNull(list.getJsonArray("list"), list.encode());
      assertEquals(id, list.getValue("id"));

      peer.send(cmd("set_properties").put("properties", new JsonObject().put("n", 1)).put("id", id));
      assertEquals(new JsonObject().put("code", 200).put("id", id), peer.next());

      peer.send(cmd("nope").put("id", id));
      assertError(peer.next(), 400, id, null);

      peer.send(new JsonObject().put("target", "Nobody").put("offer", "x").put("id", id));
      assertError(peer.next(), 404, id, "Nobody");
    }
    // Without an id, replies carry none.
    peer.send(cmd("ping"));
    JsonObject pong = peer.next();
    assertEquals(Set.of("pong"), pong.fieldNames());
  }

  // --- size ---

  @Test
  @DisplayName("a message of exactly 64 KiB is handled; one byte more gets 413 and the socket is closed with 1009")
  void frameOverLimitIs413Then1009() {
    start();
    PeerClient peer = approved("Laptop");
    String prefix = "{\"command\":\"ping\",\"id\":\"big\",\"pad\":\"";
    String suffix = "\"}";
    String exact = prefix + "x".repeat(65536 - prefix.length() - suffix.length()) + suffix;
    assertEquals(65536, exact.getBytes(StandardCharsets.UTF_8).length);
    peer.sendText(exact);
    JsonObject pong = peer.next();
    assertEquals("big", pong.getValue("id"), pong.encode());
    assertNotNull(pong.getValue("pong"));

    String over = prefix + "x".repeat(65537 - prefix.length() - suffix.length()) + suffix;
    peer.sendText(over);
    JsonObject error = peer.next();
    assertEquals(413, error.getInteger("code", -1), error.encode());
    assertTrue(error.getString("text").length() > 0);
    assertEquals(1009, peer.awaitClose());
  }

  @Test
  @DisplayName("a message sent in three fragments is one message; fragments that add up to more than 64 KiB get 413 and close 1009")
  void fragmentsAreOneMessage() {
    start();
    PeerClient peer = approved("Laptop");
    peer.sendFragments("{\"command\":", "\"ping\",\"id\":", "\"parts\"}");
    JsonObject pong = peer.next();
    assertEquals("parts", pong.getValue("id"), pong.encode());
    assertNotNull(pong.getValue("pong"));

    String pad = "x".repeat(30_000);
    peer.sendFragments("{\"command\":\"ping\",\"pad\":\"", pad, pad, pad + "\"}");
    assertEquals(413, peer.next().getInteger("code", -1));
    assertEquals(1009, peer.awaitClose());
  }

  @Test
  @DisplayName("the 64 KiB limit counts UTF-8 bytes: 22,000 euro signs (66,000 bytes) get 413 and close 1009")
  void limitCountsBytes() {
    start();
    PeerClient peer = approved("Laptop");
    String text = "{\"command\":\"ping\",\"pad\":\"" + "\u20ac".repeat(22_000) + "\"}";
    assertTrue(text.length() < 65536 && text.getBytes(StandardCharsets.UTF_8).length > 65536);
    peer.sendText(text);
    assertEquals(413, peer.next().getInteger("code", -1));
    assertEquals(1009, peer.awaitClose());
  }

  @Test
  @DisplayName("a frame far over the limit (300 KiB, one frame) also gets 413 before the close with 1009")
  void hugeFrameIs413Then1009() {
    start();
    PeerClient peer = approved("Laptop");
    peer.sendText("{\"command\":\"ping\",\"pad\":\"" + "x".repeat(300 * 1024) + "\"}");
    short code = peer.awaitClose();
    assertEquals(1009, code, "close code, reason " + peer.closeReason());
    JsonObject error = peer.next();
    assertEquals(413, error.getInteger("code", -1), error.encode());
  }

  // --- rate limit ---

  @Test
  @DisplayName("over msg_rate/msg_burst each dropped message gets its own 429 with its id (and target), the rest are answered, the socket stays open")
  void rateLimitAnswersEachDroppedMessage() {
    start(Map.of("msg_rate", 5, "msg_burst", 5));
    PeerClient peer = approved("Laptop");
    int n = 30;
    long began = System.nanoTime();
    for (int i = 0; i < n; i++) {
      if (i % 2 == 0) {
        peer.send(cmd("ping").put("id", "r" + i));
      } else {
        peer.send(new JsonObject().put("target", "Nobody").put("offer", "x").put("id", "r" + i));
      }
    }
    double seconds = (System.nanoTime() - began) / 1e9;
    Map<Object, JsonObject> replies = new HashMap<>();
    for (int i = 0; i < n; i++) {
      JsonObject m = peer.next();
      assertNotNull(m.getValue("id"), m.encode());
      assertNull(replies.put(m.getValue("id"), m), "one reply per message: " + m.encode());
    }
    int passed = 0;
    int dropped = 0;
    for (int i = 0; i < n; i++) {
      JsonObject m = replies.get("r" + i);
      assertNotNull(m, "no reply for r" + i);
      boolean offer = i % 2 == 1;
      if (m.getInteger("code", 0) == 429) {
        dropped++;
        assertError(m, 429, "r" + i, offer ? "Nobody" : null);
      } else if (offer) {
        passed++;
        assertError(m, 404, "r" + i, "Nobody");
      } else {
        passed++;
        assertNotNull(m.getValue("pong"), m.encode());
      }
    }
    assertTrue(passed >= 5, "the burst passes: " + passed);
    assertTrue(passed <= 5 + Math.ceil(seconds * 5) + 1, passed + " passed in " + seconds + " s");
    assertEquals(n, passed + dropped);
    assertTrue(dropped > 0);
    assertFalse(peer.isClosed(), "a short burst is not abuse");
  }

  @Test
  @DisplayName("msg_rate 0 turns the limit off: 1000 pings and 300 get_list sent at once are all answered, none 429")
  void rateZeroIsOff() {
    start(Map.of("msg_rate", 0, "msg_burst", 1));
    PeerClient peer = approved("Laptop");
    for (int i = 0; i < 1000; i++) {
      peer.send(cmd("ping").put("id", i));
    }
    for (int i = 0; i < 1000; i++) {
      JsonObject m = peer.next();
      assertEquals(i, m.getValue("id"), m.encode());
      assertNotNull(m.getValue("pong"), m.encode());
    }
    for (int i = 0; i < 300; i++) {
      peer.send(cmd("get_list").put("id", i));
    }
    for (int i = 0; i < 300; i++) {
      JsonObject m = peer.next();
      assertEquals(i, m.getValue("id"), m.encode());
      assertNotNull(m.getJsonArray("list"), m.encode());
    }
    assertUsable(peer);
  }

  @Test
  @DisplayName("sustained flooding far over the rate (rate 5, burst 5, hundreds of messages) is closed with 1008 after its 429s")
  void sustainedAbuseIsClosed1008() {
    start(Map.of("msg_rate", 5, "msg_burst", 5));
    PeerClient peer = approved("Laptop");
    // TokenBucket: abuse is more than 50 x rate (here 250) drops within ten seconds.
    int sent = 0;
    for (int i = 0; i < 600 && !peer.isClosed(); i++) {
      try {
        peer.send(cmd("ping").put("id", i));
        sent++;
      } catch (RuntimeException e) {
        break; // the server closed the socket meanwhile
      }
    }
    assertTrue(sent > 255, "sent " + sent);
    assertEquals(1008, peer.awaitClose(), "close reason " + peer.closeReason());
    int tooMany = 0;
    while (!peer.inboxEmpty()) {
      JsonObject m = peer.next();
      if (m.getInteger("code", 0) == 429) {
        tooMany++;
      }
    }
    assertTrue(tooMany >= 250, "429s before the close: " + tooMany);
  }

  // --- get_list ---

  @Test
  @DisplayName("get_list lists the user's approved peers (asker included): built-in fields, kind null, dates in Z, online, properties at top level")
  void getListEntries() {
    start();
    String phoneFp = Fingerprints.random();
    provision(node, EMAIL, "Phone", phoneFp);
    PeerClient laptop = approved("Laptop", "client", new JsonObject().put("color", "red").put("rank", 3).put("beta", true));
    PeerClient server = approved("Server", "server", new JsonObject().put("color", "blue"));
    awaitOnline(laptop, "Server");
    // Another user's peers never show.
    provision(node, "dave@example.com", "Intruder", Fingerprints.random());

    JsonObject reply = list(laptop, null);
    assertEquals(Set.of("list", "id"), reply.fieldNames());
    assertEquals(List.of("Laptop", "Phone", "Server"), names(reply));

    JsonObject phone = entry(reply, "Phone");
    assertEquals(BUILT_IN, phone.fieldNames(), phone.encode());
    assertEquals(phoneFp, phone.getString("fingerprint"));
    assertTrue(phone.containsKey("kind") && phone.getValue("kind") == null, "kind is null when not given: " + phone);
    assertTrue(phone.containsKey("last_connection") && phone.getValue("last_connection") == null,
        "last_connection is null before the first approved connect: " + phone);
    assertEquals(false, phone.getBoolean("online"));
    assertUtc(phone.getString("registration_date"));
    assertTrue(phone.containsKey("key") && phone.getValue("key") == null
        && phone.containsKey("key_id") && phone.getValue("key_id") == null, "no device key: both null: " + phone);

    JsonObject me = entry(reply, "Laptop");
    Set<String> fields = new HashSet<>(BUILT_IN);
    fields.addAll(Set.of("color", "rank", "beta"));
    assertEquals(fields, me.fieldNames(), me.encode());
    assertEquals(laptop.fingerprint, me.getString("fingerprint"));
    assertEquals("client", me.getString("kind"));
    assertEquals("red", me.getString("color"));
    assertEquals(3, me.getInteger("rank"));
    assertEquals(true, me.getBoolean("beta"));
    assertEquals(true, me.getBoolean("online"));
    assertUtc(me.getString("registration_date"));
    Instant last = assertUtc(me.getString("last_connection"));
    assertTrue(Math.abs(Instant.now().toEpochMilli() - last.toEpochMilli()) < 60_000, "last_connection " + last);

    JsonObject srv = entry(reply, "Server");
    assertEquals("server", srv.getString("kind"));
    assertEquals("blue", srv.getString("color"));
    assertEquals(true, srv.getBoolean("online"));

    assertEquals(reply.getJsonArray("list").size(), list(server, null).getJsonArray("list").size());

    server.close();
    JsonObject offline = laptop.nextUpdate();
    assertEquals("offline", offline.getString("event"));
    JsonObject after = entry(list(laptop, null), "Server");
    assertEquals(false, after.getBoolean("online"));
    assertUtc(after.getString("last_connection"));
  }

  private static Instant assertUtc(String timestamp) {
    assertNotNull(timestamp);
    assertTrue(timestamp.endsWith("Z"), "an ISO-8601 UTC timestamp ending in Z: " + timestamp);
    return Instant.parse(timestamp);
  }

  @Test
  @DisplayName("get_list's filter is an exact match on any listed field: kind, a property, online; a filter that is not an object is 400")
  void getListFilter() {
    start();
    String phoneFp = Fingerprints.random();
    provision(node, EMAIL, "Phone", phoneFp);
    PeerClient laptop = approved("Laptop", "client", new JsonObject().put("color", "red").put("rank", 3).put("beta", true));
    PeerClient server = approved("Server", "server", new JsonObject().put("color", "blue"));
    awaitOnline(laptop, "Server");

    assertEquals(List.of("Server"), names(list(laptop, new JsonObject().put("kind", "server"))));
    assertEquals(List.of("Laptop"), names(list(laptop, new JsonObject().put("kind", "client"))));
    assertEquals(List.of("Phone"), names(list(laptop, new JsonObject().putNull("kind"))));
    assertEquals(List.of(), names(list(laptop, new JsonObject().put("kind", "serv"))));
    assertEquals(List.of(), names(list(laptop, new JsonObject().put("kind", "SERVER"))));
    assertEquals(List.of("Phone"), names(list(laptop, new JsonObject().put("online", false))));
    assertEquals(List.of("Laptop", "Server"), names(list(laptop, new JsonObject().put("online", true))));
    assertEquals(List.of("Laptop"), names(list(laptop, new JsonObject().put("color", "red"))));
    assertEquals(List.of("Server"), names(list(laptop, new JsonObject().put("color", "blue"))));
    assertEquals(List.of("Laptop"), names(list(laptop, new JsonObject().put("rank", 3))));
    assertEquals(List.of(), names(list(laptop, new JsonObject().put("rank", "3"))));
    assertEquals(List.of("Laptop"), names(list(laptop, new JsonObject().put("beta", true))));
    assertEquals(List.of("Phone"), names(list(laptop, new JsonObject().put("name", "Phone"))));
    assertEquals(List.of("Phone"), names(list(laptop, new JsonObject().put("fingerprint", phoneFp))));
    assertEquals(List.of("Laptop"), names(list(laptop, new JsonObject().put("kind", "client").put("online", true))));
    assertEquals(List.of(), names(list(laptop, new JsonObject().put("kind", "client").put("online", false))));
    assertEquals(List.of("Laptop", "Phone", "Server"), names(list(laptop, new JsonObject())));
    JsonObject filtered = list(server, new JsonObject().put("color", "red"));
    assertEquals(entry(list(server, null), "Laptop"), entry(filtered, "Laptop"), "a filtered entry is a whole entry");

    for (Object bad : new Object[] {"server", new JsonArray().add("kind"), 5, true,
        new JsonObject().put("kind", new JsonObject().put("eq", "server"))}) {
      laptop.send(cmd("get_list").put("filter", bad).put("id", "bad"));
      assertError(laptop.next(), 400, "bad", null);
    }
    assertUsable(laptop);
  }

  // --- set_properties ---

  @Test
  @DisplayName("set_properties merges flat values, null deletes a key, replies {code:200}, and the values show in everyone's list")
  void setPropertiesMerges() {
    start();
    PeerClient laptop = approved("Laptop");
    PeerClient server = approved("Server");
    awaitOnline(laptop, "Server");

    JsonObject reply = laptop.request(cmd("set_properties")
        .put("properties", new JsonObject().put("color", "red").put("rank", 3).put("ratio", 0.5).put("beta", true)));
    assertEquals(Set.of("code", "id"), reply.fieldNames(), reply.encode());
    assertEquals(200, reply.getInteger("code"));
    JsonObject me = entry(list(server, null), "Laptop");
    assertEquals("red", me.getString("color"));
    assertEquals(3, me.getInteger("rank"));
    assertEquals(0.5, me.getDouble("ratio"));
    assertEquals(true, me.getBoolean("beta"));

    assertEquals(200, laptop.request(cmd("set_properties")
        .put("properties", new JsonObject().put("rank", 4).put("shape", "round"))).getInteger("code"));
    me = entry(list(server, null), "Laptop");
    assertEquals("red", me.getString("color"), "keys left out are kept");
    assertEquals(4, me.getInteger("rank"));
    assertEquals("round", me.getString("shape"));

    assertEquals(200, laptop.request(cmd("set_properties")
        .put("properties", new JsonObject().putNull("color").putNull("never-set"))).getInteger("code"));
    me = entry(list(laptop, null), "Laptop");
    assertFalse(me.containsKey("color"), "null deletes: " + me.encode());
    assertFalse(me.containsKey("never-set"), me.encode());
    assertEquals(Set.of("rank", "ratio", "beta", "shape"), props(me));

    assertEquals(200, laptop.request(cmd("set_properties").put("properties", new JsonObject())).getInteger("code"));
    assertEquals(Set.of("rank", "ratio", "beta", "shape"), props(entry(list(laptop, null), "Laptop")));
    assertTrue(props(entry(list(laptop, null), "Server")).isEmpty(), "only the sender's properties change");
  }

  private static Set<String> props(JsonObject entry) {
    Set<String> keys = new HashSet<>(entry.fieldNames());
    keys.removeAll(BUILT_IN);
    return keys;
  }

  @Test
  @DisplayName("set_properties refuses with 400 and changes nothing: a built-in key, more than 16 keys, over 1 KiB stored, a nested or array value")
  void setPropertiesLimits() {
    start();
    PeerClient laptop = approved("Laptop");
    assertEquals(200, laptop.request(cmd("set_properties").put("properties", new JsonObject().put("keep", "me")))
        .getInteger("code"));

    for (String key : List.of("name", "fingerprint", "kind", "registration_date", "last_connection", "online", "event",
        "old_name", "key", "key_id")) {
      laptop.send(cmd("set_properties").put("properties", new JsonObject().put("size", 1).put(key, "x")).put("id", key));
      assertError(laptop.next(), 400, key, null);
    }
    laptop.send(cmd("set_properties").put("properties", new JsonObject().put("nested", new JsonObject().put("a", 1)))
        .put("id", "nested"));
    assertError(laptop.next(), 400, "nested", null);
    laptop.send(cmd("set_properties").put("properties", new JsonObject().put("list", new JsonArray().add(1)))
        .put("id", "array"));
    assertError(laptop.next(), 400, "array", null);
    assertEquals(Set.of("keep"), props(entry(list(laptop, null), "Laptop")), "nothing of the refused requests is stored");

    // 16 keys in all (counting the one stored) are fine, a 17th is not.
    JsonObject fifteen = new JsonObject();
    for (int i = 1; i <= 15; i++) {
      fifteen.put("k" + i, i);
    }
    assertEquals(200, laptop.request(cmd("set_properties").put("properties", fifteen)).getInteger("code"));
    laptop.send(cmd("set_properties").put("properties", new JsonObject().put("k16", 16)).put("id", "17"));
    assertError(laptop.next(), 400, "17", null);
    assertEquals(16, props(entry(list(laptop, null), "Laptop")).size());
    // Replacing one key by another in one request stays at 16.
    assertEquals(200, laptop.request(cmd("set_properties")
        .put("properties", new JsonObject().putNull("k1").put("k16", 16))).getInteger("code"));
    assertTrue(props(entry(list(laptop, null), "Laptop")).contains("k16"));

    // 1 KiB as stored JSON, counted in bytes.
    JsonObject clear = new JsonObject();
    props(entry(list(laptop, null), "Laptop")).forEach(clear::putNull);
    assertEquals(200, laptop.request(cmd("set_properties").put("properties", clear)).getInteger("code"));
    String fits = "x".repeat(1000);
    assertTrue(new JsonObject().put("blob", fits).encode().length() <= 1024);
    assertEquals(200, laptop.request(cmd("set_properties").put("properties", new JsonObject().put("blob", fits)))
        .getInteger("code"));
    laptop.send(cmd("set_properties").put("properties", new JsonObject().put("more", "y".repeat(40))).put("id", "kib"));
    assertError(laptop.next(), 400, "kib", null);
    String wide = "\u00e9".repeat(510);
    assertTrue(new JsonObject().put("blob", wide).encode().length() < 1024
        && new JsonObject().put("blob", wide).encode().getBytes(StandardCharsets.UTF_8).length > 1024);
    laptop.send(cmd("set_properties").put("properties", new JsonObject().put("blob", wide)).put("id", "bytes"));
    assertError(laptop.next(), 400, "bytes", null);
    assertEquals(fits, entry(list(laptop, null), "Laptop").getString("blob"));
    assertUsable(laptop);
  }

  // --- ping ---

  @Test
  @DisplayName("ping answers {pong: the server time in ms}")
  void pingAnswersServerTime() {
    start();
    PeerClient peer = approved("Laptop");
    long before = System.currentTimeMillis();
    JsonObject pong = peer.request(cmd("ping"));
    long after = System.currentTimeMillis();
    assertEquals(Set.of("pong", "id"), pong.fieldNames());
    long t = ((Number) pong.getValue("pong")).longValue();
    assertTrue(t >= before - 2000 && t <= after + 2000, "pong " + t + " not within [" + before + ", " + after + "]");
  }

  // --- ice_servers ---

  @Test
  @DisplayName("ice_servers gives one STUN entry and one TURN entry with REST credentials: <expiry>:<opaque id>, HMAC-SHA1 of the secret")
  void iceServers() throws Exception {
    String secret = "north-wind";
    start(Map.of("stun_urls", "stun:stun.example.org:3478, stun:stun2.example.org:19302",
        "turn_urls", "turn:turn.example.org:3478?transport=udp,turns:turn.example.org:5349?transport=tcp",
        "turn_secret", secret, "turn_ttl", 600));
    PeerClient laptop = approved("Laptop");
    PeerClient server = approved("Server");

    long now = System.currentTimeMillis() / 1000;
    JsonObject reply = laptop.request(cmd("ice_servers"));
    assertEquals(Set.of("ice_servers", "id"), reply.fieldNames(), reply.encode());
    JsonArray servers = reply.getJsonArray("ice_servers");
    assertEquals(2, servers.size(), servers.encode());
    JsonObject stun = servers.stream().map(o -> (JsonObject) o)
        .filter(s -> s.getJsonArray("urls").getString(0).startsWith("stun:")).findFirst().orElseThrow();
    JsonObject turn = servers.stream().map(o -> (JsonObject) o)
        .filter(s -> s.getJsonArray("urls").getString(0).startsWith("turn")).findFirst().orElseThrow();
    assertEquals(new JsonArray().add("stun:stun.example.org:3478").add("stun:stun2.example.org:19302"),
        stun.getJsonArray("urls"));
    assertNull(stun.getValue("username"));
    assertNull(stun.getValue("credential"));
    assertEquals(new JsonArray().add("turn:turn.example.org:3478?transport=udp")
        .add("turns:turn.example.org:5349?transport=tcp"), turn.getJsonArray("urls"));
    assertEquals(Set.of("urls", "username", "credential"), turn.fieldNames());

    String username = turn.getString("username");
    int colon = username.indexOf(':');
    assertTrue(colon > 0 && colon < username.length() - 1, username);
    long expiry = Long.parseLong(username.substring(0, colon));
    assertTrue(Math.abs(expiry - (now + 600)) <= 5, "expiry " + expiry + ", now " + now);
    String opaque = username.substring(colon + 1);
    String lower = username.toLowerCase(Locale.ROOT);
    assertFalse(lower.contains(EMAIL) || lower.contains("carol") || lower.contains("example"),
        "no email in the username: " + username);
    assertFalse(lower.contains("laptop"), "an opaque id, not the name: " + username);

    Mac mac = Mac.getInstance("HmacSHA1");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
    String expected = Base64.getEncoder().encodeToString(mac.doFinal(username.getBytes(StandardCharsets.UTF_8)));
    assertEquals(expected, turn.getString("credential"));

    // The opaque id names the peer: another peer of the same user gets another one.
    JsonObject other = server.request(cmd("ice_servers")).getJsonArray("ice_servers").stream().map(o -> (JsonObject) o)
        .filter(s -> s.containsKey("username")).findFirst().orElseThrow();
    String otherOpaque = other.getString("username").substring(other.getString("username").indexOf(':') + 1);
    assertFalse(otherOpaque.equals(opaque), "two peers share the opaque id " + opaque);
  }

  @Test
  @DisplayName("with no STUN or TURN configured, ice_servers answers an empty list")
  void iceServersEmptyWithoutConfiguration() {
    start();
    PeerClient peer = approved("Laptop");
    JsonObject reply = peer.request(cmd("ice_servers"));
    assertEquals(new JsonArray(), reply.getJsonArray("ice_servers"), reply.encode());
  }
}
