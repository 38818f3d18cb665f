package io.peerbook.directory;

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

/**
 * Which nodes are alive. Each node renews a lease in a sorted set (score = expiry); a presence record whose node's
 * lease ran out belongs to a dead node and does not count as online. So nothing stays online after a crash.
 */
final class NodeLiveness {
  static final long LEASE_MS = 15_000;
  static final long RENEW_MS = 5_000;
  private static final Logger LOG = LoggerFactory.getLogger(NodeLiveness.class);
  private final Vertx vertx;
  private final Redis redis;
  private final Keys keys;
  private final String nodeId;
  private volatile Set<String> alive = Set.of();
  private long timer = -1;

  NodeLiveness(Vertx vertx, Redis redis, Keys keys, String nodeId) {
    this.vertx = vertx;
    this.redis = redis;
    this.keys = keys;
    this.nodeId = nodeId;
  }

  Future<Void> start() {
    timer = vertx.setPeriodic(RENEW_MS / 2, id -> renew().onFailure(e -> LOG.debug("node lease not renewed: {}", e.toString())));
    // A first renewal failure (Redis down at start) must not stop the node: it retries on the timer.
    return renew().otherwiseEmpty().mapEmpty();
  }

  Future<Void> stop() {
    vertx.cancelTimer(timer);
    return redis.send(Request.cmd(Command.ZREM).arg(keys.nodes()).arg(nodeId)).<Void>mapEmpty().otherwiseEmpty();
  }

  boolean isAlive(String node) {
    return nodeId.equals(node) || alive.contains(node);
  }

  private Future<Void> renew() {
    long now = System.currentTimeMillis();
    return redis.send(Request.cmd(Command.ZADD).arg(keys.nodes()).arg(now + LEASE_MS).arg(nodeId))
        .compose(r -> redis.send(Request.cmd(Command.ZREMRANGEBYSCORE).arg(keys.nodes()).arg("-inf").arg(now - 3_600_000)))
        .compose(r -> redis.send(Request.cmd(Command.ZRANGEBYSCORE).arg(keys.nodes()).arg(now).arg("+inf")))
        .map(this::update);
  }

  private Void update(Response members) {
    Set<String> next = new HashSet<>();
    members.forEach(m -> next.add(m.toString()));
    alive = Set.copyOf(next);
    return null;
  }
}
