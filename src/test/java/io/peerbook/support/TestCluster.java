package io.peerbook.support;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.UUID;

/**
 * Clustered nodes in one JVM, each with its own Hazelcast on 127.0.0.1 (TCP-IP discovery of the others, a random
 * cluster name), sharing one Redis and one key prefix.
 */
public final class TestCluster {
  private TestCluster() {
  }

  /** Starts {@code n} nodes on the shared Redis; {@code settings} go to every node. */
  public static List<TestNode> start(int n, Map<String, Object> settings) {
    return start(TestRedis.shared().url(), n, settings);
  }

  public static List<TestNode> start(String redisUrl, int n, Map<String, Object> settings) {
    List<Integer> ports = new ArrayList<>();
    StringJoiner members = new StringJoiner(",");
    for (int i = 0; i < n; i++) {
      int port = TestRedis.freePort();
      ports.add(port);
      members.add("127.0.0.1:" + port);
    }
    Map<String, Object> shared = new HashMap<>(settings);
    shared.put("cluster_name", "pb-test-" + UUID.randomUUID());
    shared.put("cluster_host", "127.0.0.1");
    shared.put("cluster_members", members.toString());
    shared.putIfAbsent("redis_prefix", "cluster-" + UUID.randomUUID() + ":");
    List<TestNode> nodes = new ArrayList<>();
    for (int port : ports) {
      Map<String, Object> own = new HashMap<>(shared);
      own.put("cluster_port", port);
      nodes.add(TestNode.startClustered(redisUrl, own));
    }
    return nodes;
  }
}
