package io.peerbook;

import io.peerbook.cluster.ClusterView;
import io.peerbook.support.Admin;
import io.peerbook.support.ClusterCrash;
import io.peerbook.support.Fingerprints;
import io.peerbook.support.PeerClient;
import io.peerbook.support.TestNode;
import io.peerbook.support.TestRedis;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A split of the Hazelcast cluster where both halves still reach Redis: neither half clears the other's presence,
 * because the other half keeps renewing its heartbeat. A real partition cannot be made on loopback without root, so
 * node one sees its cluster through a view that hides node two from it while node two lives on (the only stand-in
 * in this test: Hazelcast, Redis, sockets and both nodes are real).
 */
class ClusterSplitTest {
  private static final String EMAIL = "sven@example.com";
  private static final String TOKEN = "split-admin";
  /** More than {@code NodeMembership.STALE_MS} and a few beats: long enough for node one to act, if it would. */
  private static final long SPLIT_MS = 6_000;
  private TestNode one;
  private TestNode two;
  private ClusterCrash crash;

  /** Node one's view of its cluster, minus the nodes the test hides. */
  private static final class SplitView implements ClusterView {
    private final ClusterView real;
    private final Set<String> hidden = ConcurrentHashMap.newKeySet();

    SplitView(ClusterView real) {
      this.real = real;
    }

    @Override
    public String nodeId() {
      return real.nodeId();
    }

    @Override
    public boolean active() {
      return real.active();
    }

    @Override
    public List<String> members() {
      return real.members().stream().filter(n -> !hidden.contains(n)).toList();
    }

    @Override
    public void onLeave(Consumer<String> left) {
      real.onLeave(left);
    }
  }

  @AfterEach
  void stop() {
    ClusterCrash.closeAll(crash, two, one);
  }

  @Test
  @DisplayName("node one's cluster drops node two while node two keeps beating: node two's peers stay online for node one; once node two stops beating, they go offline")
  void splitLeavesTheOtherHalfAlone() {
    int p1 = TestRedis.freePort();
    int p2 = TestRedis.freePort();
    Map<String, Object> shared = new HashMap<>();
    shared.put("cluster_name", "pb-split-" + UUID.randomUUID());
    shared.put("cluster_host", "127.0.0.1");
    shared.put("cluster_members", "127.0.0.1:" + p1 + ",127.0.0.1:" + p2);
    shared.put("redis_prefix", "split-" + UUID.randomUUID() + ":");
    shared.put("admin_token", TOKEN);
    Map<String, Object> first = new HashMap<>(shared);
    first.put("cluster_port", p1);
    Map<String, Object> second = new HashMap<>(shared);
    second.put("cluster_port", p2);
    SplitView[] view = new SplitView[1];
    one = TestNode.startClustered(first, real -> view[0] = new SplitView(real));
    two = TestNode.startClustered(second);
    String laptopFp = Fingerprints.random();
    String phoneFp = Fingerprints.random();
    assertEquals(201, Admin.provision(one.port, TOKEN, EMAIL, "laptop", laptopFp, null));
    assertEquals(201, Admin.provision(one.port, TOKEN, EMAIL, "phone", phoneFp, null));
    PeerClient laptop = one.connect(EMAIL, "laptop", laptopFp);
    laptop.expectCode(200);
    PeerClient phone = two.connect(EMAIL, "phone", phoneFp);
    phone.expectCode(200);
    assertEquals("online", laptop.nextUpdate().getString("event"));

    view[0].hidden.add(two.nodeId());
    PeerClient.await(one.vertx.timer(SPLIT_MS));
    laptop.expectNothingBeforePong();
    assertTrue(phoneOnline(laptop), "node two's peer is still listed online by node one");

    // The control: node two loses its cluster manager and stops beating; now node one clears its peers.
    crash = ClusterCrash.of(two);
    JsonObject offline = laptop.next(m -> m.containsKey("peer_update"));
    assertEquals("offline", offline.getJsonObject("peer_update").getString("event"));
    assertEquals("phone", offline.getJsonObject("peer_update").getString("name"));
    crash.awaitReported();
  }

  private static boolean phoneOnline(PeerClient asker) {
    JsonObject list = asker.request(new JsonObject().put("command", "get_list")
        .put("filter", new JsonObject().put("name", "phone")));
    return list.getJsonArray("list").getJsonObject(0).getBoolean("online");
  }
}
