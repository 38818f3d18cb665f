package io.peerbook.directory;

import io.peerbook.cluster.ClusterView;
import io.peerbook.config.PeerbookConfig;
import io.peerbook.protocol.OnceInAWhile;
import io.peerbook.redis.Keys;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Which nodes are alive, and cleaning up after those that died. Every node renews a heartbeat key in Redis each
 * second (TTL {@link #TTL_MS}) and is listed in a registry of nodes. A node is alive while it is a member of this
 * node's Hazelcast cluster or its heartbeat lives. It is dead once its heartbeat has lapsed, or sooner, once this
 * node's cluster no longer lists it and its heartbeat has not been renewed for {@link #STALE_MS}: a node cut off by
 * a split of the cluster keeps beating, so the halves never clear each other's peers. One survivor claims a dead
 * node and clears its records, so that its peers' users hear they went offline.
 */
final class NodeMembership {
  static final long BEAT_MS = 1_000;
  static final long TTL_MS = 10_000;
  static final long STALE_MS = 3_000;
  /** How long a survivor may take to clear a dead node before another may try. */
  static final long REAP_CLAIM_MS = 30_000;
  private static final Logger LOG = LoggerFactory.getLogger(NodeMembership.class);
  private final Vertx vertx;
  private final Redis redis;
  private final Keys keys;
  private final String nodeId;
  private final ClusterView cluster;
  private final PeerbookConfig cfg;
  private final Function<String, Future<Reaper.Reaped>> reap;
  private final Set<String> reaping = ConcurrentHashMap.newKeySet();
  private Heartbeat self;
  /** The other nodes of the registry as of the last beat. */
  private List<String> known = List.of();
  /** Nodes outside this cluster whose heartbeat lived at the last beat. */
  private volatile Set<String> liveOthers = Set.of();
  private long timer = -1;
  private boolean beating;
  private boolean cutOff;

  /** @param reap clears the records of a dead node */
  NodeMembership(Vertx vertx, Redis redis, Keys keys, ClusterView cluster, PeerbookConfig cfg,
                 Function<String, Future<Reaper.Reaped>> reap) {
    this.vertx = vertx;
    this.redis = redis;
    this.keys = keys;
    this.nodeId = cluster.nodeId();
    this.cluster = cluster;
    this.cfg = cfg;
    this.reap = reap;
    this.self = new Heartbeat(nodeId, cfg.clustered() ? cfg.clusterName() : null, SharingCheck.hostName(),
        cfg.httpPort(), ProcessHandle.current().pid(), 0);
  }

  /** Refuses to start next to a live node of another cluster ({@link NodeConflictException}), then beats. */
  Future<Void> start() {
    return new SharingCheck(vertx, redis, keys, cluster).run().compose(v -> {
      timer = vertx.setPeriodic(BEAT_MS, id -> beat());
      beat();
      return Future.succeededFuture();
    });
  }

  /**
   * Stopping cleanly, the gateways have cleared their peers first. The heartbeat goes at once, so that a survivor
   * (or this node, restarted) clears whatever a failed disconnect left behind.
   */
  Future<Void> stop() {
    vertx.cancelTimer(timer);
    return redis.send(Request.cmd(Command.DEL).arg(keys.heartbeat(nodeId))).<Void>mapEmpty().otherwiseEmpty();
  }

  boolean isAlive(String node) {
    return node != null && (nodeId.equals(node) || liveOthers.contains(node) || joined() && cluster.isMember(node));
  }

  /** Whether this node is in its cluster (always, unclustered): a terminated Hazelcast instance throws when asked. */
  private boolean joined() {
    try {
      return cluster.active() && cluster.members() != null;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private void beat() {
    if (!joined()) {
      // Without its cluster the node cannot reach the others' sockets: it lets its heartbeat lapse.
      if (!cutOff) {
        LOG.error("this node is no longer in its cluster: its heartbeat stops, and the other nodes will clear its peers");
        cutOff = true;
      }
      return;
    }
    if (beating) {
      return; // the previous beat is still waiting for Redis
    }
    beating = true;
    List<String> others = known;
    self = self.next();
    List<Request> batch = new ArrayList<>();
    batch.add(Request.cmd(Command.SET).arg(keys.heartbeat(nodeId)).arg(self.encode()).arg("PX").arg(TTL_MS));
    batch.add(Request.cmd(Command.ZADD).arg(keys.nodes()).arg(System.currentTimeMillis()).arg(nodeId));
    batch.add(Request.cmd(Command.HSET).arg(keys.nodeInfo()).arg(nodeId).arg(self.encode()));
    batch.add(Request.cmd(Command.ZRANGE).arg(keys.nodes()).arg(0).arg(-1));
    for (String node : others) {
      batch.add(Request.cmd(Command.PTTL).arg(keys.heartbeat(node)));
      batch.add(Request.cmd(Command.GET).arg(keys.heartbeat(node)));
    }
    redis.batch(batch).onComplete(ar -> {
      beating = false;
      if (ar.failed()) {
        LOG.debug("heartbeat skipped: {}", ar.cause().toString());
        return;
      }
      judge(others, ar.result());
    });
  }

  private void judge(List<String> others, List<Response> rs) {
    if (!joined()) {
      return;
    }
    Set<String> live = new HashSet<>();
    for (int i = 0; i < others.size(); i++) {
      String node = others.get(i);
      long pttl = rs.get(4 + 2 * i).toLong();
      Response value = rs.get(5 + 2 * i);
      if (cluster.isMember(node)) {
        continue;
      }
      if (pttl < 0 || value == null) {
        claim(node, "its heartbeat lapsed");
      } else if (staleMember(Heartbeat.parse(value.toString()), pttl)) {
        claim(node, "it left the cluster and stopped beating");
      } else {
        live.add(node);
      }
    }
    liveOthers = live;
    List<String> registered = new ArrayList<>();
    rs.get(3).forEach(r -> {
      if (!nodeId.equals(r.toString())) {
        registered.add(r.toString());
      }
    });
    known = registered;
  }

  /** A node that says it is of this cluster, which no longer lists it, and whose heartbeat is not being renewed. */
  private boolean staleMember(Heartbeat beat, long pttl) {
    return cfg.clustered() && cfg.clusterName().equals(beat.cluster()) && TTL_MS - pttl > STALE_MS;
  }

  /**
   * Says once what was cleaned up after: a node that stopped cleanly had cleared its sockets itself, so only one that
   * did not (a crash, a kill, a lost machine; often this node's own earlier run) is worth a line.
   */
  private void cleared(String node, Response info, Reaper.Reaped reaped) {
    if (reaped.sockets() == 0) {
      LOG.debug("node {} had left nothing to clear", node);
      return;
    }
    String who = info == null ? "node " + node : Heartbeat.parse(info.toString()).describeFrom(self);
    LOG.info("{} stopped without clearing its sockets, as after a crash or a kill: cleared {} {}, and {} {} offline",
        who, reaped.sockets(), reaped.sockets() == 1 ? "socket" : "sockets", reaped.offline(),
        reaped.offline() == 1 ? "peer went" : "peers went");
  }

  private void claim(String node, String why) {
    if (!reaping.add(node)) {
      return;
    }
    // One survivor wins the claim; a survivor that dies while clearing lets it lapse for another to finish.
    redis.send(Request.cmd(Command.SET).arg(keys.reaping(node)).arg(nodeId).arg("NX").arg("PX").arg(REAP_CLAIM_MS))
        .compose(won -> {
          if (won == null) {
            return Future.succeededFuture();
          }
          LOG.debug("node {} is gone ({}): clearing what it left", node, why);
          return redis.send(Request.cmd(Command.HGET).arg(keys.nodeInfo()).arg(node))
              .compose(info -> reap.apply(node).map(reaped -> {
                cleared(node, info, reaped);
                return reaped;
              }))
              .compose(reaped -> redis.batch(List.of(
                  Request.cmd(Command.ZREM).arg(keys.nodes()).arg(node),
                  Request.cmd(Command.HDEL).arg(keys.nodeInfo()).arg(node),
                  Request.cmd(Command.DEL).arg(keys.reaping(node)))));
        })
        .onFailure(err -> LOG.warn("presence of dead node {} not cleared yet: {}", node, OnceInAWhile.firstLine(err)))
        .onComplete(ar -> reaping.remove(node));
  }
}
