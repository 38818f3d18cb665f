package io.peerbook;

import io.peerbook.support.Fingerprints;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

import static io.peerbook.SocketKit.assertError;
import static io.peerbook.SocketKit.provision;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Offers, answers and candidates between two approved peers of one user. Here both are on one gateway instance, which
 * writes to the target itself; {@link RelayAcrossGatewaysTest} runs the same cases with the target on another gateway
 * instance of the node, {@link RelayAcrossNodesTest} with the target on another node of a cluster.
 */
class RelayTest {
  /** The user of the case: its own, so that a node kept for several cases starts each with an empty book. */
  String email;
  /** Alpha's node. */
  TestNode node;
  /** Canonical fingerprints of Alpha and Beta. */
  private final String fpA = Fingerprints.random();
  private final String fpB = Fingerprints.random();
  private PeerClient alpha;
  private PeerClient beta;

  @AfterEach
  void stop() {
    stopNodes();
  }

  /** Starts Alpha's node with these settings. */
  TestNode startNode(Map<String, Object> settings) {
    return TestNode.start(settings);
  }

  /** The node the targets (Beta, Gamma, Delta) connect to. */
  TestNode targetNode() {
    return node;
  }

  void stopNodes() {
    if (node != null) {
      node.close();
    }
  }

  /**
   * Starts a node, provisions Alpha and Beta, connects both (Alpha with a non-canonical fingerprint form) and
   * consumes their statuses and Alpha's presence event about Beta, so both inboxes start empty.
   */
  private void pair(Map<String, Object> overrides) {
    Map<String, Object> all = new HashMap<>(overrides);
    all.putAll(nodeSettings());
    all.put("admin_token", SocketKit.ADMIN_TOKEN);
    email = "erin-" + UUID.randomUUID() + "@example.com";
    node = startNode(all);
    provision(node, email, "Alpha", fpA);
    provision(node, email, "Beta", fpB);
    alpha = node.connect(email, "Alpha", "sha-256 " + fpA.toLowerCase(Locale.ROOT));
    alpha.expectCode(200);
    beta = targetNode().connect(email, "Beta", fpB.replace(":", ""));
    beta.expectCode(200);
    awaitUpdate(alpha, "Beta", "online");
    beta = placeBeta(beta, () -> targetNode().connect(email, "Beta", fpB.replace(":", "")));
  }

  /** Settings of the node every case starts. */
  Map<String, Object> nodeSettings() {
    return Map.of();
  }

  /**
   * Where Beta's socket must be before a case starts: here anywhere (one gateway instance holds both). Returns the
   * socket to use, connected and with an empty inbox, as is Alpha's.
   */
  PeerClient placeBeta(PeerClient connected, Supplier<PeerClient> reconnect) {
    return connected;
  }

  private void pair() {
    pair(Map.of());
  }

  private static JsonObject awaitUpdate(PeerClient watcher, String name, String event) {
    return watcher.next(m -> m.getJsonObject("peer_update") != null
        && name.equals(m.getJsonObject("peer_update").getString("name"))
        && event.equals(m.getJsonObject("peer_update").getString("event"))).getJsonObject("peer_update");
  }

  private static List<String> drain(PeerClient peer) {
    List<String> out = new ArrayList<>();
    while (!peer.inboxEmpty()) {
      out.add(peer.next().encode());
    }
    return out;
  }

  private static JsonObject signal(String target, String type, Object payload) {
    return new JsonObject().put("target", target).put(type, payload);
  }

  private static JsonObject delivery(String source, String fingerprint, String type, Object payload) {
    return new JsonObject().put("source", source).put("fingerprint", fingerprint).put(type, payload);
  }

  private static JsonObject sdp(String type) {
    return new JsonObject().put("type", type).put("sdp", "v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
        + "a=fingerprint:sha-256 AB:CD\r\n");
  }

  @Test
  @DisplayName("an offer reaches the target as exactly {source, fingerprint, offer} with the sender's name and canonical fingerprint, whatever the sender wrote")
  void offerCarriesTheSendersIdentity() {
    pair();
    JsonObject offer = sdp("offer");
    alpha.send(signal("Beta", "offer", offer).put("source", "Mallory").put("fingerprint", Fingerprints.random())
        .put("id", "o1").put("extra", "dropped"));
    assertEquals(delivery("Alpha", fpA, "offer", offer), beta.next());
    // A fingerprint on an offer is ignored, even one that is no fingerprint at all.
    alpha.send(signal("Beta", "offer", "second").put("fingerprint", "not a fingerprint").put("id", "o2"));
    assertEquals(delivery("Alpha", fpA, "offer", "second"), beta.next());
    // Names are compared case-insensitively: the target may be written in any case.
    alpha.send(signal("bETA", "offer", "third"));
    assertEquals(delivery("Alpha", fpA, "offer", "third"), beta.next());
    // A relayed message is not acknowledged: the sender gets nothing back.
    alpha.expectNothingBeforePong();
    beta.expectNothingBeforePong();
  }

  @Test
  @DisplayName("an answer naming the initiator's fingerprint in any accepted form is delivered as {source, fingerprint, answer}")
  void answerWithTheInitiatorsFingerprint() {
    pair();
    for (String form : List.of(fpA, fpA.toLowerCase(Locale.ROOT), fpA.replace(":", ""),
        "sha-256 " + fpA.toLowerCase(Locale.ROOT), "SHA-256 " + fpA.replace(":", ""))) {
      JsonObject answer = sdp("answer").put("form", form);
      beta.send(signal("Alpha", "answer", answer).put("fingerprint", form).put("source", "Mallory").put("id", "a"));
      assertEquals(delivery("Beta", fpB, "answer", answer), alpha.next(), "fingerprint written as " + form);
    }
    beta.expectNothingBeforePong();
  }

  @Test
  @DisplayName("an answer or candidate with a fingerprint that is not the target's current one gets 409 with id and target, and nothing is delivered")
  void wrongFingerprintIs409() {
    pair();
    beta.send(signal("Alpha", "answer", sdp("answer")).put("fingerprint", Fingerprints.random()).put("id", "w1"));
    assertError(beta.next(), 409, "w1", "Alpha");
    beta.send(signal("Alpha", "answer", sdp("answer")).put("fingerprint", fpB).put("id", 2));
    assertError(beta.next(), 409, 2, "Alpha");
    String last = fpA.substring(fpA.length() - 2);
    String oneByteOff = fpA.substring(0, fpA.length() - 2) + ("00".equals(last) ? "11" : "00");
    beta.send(signal("alpha", "candidate", "c").put("fingerprint", oneByteOff).put("id", "w3"));
    assertError(beta.next(), 409, "w3", "alpha");
    alpha.expectNothingBeforePong();
    // The socket stays usable, and the right fingerprint still goes through.
    beta.send(signal("Alpha", "answer", "ok").put("fingerprint", fpA));
    assertEquals(delivery("Beta", fpB, "answer", "ok"), alpha.next());
  }

  @Test
  @DisplayName("an answer without the initiator's fingerprint is a missing field: 400 with id and target, nothing delivered")
  void answerWithoutFingerprintIs400() {
    pair();
    beta.send(signal("Alpha", "answer", sdp("answer")).put("id", "nf"));
    assertError(beta.next(), 400, "nf", "Alpha");
    alpha.expectNothingBeforePong();
  }

  @Test
  @DisplayName("a candidate is delivered with a correct fingerprint and without one, as {source, fingerprint, candidate}")
  void candidatesWithAndWithoutFingerprint() {
    pair();
    JsonObject candidate = new JsonObject().put("candidate", "candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host")
        .put("sdpMid", "0").put("sdpMLineIndex", 0);
    alpha.send(signal("Beta", "candidate", candidate));
    assertEquals(delivery("Alpha", fpA, "candidate", candidate), beta.next());
    alpha.send(signal("Beta", "candidate", candidate).put("fingerprint", "sha-256 " + fpB.toLowerCase(Locale.ROOT)));
    assertEquals(delivery("Alpha", fpA, "candidate", candidate), beta.next());
    beta.send(signal("Alpha", "candidate", candidate).put("fingerprint", fpA).put("source", "Mallory"));
    assertEquals(delivery("Beta", fpB, "candidate", candidate), alpha.next());
    alpha.expectNothingBeforePong();
    beta.expectNothingBeforePong();
  }

  @Test
  @DisplayName("any JSON value is relayed untouched as the payload: objects, strings, numbers, arrays, booleans, and null (delivered as null)")
  void anyJsonValueIsRelayedUntouched() {
    pair();
    List<Object> payloads = Arrays.asList(
        new JsonObject().put("nested", new JsonObject().put("deep", new JsonArray().add(1).add("two").addNull()))
            .put("unicode", "h\u00e9llo \u2603 \ud83d\ude00").put("escapes", "quote \" backslash \\ nul \u0000 nl \n"),
        "a plain string",
        "",
        42,
        -3.25,
        new BigInteger("123456789012345678901234567890"),
        1.0e-7,
        new JsonArray().add(1).add("x").add(true).addNull().add(new JsonObject().put("k", "v")),
        new JsonArray(),
        new JsonObject(),
        true,
        false,
        null);
    for (String type : List.of("offer", "candidate")) {
      for (Object payload : payloads) {
        alpha.send(signal("Beta", type, payload));
      }
      for (Object payload : payloads) {
        JsonObject m = beta.next();
        assertEquals(Set.of("source", "fingerprint", type), m.fieldNames(), m.encode());
        assertTrue(m.containsKey(type), m.encode());
        assertEquals(payload, m.getValue(type), "payload " + payload + " as " + type + ": " + m.encode());
      }
    }
    for (Object payload : payloads) {
      beta.send(signal("Alpha", "answer", payload).put("fingerprint", fpA));
      JsonObject m = alpha.next();
      assertEquals(Set.of("source", "fingerprint", "answer"), m.fieldNames(), m.encode());
      assertEquals(payload, m.getValue("answer"), m.encode());
    }
    alpha.expectNothingBeforePong();
    beta.expectNothingBeforePong();
  }

  @Test
  @DisplayName("a target that is no approved peer of the user gets 404, with the same text whether or not another user has a peer of that name")
  void unknownTargetIs404() {
    pair();
    alpha.send(signal("Gamma", "offer", "o").put("id", "g1"));
    String unknownText = assertError(alpha.next(), 404, "g1", "Gamma").getString("text");

    String fpG = Fingerprints.random();
    String frank = "frank-" + UUID.randomUUID() + "@example.com";
    provision(node, frank, "Gamma", fpG);
    PeerClient gamma = targetNode().connect(frank, "Gamma", fpG);
    gamma.expectCode(200);
    alpha.send(signal("Gamma", "offer", "o").put("id", "g2"));
    assertEquals(unknownText, assertError(alpha.next(), 404, "g2", "Gamma").getString("text"),
        "the answer must not tell that another user has a peer of that name");
    alpha.send(signal("Gamma", "answer", "a").put("fingerprint", fpG).put("id", "g3"));
    assertError(alpha.next(), 404, "g3", "Gamma");
    gamma.expectNothingBeforePong();

    // A waiting (not approved) peer of the same user is no target either.
    PeerClient waiting = targetNode().connect(email, "Delta", Fingerprints.random());
    waiting.expectCode(401);
    alpha.send(signal("Delta", "offer", "o").put("id", "d1"));
    assertError(alpha.next(), 404, "d1", "Delta");
    waiting.expectNothingBeforePong();
    alpha.expectNothingBeforePong();
  }

  @Test
  @DisplayName("a target that is approved but not online gets 480 with id and target; nothing is queued for later")
  void offlineTargetIs480() {
    pair();
    String fpG = Fingerprints.random();
    provision(node, email, "Gamma", fpG);
    awaitUpdate(alpha, "Gamma", "approved");
    alpha.send(signal("Gamma", "offer", "queued?").put("id", "off"));
    assertError(alpha.next(), 480, "off", "Gamma");
    alpha.send(signal("gamma", "candidate", "c").put("id", 480));
    assertError(alpha.next(), 480, 480, "gamma");

    PeerClient gamma = targetNode().connect(email, "Gamma", fpG);
    gamma.expectCode(200);
    gamma.expectNothingBeforePong();
  }

  @Test
  @DisplayName("a peer may target itself: the offer comes back to it as from any other peer (it is an approved peer of its user)")
  void selfTargetIsDeliveredBack() {
    pair();
    alpha.send(signal("Alpha", "offer", "loop").put("id", "self"));
    assertEquals(delivery("Alpha", fpA, "offer", "loop"), alpha.next());
    alpha.expectNothingBeforePong();
    beta.expectNothingBeforePong();
  }

  @Test
  @DisplayName("500 offers and candidates from A to B sent at once (rate limit off) arrive in the order sent, none lost")
  void fiveHundredMessagesArriveInOrder() {
    pair(Map.of("msg_rate", 0));
    int n = 500;
    for (int i = 0; i < n; i++) {
      alpha.send(signal("Beta", i % 3 == 0 ? "offer" : "candidate", new JsonObject().put("seq", i)));
    }
    for (int i = 0; i < n; i++) {
      JsonObject m = beta.next();
      JsonObject expected = delivery("Alpha", fpA, i % 3 == 0 ? "offer" : "candidate", new JsonObject().put("seq", i));
      if (!expected.equals(m)) {
        fail("message " + i + " expected, got " + m.encode() + "; meanwhile the sender got " + drain(alpha));
      }
    }
    alpha.expectNothingBeforePong();
    beta.expectNothingBeforePong();
  }

  @Test
  @DisplayName("500 messages paced by the target's reception (batches of 50, rate limit off) arrive in order")
  void pacedMessagesArriveInOrder() {
    pair(Map.of("msg_rate", 0));
    int seq = 0;
    for (int batch = 0; batch < 10; batch++) {
      int first = seq;
      for (int i = 0; i < 50; i++, seq++) {
        alpha.send(signal("Beta", seq % 2 == 0 ? "offer" : "candidate", seq));
      }
      for (int i = first; i < seq; i++) {
        assertEquals(delivery("Alpha", fpA, i % 2 == 0 ? "offer" : "candidate", i), beta.next(), "message " + i);
      }
    }
    alpha.expectNothingBeforePong();
  }

  @Test
  @DisplayName("a target that disconnected gets 480 until it reconnects; then its new socket is reached")
  void reconnectedTargetIsReachedOnItsNewSocket() {
    pair();
    alpha.send(signal("Beta", "offer", "before"));
    assertEquals(delivery("Alpha", fpA, "offer", "before"), beta.next());

    beta.close();
    awaitUpdate(alpha, "Beta", "offline");
    alpha.send(signal("Beta", "offer", "while away").put("id", "away"));
    assertError(alpha.next(), 480, "away", "Beta");

    PeerClient again = targetNode().connect(email, "Beta", fpB);
    again.expectCode(200);
    awaitUpdate(alpha, "Beta", "online");
    alpha.send(signal("Beta", "offer", "after"));
    assertEquals(delivery("Alpha", fpA, "offer", "after"), again.next());
    again.send(signal("Alpha", "answer", "back").put("fingerprint", fpA));
    assertEquals(delivery("Beta", fpB, "answer", "back"), alpha.next());
    alpha.expectNothingBeforePong();
  }

  @Test
  @DisplayName("when the target's newer connection replaces the old one (4409), messages reach the newer socket")
  void replacedTargetIsReachedOnTheNewerSocket() {
    pair();
    alpha.send(signal("Beta", "offer", "warm the route"));
    assertEquals(delivery("Alpha", fpA, "offer", "warm the route"), beta.next());

    PeerClient newer = targetNode().connect(email, "Beta", fpB);
    newer.expectCode(200);
    assertEquals(4409, beta.awaitClose());
    List<JsonObject> received = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      alpha.send(signal("Beta", "candidate", i).put("id", "r" + i));
    }
    for (int i = 0; i < 5; i++) {
      received.add(newer.next());
    }
    for (int i = 0; i < 5; i++) {
      assertEquals(delivery("Alpha", fpA, "candidate", i), received.get(i));
    }
    alpha.expectNothingBeforePong();
  }

  @Test
  @DisplayName("the source is the name as the book shows it, also when the sender connected with the name in another case")
  void sourceIsTheBooksSpellingOfTheName() {
    pair();
    alpha.close();
    awaitUpdate(beta, "Alpha", "offline");
    PeerClient shouting = node.connect(email, "ALPHA", fpA);
    shouting.expectCode(200);
    JsonObject listed = beta.request(new JsonObject().put("command", "get_list")).getJsonArray("list").stream()
        .map(o -> (JsonObject) o).filter(e -> e.getString("fingerprint").equals(fpA)).findFirst().orElseThrow();
    assertEquals("Alpha", listed.getString("name"));
    shouting.send(signal("Beta", "offer", "hi"));
    JsonObject m = beta.next(x -> x.containsKey("offer"));
    assertEquals(delivery("Alpha", fpA, "offer", "hi"), m,
        "the source should match the name in the target's list, so it can look the sender up");
  }
}
