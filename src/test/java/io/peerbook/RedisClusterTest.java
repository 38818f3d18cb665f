package io.peerbook;

import io.peerbook.protocol.Address;
import io.peerbook.protocol.DeviceKey;
import io.peerbook.support.Admin;
import io.peerbook.support.DirectoryBus;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.PageClient;
import io.peerbook.support.PeerClient;
import io.peerbook.support.Probes;
import io.peerbook.support.RedisHa;
import io.peerbook.support.RedisServers;
import io.peerbook.support.RelayWatch;
import io.peerbook.support.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * peerbook on a real Redis Cluster of three masters and three replicas: every script keeps to one hash slot, so the
 * approval flow, the admin API, presence and device keys work as on one server, and the failover of the master of
 * the user's slot is survived.
 */
class RedisClusterTest {
  private static final String TOKEN = "cluster-admin";
  private static final String EMAIL = "cleo@example.com";
  private RedisHa.Cluster redis;
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

  private String keyPrefix() {
    return node.config.getString("redis_prefix");
  }

  @Test
  @DisplayName("Redis Cluster: approval on the page, admin API, presence and device keys work; the failover of the user's master gives 503s, never a hang, and keeps what was reported done")
  void clusterAndFailover() throws Exception {
    redis = new RedisHa.Cluster();
    node = TestNode.start(redis.url(), Map.of("redis_type", "cluster", "admin_token", TOKEN));

    // The approval flow.
    String fpA = Fingerprints.random();
    PeerClient a = node.connect(EMAIL, "A", fpA);
    a.expectCode(401);
    PageClient browser = new PageClient(node.port);
    String page = browser.signIn(TestNode.link(node.awaitMail(1)));
    assertEquals(303, browser.act(page, "approve", Map.of("name", "A", "fingerprint", fpA)).statusCode());
    a.expectCode(200);

    // The admin API, and presence between two devices.
    String fpB = Fingerprints.random();
    assertEquals(201, Admin.provision(node.port, TOKEN, EMAIL, "B", fpB, "server"));
    assertEquals(200, Admin.put(node.port, TOKEN, EMAIL, "B", new JsonObject().put("fingerprint", fpB).put("rack", 7)));
    PeerClient b = node.connect(EMAIL, "B", fpB);
    b.expectCode(200);
    JsonObject online = a.next(m -> m.containsKey("peer_update")
        && "online".equals(m.getJsonObject("peer_update").getString("event")));
    assertEquals("B", online.getJsonObject("peer_update").getString("name"));
    assertEquals(2, a.request(new JsonObject().put("command", "get_list")).getJsonArray("list").size());
    String fpGone = Fingerprints.random();
    assertEquals(201, Admin.provision(node.port, TOKEN, EMAIL, "Gone", fpGone, null));
    assertEquals(204, Admin.delete(node.port, TOKEN, EMAIL, "Gone"));
    assertEquals(2, Admin.book(node.port, TOKEN, EMAIL).getJsonArray("approved").size());

    // A device key: the longer connect script, a request and its approval.
    String fpK = Fingerprints.random();
    String key = DirectoryBus.newKey();
    try (DirectoryBus dir = new DirectoryBus(node, EMAIL)) {
      dir.assertCode(401, dir.connect("K", fpK, key));
      dir.request(Address.DIRECTORY_APPROVE, new JsonObject().put("name", "K").put("fingerprint", fpK)
          .put("key_id", DeviceKey.parse(key).keyId()));
      dir.assertCode(200, dir.connect("K", fpK, key));

      // A node that died with a socket: its sets in all 16,384 slots are read, across the three masters.
      String dead = "dead-" + UUID.randomUUID();
      dir.assertCode(200, dir.connect("K", fpK, key, dead));
      redis.masterOf("{nodes}").call("ZADD", keyPrefix() + "{nodes}", "1", dead);
      JsonObject offline = dir.event("offline");
      assertEquals("K", offline.getJsonObject("peer").getString("name"));
      dir.assertCode(200, dir.connect("K", fpK, key));
    }

    // The failover of the master that holds this user's keys, with a change reported done just before it.
    a.send(new JsonObject().put("target", "B").put("offer", "before"));
    assertEquals("before", b.next(m -> m.containsKey("offer")).getString("offer"));
    String fpP = Fingerprints.random();
    assertEquals(201, Admin.provision(node.port, TOKEN, EMAIL, "Probe", fpP, null));
    RelayWatch relay = new RelayWatch(a, b);
    RedisServers.Server master = redis.masterOf("{" + EMAIL + "}");
    long killed = System.nanoTime();
    long[] promoted = {0};
    Thread failover = new Thread(() -> {
      redis.failOver(master);
      promoted[0] = System.nanoTime();
    });
    failover.start();
    Probes probes = new Probes(node.vertx, node.port, EMAIL, "Probe", fpP);
    Probes.Answer back = probes.untilBack(200, killed + TimeUnit.SECONDS.toNanos(40));
    failover.join();
    relay.stop();
    long backMs = TimeUnit.NANOSECONDS.toMillis(back.at() - killed);
    long promotedMs = TimeUnit.NANOSECONDS.toMillis(promoted[0] - killed);
    System.out.printf("redis cluster failover: first 503 %d ms after the kill, promotion seen at %d ms, 200 again at"
            + " %d ms; %d probes, slowest answer %d ms%n", TimeUnit.NANOSECONDS.toMillis(probes.first503().at() - killed),
        promotedMs, backMs, probes.answers.size(), probes.answers.stream().mapToLong(Probes.Answer::millis).max().orElse(0));
    assertTrue(backMs - promotedMs <= 10_000, "back " + (backMs - promotedMs) + " ms after the promotion");
    JsonObject book = Admin.book(node.port, TOKEN, EMAIL);
    assertTrue(book.getJsonArray("approved").stream().map(JsonObject.class::cast)
        .anyMatch(e -> "Probe".equals(e.getString("name"))), book.encode());
    assertEquals(4, book.getJsonArray("approved").size(), book.encode());
  }
}
