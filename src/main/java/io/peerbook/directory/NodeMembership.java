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

import java.util.HashSet;
import java.util.Set;
import java.util.function.Function;

/**
 * Which nodes are alive, and cleaning up after those that died. Alive means a member of the Vert.x cluster (Hazelcast
 * notices a dead member within seconds), or, unclustered, this node itself. Every node is recorded in a Redis set of
 * nodes; a recorded node that is not alive any more is claimed by one survivor, which clears its peers' presence so
 * that their users hear they went offline. So nothing stays online after a crash, whether one node restarts or one
 * of many dies.
 */
final class NodeMembership {
  static final long CHECK_MS = 2_000;
  private static final Logger LOG = LoggerFactory.getLogger(NodeMembership.class);
  private final Vertx vertx;
  private final Redis redis;
  private final Keys keys;
  private final String nodeId;
  private final ClusterView cluster;
  private final Function<String, Future<Void>> reap;
  private long timer = -1;

  /** @param reap clears the presence records of a dead node */
  NodeMembership(Vertx vertx, Redis redis, Keys keys, ClusterView cluster, Function<String, Future<Void>> reap) {
    this.vertx = vertx;
    this.redis = redis;
    this.keys = keys;
    this.nodeId = cluster.nodeId();
    this.cluster = cluster;
    this.reap = reap;
  }

  Future<Void> start() {
    timer = vertx.setPeriodic(CHECK_MS, id -> check());
    // Redis may be down at start: the node still starts, and registers on the next check.
    return register().otherwiseEmpty().compose(v -> {
      check();
      return Future.succeededFuture();
    });
  }

  Future<Void> stop() {
    vertx.cancelTimer(timer);
    // Stopping cleanly, the gateways have cleared their peers first: what is left in the node's set is stale.
    return redis.send(Request.cmd(Command.ZREM).arg(keys.nodes()).arg(nodeId))
        .compose(r -> redis.send(Request.cmd(Command.DEL).arg(keys.nodeRecords(nodeId))))
        .<Void>mapEmpty().otherwiseEmpty();
  }

  boolean isAlive(String node) {
    return cluster.isMember(node);
  }

  private Future<Void> register() {
    return redis.send(Request.cmd(Command.ZADD).arg(keys.nodes()).arg(System.currentTimeMillis()).arg(nodeId)).mapEmpty();
  }

  private void check() {
    if (!cluster.active()) {
      return; // cut off from the cluster: every other node looks dead from here, and must not be reaped
    }
    register()
        .compose(v -> redis.send(Request.cmd(Command.ZRANGE).arg(keys.nodes()).arg(0).arg(-1)))
        .onSuccess(this::reapDead)
        .onFailure(err -> LOG.debug("node check skipped: {}", err.toString()));
  }

  private void reapDead(Response recorded) {
    Set<String> dead = new HashSet<>();
    recorded.forEach(r -> {
      if (!isAlive(r.toString())) {
        dead.add(r.toString());
      }
    });
    for (String node : dead) {
      // ZREM answers 1 to one survivor only: that one clears the node's presence.
      redis.send(Request.cmd(Command.ZREM).arg(keys.nodes()).arg(node)).compose(r -> {
        if (r.toInteger() != 1) {
          return Future.succeededFuture();
        }
        LOG.info("node {} is gone: clearing the presence of its peers", node);
        return reap.apply(node);
      }).onFailure(err -> LOG.warn("presence of dead node {} not cleared: {}", node, err.toString()));
    }
  }
}
