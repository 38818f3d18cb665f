package io.peerbook.support;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.vertx.core.internal.VertxInternal;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A hard stop of a clustered node's membership, as a crash looks to the others: its Hazelcast is terminated while the
 * node lives on. What this makes the node log is expected, and kept off the console until {@link #close} (after the
 * node is closed): the node's one error that it is no longer in its cluster, which {@link #awaitReported} checks, and
 * Vert.x's "Failed to leave cluster" when the node is closed with its Hazelcast gone.
 */
public final class ClusterCrash implements AutoCloseable {
  /** NodeMembership's logger and message (the class is the directory's own). */
  private static final String MEMBERSHIP = "io.peerbook.directory.NodeMembership";
  private static final String CUT_OFF = "this node is no longer in its cluster";
  private final LogCapture log = LogCapture.taking(ClusterCrash::expected);
  private final TestNode node;

  private ClusterCrash(TestNode node) {
    this.node = node;
    ((HazelcastClusterManager) ((VertxInternal) node.vertx).clusterManager()).getHazelcastInstance()
        .getLifecycleService().terminate();
  }

  public static ClusterCrash of(TestNode node) {
    return new ClusterCrash(node);
  }

  private static boolean expected(ILoggingEvent e) {
    return cutOff(e) || e.getLoggerName().equals("io.vertx.core.impl.VertxImpl")
        && e.getFormattedMessage().equals("Failed to leave cluster");
  }

  private static boolean cutOff(ILoggingEvent e) {
    return e.getLoggerName().equals(MEMBERSHIP) && e.getFormattedMessage().startsWith(CUT_OFF);
  }

  /** Waits until the node has said, once and as an error, that it is no longer in its cluster. */
  public void awaitReported() {
    Await.until(node.vertx, PeerClient.WAIT_SECONDS, () -> !log.matching(ClusterCrash::cutOff).isEmpty(),
        () -> "the node did not report that it left its cluster: " + LogCapture.describe(log.failures()));
    List<ILoggingEvent> said = log.matching(ClusterCrash::cutOff);
    assertEquals(1, said.size(), LogCapture.describe(said));
    assertEquals(Level.ERROR, said.get(0).getLevel());
  }

  @Override
  public void close() {
    log.close();
  }

  /**
   * Closes the nodes in this order, skipping null ones, and only then {@code crash} (null when no node crashed): what
   * closing a crashed node logs is expected too.
   */
  public static void closeAll(ClusterCrash crash, TestNode... nodes) {
    try {
      for (TestNode node : nodes) {
        if (node != null) {
          node.close();
        }
      }
    } finally {
      if (crash != null) {
        crash.close();
      }
    }
  }
}
