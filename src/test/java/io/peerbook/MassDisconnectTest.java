package io.peerbook;

import ch.qos.logback.classic.Level;
import io.peerbook.protocol.Address;
import io.peerbook.support.LogCapture;
import io.peerbook.support.PeerClient;
import io.peerbook.support.RedisCalls;
import io.peerbook.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 15,000 sockets leaving at once cost a handful of Redis pipelines and log no failure, whether each sends its own
 * disconnect (as a gateway without batching does) or they come as lists; a dead node's 5,000 sockets are cleared the
 * same way. The sockets are played over the event bus, as the gateway speaks to the directory: the question here
 * is what the directory asks of Redis, and 15,000 websockets would not fit in one test JVM beside the node.
 */
class MassDisconnectTest {
  private static final int USERS = 5_000;
  private static final int DEVICES = 3;
  private static final int SOCKETS = USERS * DEVICES;
  /** Requests in flight while the test builds its sockets, well within the Redis pool's wait queue. */
  private static final int IN_FLIGHT = 200;
  private TestNode node;
  private Redis redis;
  private final AtomicInteger offline = new AtomicInteger();
  private MessageConsumer<JsonObject> events;
  private final String run = UUID.randomUUID().toString().substring(0, 8);

  @BeforeEach
  void start() {
    node = TestNode.start(Map.of("max_requests_per_address", 0));
    redis = Redis.createClient(node.vertx, node.config.getString("redis_url"));
    events = node.vertx.eventBus().consumer(Address.BOOK_EVENTS.address(), m -> {
      if ("offline".equals(m.body().getString("event"))) {
        offline.incrementAndGet();
      }
    });
    PeerClient.await(events.completion());
    provision();
  }

  @AfterEach
  void stop() {
    events.unregister();
    redis.close();
    node.close();
  }

  private static String email(int user) {
    return "mass" + user + "@example.com";
  }

  /** The approved records, written straight into the book: the test is about presence, not approvals. */
  private void provision() {
    String prefix = node.config.getString("redis_prefix");
    List<Request> writes = new ArrayList<>();
    for (int u = 0; u < USERS; u++) {
      for (int d = 0; d < DEVICES; d++) {
        writes.add(Request.cmd(Command.HSET).arg(prefix + "{" + email(u) + "}:peers").arg("d" + d)
            .arg(new JsonObject().put("name", "D" + d).put("fingerprint", fingerprint(u, d)).putNull("kind")
                .put("properties", new JsonObject()).put("registration_date", "2026-01-01T00:00:00Z").encode()));
      }
    }
    for (int i = 0; i < writes.size(); i += 1000) {
      redis.batch(writes.subList(i, Math.min(writes.size(), i + 1000))).await();
    }
  }

  private static String fingerprint(int user, int device) {
    return String.format("%064X", (long) user * DEVICES + device).replaceAll("(..)(?!$)", "$1:");
  }

  private JsonObject socket(int i, String node) {
    int u = i / DEVICES;
    int d = i % DEVICES;
    return new JsonObject().put("email", email(u)).put("name", "D" + d).put("name_key", "d" + d)
        .put("fingerprint", fingerprint(u, d)).putNull("kind").put("gateway", "mass-gw").put("node", node)
        .put("conn", "mass-gw#" + run + "-" + node + "-" + i).put("address", "").putNull("key");
  }

  /** Sends {@code count} requests, {@link #IN_FLIGHT} at a time, and waits for all. */
  private void inFlight(int count, IntFunction<Future<JsonObject>> request) {
    AtomicInteger next = new AtomicInteger();
    List<Future<Void>> lanes = new ArrayList<>();
    for (int lane = 0; lane < IN_FLIGHT; lane++) {
      lanes.add(lane(next, count, request));
    }
    PeerClient.await(Future.all(lanes).map(v -> null));
  }

  private Future<Void> lane(AtomicInteger next, int count, IntFunction<Future<JsonObject>> request) {
    int i = next.getAndIncrement();
    if (i >= count) {
      return Future.succeededFuture();
    }
    return request.apply(i).compose(r -> {
      assertEquals(200, r.getInteger("code"), r.encode());
      return lane(next, count, request);
    });
  }

  /**
   * A request to the directory as a gateway sends it, but awaited longer than a gateway would (which retries a
   * disconnect that timed out): the test counts Redis calls and outcomes, not how fast a loaded machine answers.
   */
  private Future<JsonObject> request(Address address, JsonObject body) {
    DeliveryOptions options = new DeliveryOptions().setLocalOnly(true)
        .setSendTimeout(TimeUnit.SECONDS.toMillis(PeerClient.WAIT_SECONDS));
    return node.vertx.eventBus().<JsonObject>request(address.address(), body, options).map(Message::body);
  }

  private void connectAll(String onNode, int count) {
    inFlight(count, i -> request(Address.DIRECTORY_CONNECT, socket(i, onNode)));
  }

  private void awaitOffline(int expected, long seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (offline.get() < expected) {
      assertTrue(System.nanoTime() < deadline, offline.get() + " of " + expected + " offline after " + seconds + " s");
      PeerClient.await(node.vertx.timer(50));
    }
  }

  private void assertQuiet(LogCapture logs, RedisCalls before, long seconds) {
    assertTrue(logs.matching(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).isEmpty(),
        LogCapture.describe(logs.matching(e -> e.getLevel().isGreaterOrEqual(Level.WARN))));
    RedisCalls after = RedisCalls.now();
    assertEquals(0, after.since(before, RedisCalls.PER_SOCKET), "no request per socket");
    // At least 15 pipelines of up to 1,000 disconnects (a burst's first batches are smaller); the node's own
    // heartbeat adds one a second.
    long pipelines = after.since(before, "pipeline");
    assertTrue(pipelines <= 25 + seconds, pipelines + " pipelines");
  }

  @Test
  @DisplayName("15,000 sockets of 5,000 users closing at once, one disconnect each: all offline, a few pipelines, no warning")
  void oneRequestEach() {
    connectAll(node.nodeId(), SOCKETS);
    long t0 = System.nanoTime();
    try (LogCapture logs = LogCapture.open()) {
      RedisCalls before = RedisCalls.now();
      List<Future<JsonObject>> sent = new ArrayList<>();
      for (int i = 0; i < SOCKETS; i++) {
        sent.add(request(Address.DIRECTORY_DISCONNECT, socket(i, node.nodeId())));
      }
      PeerClient.await(Future.all(sent));
      awaitOffline(SOCKETS, 10);
      long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0) + 1;
      System.out.printf("mass disconnect, one request per socket: %d sockets offline in %d ms, %d pipelines%n",
          SOCKETS, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), RedisCalls.now().since(before, "pipeline"));
      assertQuiet(logs, before, seconds);
    }
  }

  @Test
  @DisplayName("the same 15,000 as lists of 1,000: all offline, a few pipelines, no warning")
  void lists() {
    connectAll(node.nodeId(), SOCKETS);
    long t0 = System.nanoTime();
    try (LogCapture logs = LogCapture.open()) {
      RedisCalls before = RedisCalls.now();
      List<Future<JsonObject>> sent = new ArrayList<>();
      for (int from = 0; from < SOCKETS; from += 1000) {
        JsonArray list = new JsonArray();
        for (int i = from; i < from + 1000; i++) {
          list.add(socket(i, node.nodeId()));
        }
        sent.add(request(Address.DIRECTORY_DISCONNECT, new JsonObject().put("sockets", list)));
      }
      PeerClient.await(Future.all(sent));
      awaitOffline(SOCKETS, 10);
      System.out.printf("mass disconnect, lists of 1,000: %d sockets offline in %d ms%n", SOCKETS,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
      assertQuiet(logs, before, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0) + 1);
    }
  }

  @Test
  @DisplayName("a dead node's 5,000 sockets are cleared within 15 s by a few pipelines, and their users hear it")
  void deadNode() {
    String dead = "dead-" + UUID.randomUUID();
    int count = 5_000;
    connectAll(dead, count);
    RedisCalls before = RedisCalls.now();
    long t0 = System.nanoTime();
    // A node that registered and never beat (or whose heartbeat lapsed): the survivors' next beats find it.
    redis.send(Request.cmd(Command.ZADD).arg(node.config.getString("redis_prefix") + "{nodes}")
        .arg(System.currentTimeMillis()).arg(dead)).await();
    awaitOffline(count, 15);
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    RedisCalls after = RedisCalls.now();
    System.out.printf("dead node: %d sockets cleared in %d ms with %d pipelines%n", count, ms,
        after.since(before, "pipeline"));
    assertEquals(0, after.since(before, RedisCalls.PER_SOCKET), "no request per socket");
    // 17 pipelines read the node's sets in all slots, 5 clear the users; heartbeats add one a second.
    assertTrue(after.since(before, "pipeline") <= 25 + ms / 1000, after.since(before, "pipeline") + " pipelines");
  }
}
