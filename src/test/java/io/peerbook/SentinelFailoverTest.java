package io.peerbook;

import io.peerbook.protocol.Address;
import io.peerbook.support.Admin;
import io.peerbook.support.DirectoryBus;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.PageClient;
import io.peerbook.support.PeerClient;
import io.peerbook.support.Probes;
import io.peerbook.support.RedisHa.Sentinels;
import io.peerbook.support.RedisServers;
import io.peerbook.support.RelayWatch;
import io.peerbook.support.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * peerbook on a Sentinel-watched master set (one master, one replica, three sentinels, real processes), the master
 * killed with SIGKILL: what peers and the person on the page see during the failover, and what survives it.
 */
class SentinelFailoverTest {
  private static final String TOKEN = "sentinel-admin";
  private static final String EMAIL = "sam@example.com";
  private static final String PROBER = "probe@example.com";
  private Sentinels redis;
  private TestNode node;

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  private static Map<String, Object> sentinelConfig() {
    Map<String, Object> c = new HashMap<>();
    c.put("redis_type", "sentinel");
    c.put("redis_master", Sentinels.MASTER);
    c.put("admin_token", TOKEN);
    return c;
  }

  /** What a change costs: median and slowest of 100 admin PUTs in a row, in ms. */
  private static String changeMillis(TestNode on) {
    long[] ms = new long[100];
    try (DirectoryBus dir = new DirectoryBus(on, "cost@example.com")) {
      for (int i = 0; i < ms.length; i++) {
        long t0 = System.nanoTime();
        dir.request(Address.DIRECTORY_PUT_PEER, new JsonObject().put("name", "Cost" + i)
            .put("fingerprint", Fingerprints.random()).put("properties", new JsonObject()));
        ms[i] = System.nanoTime() - t0;
      }
    }
    Arrays.sort(ms);
    return String.format("median %.2f ms, slowest %.2f ms", ms[50] / 1e6, ms[99] / 1e6);
  }

  private String changeMillisWithoutWait() {
    Map<String, Object> c = sentinelConfig();
    c.put("redis_wait_replicas", 0);
    TestNode other = TestNode.start(redis.url(), c);
    try {
      return changeMillis(other);
    } finally {
      other.close();
    }
  }

  @Test
  @DisplayName("SIGKILL of the master: connects get 503 within 2 s, never a hang, and 200 again within 10 s of the promotion; changes reported done just before survive; relay never stops; with no replica left, changes are refused until one is back")
  void masterKilled() throws Exception {
    redis = new Sentinels();
    node = TestNode.start(redis.url(), sentinelConfig());
    String fpA = Fingerprints.random();
    String fpB = Fingerprints.random();
    String probeFp = Fingerprints.random();
    assertEquals(201, Admin.provision(node.port, TOKEN, EMAIL, "A", fpA, null));
    assertEquals(201, Admin.provision(node.port, TOKEN, EMAIL, "B", fpB, null));
    assertEquals(201, Admin.provision(node.port, TOKEN, PROBER, "Probe", probeFp, null));
    PeerClient a = node.connect(EMAIL, "A", fpA);
    a.expectCode(200);
    PeerClient b = node.connect(EMAIL, "B", fpB);
    b.expectCode(200);
    a.nextUpdate();
    a.send(new JsonObject().put("target", "B").put("offer", "before"));
    assertEquals("before", b.next().getString("offer"));

    System.out.println("sentinel, a change confirmed by a replica (WAIT 1): " + changeMillis(node)
        + "; not waiting for it: " + changeMillisWithoutWait());

    // A device approved on the page and one provisioned by the admin API, both reported done, then the crash.
    String fpC = Fingerprints.random();
    PeerClient c = node.connect(EMAIL, "C", fpC);
    c.expectCode(401);
    PageClient browser = new PageClient(node.port);
    String page = browser.signIn(TestNode.link(node.awaitMail(1)));
    RelayWatch relay = new RelayWatch(a, b);
    assertEquals(303, browser.act(page, "approve", Map.of("name", "C", "fingerprint", fpC)).statusCode());
    String fpD = Fingerprints.random();
    assertEquals(201, Admin.provision(node.port, TOKEN, EMAIL, "D", fpD, null));
    int oldMaster = redis.master.port;
    long killed = System.nanoTime();
    redis.master.kill();

    Probes probes = new Probes(node.vertx, node.port, PROBER, "Probe", probeFp);
    long[] promoted = {0};
    Thread watcher = new Thread(() -> {
      RedisServers.until(30, () -> redis.masterPort() != oldMaster, "no promotion");
      promoted[0] = System.nanoTime();
    });
    watcher.start();
    Probes.Answer back = probes.untilBack(200, killed + TimeUnit.SECONDS.toNanos(40));
    watcher.join();
    int relayed = relay.stop();

    long promotedMs = TimeUnit.NANOSECONDS.toMillis(promoted[0] - killed);
    long backMs = TimeUnit.NANOSECONDS.toMillis(back.at() - killed);
    long firstDownMs = TimeUnit.NANOSECONDS.toMillis(probes.first503().at() - killed);
    System.out.printf("sentinel failover: first 503 %d ms after the kill, promotion at %d ms, 200 again at %d ms"
        + " (%d ms after the promotion); %d probes, slowest answer %d ms; %d offers relayed meanwhile%n", firstDownMs,
        promotedMs, backMs, backMs - promotedMs, probes.answers.size(),
        probes.answers.stream().mapToLong(Probes.Answer::millis).max().orElse(0), relayed);
    assertTrue(backMs - promotedMs <= 10_000, "back " + (backMs - promotedMs) + " ms after the promotion");

    // What was reported done is there, on the promoted replica.
    JsonObject book = Admin.book(node.port, TOKEN, EMAIL);
    assertTrue(book.getJsonArray("approved").stream().map(JsonObject.class::cast)
        .anyMatch(e -> "C".equals(e.getString("name")) && fpC.equals(e.getString("fingerprint"))), book.encode());
    assertTrue(book.getJsonArray("approved").stream().map(JsonObject.class::cast)
        .anyMatch(e -> "D".equals(e.getString("name")) && fpD.equals(e.getString("fingerprint"))), book.encode());
    node.connect(EMAIL, "C", fpC).expectCode(200);

    // The promoted replica has no replica of its own: a change cannot be confirmed, so it is refused, not reported
    // done; the old master, back, becomes its replica and changes go through again.
    try (DirectoryBus dir = new DirectoryBus(node, EMAIL)) {
      JsonObject put = new JsonObject().put("name", "E").put("fingerprint", Fingerprints.random())
          .put("properties", new JsonObject());
      assertEquals(503, dir.code(Address.DIRECTORY_PUT_PEER, put));
      redis.master.start();
      RedisServers.until(30, () -> Arrays.asList(redis.master.call("INFO", "replication").split("\r?\n"))
          .contains("master_link_status:up"), "the old master did not rejoin as a replica");
      assertEquals(200, dir.code(Address.DIRECTORY_PUT_PEER, put));
    }
  }
}
