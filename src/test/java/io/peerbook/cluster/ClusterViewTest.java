package io.peerbook.cluster;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.peerbook.config.PeerbookConfig;
import io.peerbook.support.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a node's view of its cluster says once its Hazelcast instance is gone. */
class ClusterViewTest {
  private Vertx vertx;

  @AfterEach
  void stop() {
    if (vertx != null) {
      // Leaving a cluster whose Hazelcast instance is already gone fails, and Vert.x logs that with a stack trace:
      // expected here, so it is kept out of the build's output.
      Logger leave = (Logger) LoggerFactory.getLogger("io.vertx.core.impl.VertxImpl");
      leave.setLevel(Level.OFF);
      try {
        vertx.close().await();
      } finally {
        leave.setLevel(null);
      }
    }
  }

  @Test
  @DisplayName("once the node's Hazelcast instance has terminated, as after a crash of the member, the view says it is no longer joined and knows no other member")
  void terminatedInstanceIsNotActive() throws Exception {
    int port = TestRedis.freePort();
    PeerbookConfig cfg = PeerbookConfig.from(PeerbookConfig.defaults().put("clustered", true)
        .put("cluster_name", "pb-view-" + UUID.randomUUID()).put("cluster_host", "127.0.0.1")
        .put("cluster_port", port).put("cluster_members", "127.0.0.1:" + port));
    Clustering.Joined joined = Clustering.start(cfg).await(60, TimeUnit.SECONDS);
    vertx = joined.vertx();
    ClusterView view = joined.view();
    assertTrue(view.active(), "joined");

    // The test reaches the manager through Vert.x internals (src/main/java never does) to stop Hazelcast hard.
    HazelcastClusterManager manager = (HazelcastClusterManager) ((VertxInternal) vertx).clusterManager();
    manager.getHazelcastInstance().getLifecycleService().terminate();

    assertFalse(view.active(), "still active after its Hazelcast instance terminated");
    assertFalse(view.isMember(UUID.randomUUID().toString()), "another node is still taken for a member");
    assertTrue(view.isMember(view.nodeId()), "this node is always itself");
  }
}
