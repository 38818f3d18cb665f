package io.peerbook.directory;

import io.vertx.core.json.JsonObject;

import java.util.Objects;

/**
 * What a node keeps renewing in Redis while it lives: enough to name it to an operator, and a beat count that tells
 * a node that still beats from the stale heartbeat of one that crashed a moment ago.
 *
 * @param cluster its Hazelcast cluster's name, or null for an unclustered node
 */
record Heartbeat(String node, String cluster, String host, int httpPort, long pid, long beat) {

  static Heartbeat parse(String json) {
    JsonObject j = new JsonObject(json);
    return new Heartbeat(j.getString("node"), j.getString("cluster"), j.getString("host"),
        j.getInteger("http_port", 0), j.getLong("pid", 0L), j.getLong("beat", 0L));
  }

  String encode() {
    return new JsonObject().put("node", node).put("cluster", cluster).put("host", host).put("http_port", httpPort)
        .put("pid", pid).put("beat", beat).encode();
  }

  Heartbeat next() {
    return new Heartbeat(node, cluster, host, httpPort, pid, beat + 1);
  }

  /** For the line that says whose records a node clears: this node's own earlier run, or which process it was. */
  String describeFrom(Heartbeat self) {
    if (Objects.equals(host, self.host) && httpPort == self.httpPort && Objects.equals(cluster, self.cluster)) {
      return "node " + node + " (an earlier run of this node, pid " + pid + ")";
    }
    return describe();
  }

  /** For an operator: which process this is. */
  String describe() {
    return "node " + node + " (" + (cluster == null ? "unclustered" : "cluster '" + cluster + "'") + ", host " + host
        + ", HTTP port " + httpPort + ", pid " + pid + ")";
  }
}
