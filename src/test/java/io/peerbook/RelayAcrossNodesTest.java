package io.peerbook;

import io.peerbook.support.TestCluster;
import io.peerbook.support.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.util.List;
import java.util.Map;

/**
 * {@link RelayTest}'s cases with Alpha on one node of a cluster and its targets on the other: each message goes onto
 * the link between the two nodes, along a route the sender's node learned from the book events or from the directory,
 * and the other node's relay writes it into the target's socket. The two nodes serve every case (each has a user of
 * its own), with the rate limit off.
 */
class RelayAcrossNodesTest extends RelayTest {
  private static TestNode one;
  private static TestNode two;

  @BeforeAll
  static void startCluster() {
    List<TestNode> nodes = TestCluster.start(2, Map.of("admin_token", SocketKit.ADMIN_TOKEN, "msg_rate", 0));
    one = nodes.get(0);
    two = nodes.get(1);
  }

  @AfterAll
  static void stopCluster() {
    if (two != null) {
      two.close();
    }
    if (one != null) {
      one.close();
    }
  }

  @Override
  TestNode startNode(Map<String, Object> settings) {
    return one;
  }

  @Override
  TestNode targetNode() {
    return two;
  }

  @Override
  void stopNodes() {
    one.closeClients();
    two.closeClients();
  }
}
