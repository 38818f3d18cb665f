package io.peerbook;

import io.peerbook.support.Fingerprints;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static io.peerbook.SocketKit.assertError;
import static io.peerbook.SocketKit.provision;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Offers, answers and candidates between two approved peers of one user. Here both are on one gateway instance, which
 * writes to the target itself; {@link RelayAcrossGatewaysTest} runs the same cases with the target on another gateway
 * instance of the node, {@link RelayAcrossNodesTest} with the target on another node of a cluster.
 *
 * <p>Answers to the sender (errors) are read in sequence. Deliveries are awaited on the event loop, a checkpoint flagged
 * per message once it came and was checked; the checks are registered before anything is sent, so a case may send its
 * whole stream at once.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
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
  /** The Vert.x of the case, closed by VertxExtension after it. */
  Vertx vertx;

  @BeforeEach
  void useVertx(Vertx vertx) {
    this.vertx = vertx;
  }

  @AfterEach
  void stop() {
    stopNodes();
  }

  /** Starts Alpha's node with these settings. */
  TestNode startNode(Map<String, Object> settings) {
    return TestNode.start(vertx, settings);
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

  /**
   * Checks the next messages of {@code to} against {@code expected}, in order, flagging {@code delivered} for each.
   * Registered before the messages are sent, the checks wait on the event loop.
   */
  private static Future<Void> deliveries(PeerClient from, PeerClient to, List<JsonObject> expected, Checkpoint delivered) {
    List<Consumer<JsonObject>> checks = new ArrayList<>();
    for (int i = 0; i < expected.size(); i++) {
      JsonObject e = expected.get(i);
      int n = i;
      checks.add(m -> assertEquals(e, m, () -> "message " + n + " of " + from.name + " to " + to.name
          + "; meanwhile the sender got " + from.queued()));
    }
    return each(to, checks, delivered);
  }

  /** Runs each check on the next message of {@code to}, in order, flagging {@code delivered} after each. */
  private static Future<Void> each(PeerClient to, List<Consumer<JsonObject>> checks, Checkpoint delivered) {
    List<Future<Void>> all = new ArrayList<>();
    for (Consumer<JsonObject> check : checks) {
      all.add(to.receive().map(m -> {
        check.accept(m);
        delivered.flag();
        return null;
      }));
    }
    return Future.all(all).mapEmpty();
  }

  /** Once {@code after} succeeded, none of {@code peers} gets anything before a ping's answer; a checkpoint of its own. */
  private static void thenQuiet(VertxTestContext ctx, Future<?> after, PeerClient... peers) {
    Checkpoint quiet = ctx.checkpoint();
    after.compose(v -> Future.all(Arrays.stream(peers).map(PeerClient::quiet).toList()))
        .onComplete(ctx.succeeding(v -> quiet.flag()));
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
  void offerCarriesTheSendersIdentity(VertxTestContext ctx) {
    pair();
    JsonObject offer = sdp("offer");
    Future<Void> delivered = deliveries(alpha, beta, List.of(delivery("Alpha", fpA, "offer", offer),
        delivery("Alpha", fpA, "offer", "second"), delivery("Alpha", fpA, "offer", "third")), ctx.checkpoint(3));
    // A relayed message is not acknowledged: the sender gets nothing back.
    thenQuiet(ctx, delivered, alpha, beta);
    alpha.send(signal("Beta", "offer", offer).put("source", "Mallory").put("fingerprint", Fingerprints.random())
        .put("id", "o1").put("extra", "dropped"));
    // A fingerprint on an offer is ignored, even one that is no fingerprint at all.
    alpha.send(signal("Beta", "offer", "second").put("fingerprint", "not a fingerprint").put("id", "o2"));
    // Names are compared case-insensitively: the target may be written in any case.
    alpha.send(signal("bETA", "offer", "third"));
  }

  @Test
  @DisplayName("an answer naming the initiator's fingerprint in any accepted form is delivered as {source, fingerprint, answer}")
  void answerWithTheInitiatorsFingerprint(VertxTestContext ctx) {
    pair();
    // Each answer carries the form its fingerprint was written in, so a failure names it.
    List<JsonObject> answers = List.of(fpA, fpA.toLowerCase(Locale.ROOT), fpA.replace(":", ""),
        "sha-256 " + fpA.toLowerCase(Locale.ROOT), "SHA-256 " + fpA.replace(":", ""))
        .stream().map(form -> sdp("answer").put("form", form)).toList();
    Future<Void> delivered = deliveries(beta, alpha,
        answers.stream().map(answer -> delivery("Beta", fpB, "answer", answer)).toList(), ctx.checkpoint(answers.size()));
    thenQuiet(ctx, delivered, beta);
    for (JsonObject answer : answers) {
      beta.send(signal("Alpha", "answer", answer).put("fingerprint", answer.getString("form")).put("source", "Mallory")
          .put("id", "a"));
    }
  }

  @Test
  @DisplayName("an answer or candidate with a fingerprint that is not the target's current one gets 409 with id and target, and nothing is delivered")
  void wrongFingerprintIs409(VertxTestContext ctx) {
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
    Future<Void> delivered = deliveries(beta, alpha, List.of(delivery("Beta", fpB, "answer", "ok")), ctx.checkpoint());
    thenQuiet(ctx, delivered, alpha, beta);
    beta.send(signal("Alpha", "answer", "ok").put("fingerprint", fpA));
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
  void candidatesWithAndWithoutFingerprint(VertxTestContext ctx) {
    pair();
    JsonObject candidate = new JsonObject().put("candidate", "candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host")
        .put("sdpMid", "0").put("sdpMLineIndex", 0);
    Future<Void> toBeta = deliveries(alpha, beta, List.of(delivery("Alpha", fpA, "candidate", candidate),
        delivery("Alpha", fpA, "candidate", candidate)), ctx.checkpoint(2));
    Future<Void> toAlpha = deliveries(beta, alpha, List.of(delivery("Beta", fpB, "candidate", candidate)),
        ctx.checkpoint());
    thenQuiet(ctx, Future.all(toBeta, toAlpha), alpha, beta);
    alpha.send(signal("Beta", "candidate", candidate));
    alpha.send(signal("Beta", "candidate", candidate).put("fingerprint", "sha-256 " + fpB.toLowerCase(Locale.ROOT)));
    beta.send(signal("Alpha", "candidate", candidate).put("fingerprint", fpA).put("source", "Mallory"));
  }

  @Test
  @DisplayName("any JSON value is relayed untouched as the payload: objects, strings, numbers, arrays, booleans, and null (delivered as null)")
  void anyJsonValueIsRelayedUntouched(VertxTestContext ctx) {
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
    List<Consumer<JsonObject>> toBeta = new ArrayList<>();
    for (String type : List.of("offer", "candidate")) {
      for (Object payload : payloads) {
        toBeta.add(m -> {
          assertEquals(Set.of("source", "fingerprint", type), m.fieldNames(), m.encode());
          assertTrue(m.containsKey(type), m.encode());
          assertEquals(payload, m.getValue(type), "payload " + payload + " as " + type + ": " + m.encode());
        });
      }
    }
    List<Consumer<JsonObject>> toAlpha = new ArrayList<>();
    for (Object payload : payloads) {
      toAlpha.add(m -> {
        assertEquals(Set.of("source", "fingerprint", "answer"), m.fieldNames(), m.encode());
        assertEquals(payload, m.getValue("answer"), m.encode());
      });
    }
    Future<Void> atBeta = each(beta, toBeta, ctx.checkpoint(toBeta.size()));
    Future<Void> atAlpha = each(alpha, toAlpha, ctx.checkpoint(toAlpha.size()));
    thenQuiet(ctx, Future.all(atBeta, atAlpha), alpha, beta);
    for (String type : List.of("offer", "candidate")) {
      for (Object payload : payloads) {
        alpha.send(signal("Beta", type, payload));
      }
    }
    for (Object payload : payloads) {
      beta.send(signal("Alpha", "answer", payload).put("fingerprint", fpA));
    }
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
  void selfTargetIsDeliveredBack(VertxTestContext ctx) {
    pair();
    Future<Void> back = deliveries(alpha, alpha, List.of(delivery("Alpha", fpA, "offer", "loop")), ctx.checkpoint());
    thenQuiet(ctx, back, alpha, beta);
    alpha.send(signal("Alpha", "offer", "loop").put("id", "self"));
  }

  @Test
  @DisplayName("500 offers and candidates from A to B sent at once (rate limit off) arrive in the order sent, none lost")
  void fiveHundredMessagesArriveInOrder(VertxTestContext ctx) {
    pair(Map.of("msg_rate", 0));
    int n = 500;
    List<JsonObject> expected = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      expected.add(delivery("Alpha", fpA, i % 3 == 0 ? "offer" : "candidate", new JsonObject().put("seq", i)));
    }
    thenQuiet(ctx, deliveries(alpha, beta, expected, ctx.checkpoint(n)), alpha, beta);
    for (int i = 0; i < n; i++) {
      alpha.send(signal("Beta", i % 3 == 0 ? "offer" : "candidate", new JsonObject().put("seq", i)));
    }
  }

  @Test
  @DisplayName("500 messages paced by the target's reception (batches of 50, rate limit off) arrive in order")
  void pacedMessagesArriveInOrder(VertxTestContext ctx) {
    pair(Map.of("msg_rate", 0));
    Checkpoint delivered = ctx.checkpoint(500);
    Checkpoint quiet = ctx.checkpoint();
    Future<Void> batches = Future.succeededFuture();
    for (int batch = 0; batch < 10; batch++) {
      int first = batch * 50;
      // the next batch goes out once the target has received the one before
      batches = batches.compose(v -> {
        List<JsonObject> expected = new ArrayList<>();
        for (int seq = first; seq < first + 50; seq++) {
          expected.add(delivery("Alpha", fpA, seq % 2 == 0 ? "offer" : "candidate", seq));
        }
        Future<Void> arrived = deliveries(alpha, beta, expected, delivered);
        List<Future<Void>> sent = new ArrayList<>();
        for (int seq = first; seq < first + 50; seq++) {
          sent.add(alpha.sendAsync(signal("Beta", seq % 2 == 0 ? "offer" : "candidate", seq)));
        }
        return Future.all(sent).compose(all -> arrived);
      });
    }
    batches.compose(v -> alpha.quiet()).onComplete(ctx.succeeding(v -> quiet.flag()));
  }

  @Test
  @DisplayName("a target that disconnected gets 480 until it reconnects; then its new socket is reached")
  void reconnectedTargetIsReachedOnItsNewSocket(VertxTestContext ctx) {
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
    Future<Void> reached = deliveries(alpha, again, List.of(delivery("Alpha", fpA, "offer", "after")), ctx.checkpoint());
    Future<Void> answered = deliveries(again, alpha, List.of(delivery("Beta", fpB, "answer", "back")), ctx.checkpoint());
    thenQuiet(ctx, answered, alpha);
    reached.compose(v -> again.sendAsync(signal("Alpha", "answer", "back").put("fingerprint", fpA)))
        .onFailure(ctx::failNow);
    alpha.send(signal("Beta", "offer", "after"));
  }

  @Test
  @DisplayName("when the target's newer connection replaces the old one (4409), messages reach the newer socket")
  void replacedTargetIsReachedOnTheNewerSocket(VertxTestContext ctx) {
    pair();
    alpha.send(signal("Beta", "offer", "warm the route"));
    assertEquals(delivery("Alpha", fpA, "offer", "warm the route"), beta.next());

    PeerClient newer = targetNode().connect(email, "Beta", fpB);
    newer.expectCode(200);
    List<JsonObject> expected = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      expected.add(delivery("Alpha", fpA, "candidate", i));
    }
    Checkpoint replaced = ctx.checkpoint();
    thenQuiet(ctx, deliveries(alpha, newer, expected, ctx.checkpoint(expected.size())), alpha);
    beta.closeCode().compose(code -> {
      assertEquals(4409, code.intValue());
      replaced.flag();
      List<Future<Void>> sent = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        sent.add(alpha.sendAsync(signal("Beta", "candidate", i).put("id", "r" + i)));
      }
      return Future.all(sent);
    }).onFailure(ctx::failNow);
  }

  @Test
  @DisplayName("the source is the name as the book shows it, also when the sender connected with the name in another case")
  void sourceIsTheBooksSpellingOfTheName(VertxTestContext ctx) {
    pair();
    alpha.close();
    awaitUpdate(beta, "Alpha", "offline");
    PeerClient shouting = node.connect(email, "ALPHA", fpA);
    shouting.expectCode(200);
    JsonObject listed = beta.request(new JsonObject().put("command", "get_list")).getJsonArray("list").stream()
        .map(o -> (JsonObject) o).filter(e -> e.getString("fingerprint").equals(fpA)).findFirst().orElseThrow();
    assertEquals("Alpha", listed.getString("name"));
    Checkpoint relayed = ctx.checkpoint();
    beta.receive(x -> x.containsKey("offer")).onComplete(ctx.succeeding(m -> ctx.verify(() -> {
      assertEquals(delivery("Alpha", fpA, "offer", "hi"), m,
          "the source should match the name in the target's list, so it can look the sender up");
      relayed.flag();
    })));
    shouting.send(signal("Beta", "offer", "hi"));
  }
}
