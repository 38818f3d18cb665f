package io.peerbook.directory;

import io.peerbook.cluster.ClusterView;
import io.peerbook.redis.Keys;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * At start, before this node writes anything: is a node outside its cluster live on the same Redis and prefix?
 * Such a node and this one would each take the other's peers for a dead node's. A heartbeat found there may also be
 * this node's own from before a crash (a restarted node has a new id): so a found heartbeat counts only if it is
 * still being renewed, which {@link #WATCH_MS} (more than two beats) tells.
 */
final class SharingCheck {
  static final long WATCH_MS = 2_500;
  private static final Logger LOG = LoggerFactory.getLogger(SharingCheck.class);
  private final Vertx vertx;
  private final Redis redis;
  private final Keys keys;
  private final ClusterView cluster;

  SharingCheck(Vertx vertx, Redis redis, Keys keys, ClusterView cluster) {
    this.vertx = vertx;
    this.redis = redis;
    this.keys = keys;
    this.cluster = cluster;
  }

  /** Fails with {@link NodeConflictException}; a Redis that cannot be asked lets the node start (and says so). */
  Future<Void> run() {
    return outsiders().compose(before -> {
      if (before.isEmpty()) {
        return Future.succeededFuture();
      }
      return vertx.timer(WATCH_MS).compose(t -> outsiders()).compose(after -> {
        for (Map.Entry<String, Heartbeat> e : after.entrySet()) {
          Heartbeat earlier = before.get(e.getKey());
          if (earlier != null && earlier.beat() != e.getValue().beat()) {
            return Future.<Void>failedFuture(new NodeConflictException(message(e.getValue())));
          }
        }
        // Said at DEBUG only: once they lapse, clearing their records says whose they were (NodeMembership).
        LOG.debug("stale heartbeats of {}: their records are cleared once they lapse", before.keySet());
        return Future.succeededFuture();
      });
    }).recover(err -> {
      if (err instanceof NodeConflictException) {
        return Future.failedFuture(err);
      }
      LOG.warn("could not check for other nodes on this Redis and prefix: {}", err.toString());
      return Future.succeededFuture();
    });
  }

  /** The heartbeats of the registered nodes that are not of this cluster. */
  private Future<Map<String, Heartbeat>> outsiders() {
    return redis.send(Request.cmd(Command.ZRANGE).arg(keys.nodes()).arg(0).arg(-1)).compose(registered -> {
      List<String> others = new ArrayList<>();
      registered.forEach(r -> {
        if (!cluster.isMember(r.toString())) {
          others.add(r.toString());
        }
      });
      if (others.isEmpty()) {
        return Future.succeededFuture(Map.of());
      }
      List<Request> reads = others.stream().map(n -> Request.cmd(Command.GET).arg(keys.heartbeat(n))).toList();
      return redis.batch(reads).map(rs -> {
        Map<String, Heartbeat> found = new LinkedHashMap<>();
        for (int i = 0; i < others.size(); i++) {
          Response r = rs.get(i);
          if (r != null) {
            found.put(others.get(i), Heartbeat.parse(r.toString()));
          }
        }
        return found;
      });
    });
  }

  private String message(Heartbeat other) {
    return "another peerbook node is live on the same Redis with the same redis_prefix '" + keys.prefix()
        + "' but is not in this node's cluster: " + other.describe() + ". Nodes that share a Redis and prefix must"
        + " form one cluster (clustered=true, with the same cluster_name and cluster_members), or each deployment"
        + " needs its own redis_prefix";
  }

  static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "unknown";
    }
  }
}
