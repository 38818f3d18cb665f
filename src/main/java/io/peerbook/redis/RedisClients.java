package io.peerbook.redis;

import io.peerbook.config.PeerbookConfig;
import io.peerbook.config.RedisSettings;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisReplicas;
import io.vertx.redis.client.RedisRole;

/**
 * One way to build the Redis pool, so every verticle that owns one uses the same limits: one server, the master of a
 * Sentinel-watched set, or a Redis Cluster, through vertx-redis-client's own client types.
 */
public final class RedisClients {
  /**
   * How long a client trusts what it learnt of the master (Sentinel) or of the slots (Cluster): after a promotion,
   * commands reach the new master within this.
   */
  static final long TOPOLOGY_TTL_MS = 1000;

  private RedisClients() {
  }

  public static Redis create(Vertx vertx, PeerbookConfig cfg) {
    RedisSettings settings = cfg.redis();
    RedisOptions options = new RedisOptions()
        .setMaxPoolSize(8)
        .setMaxPoolWaiting(1024)
        .setMaxWaitingHandlers(4096)
        // A connect during an outage must fail within the 2 s the protocol allows, not hang on a SYN.
        .setNetClientOptions(new NetClientOptions().setConnectTimeout(1000).setTcpNoDelay(true).setTcpKeepAlive(true));
    if (settings.endpoints().isEmpty()) {
      options.setConnectionString(cfg.redisUrl());
    } else {
      options.setEndpoints(settings.endpoints());
    }
    switch (settings.type()) {
      case STANDALONE -> options.setType(RedisClientType.STANDALONE);
      // Every command goes to the master: a replica could answer a read with what the master has already changed
      // (a page showing a request it approved a moment ago), and a write has nowhere else to go.
      case SENTINEL -> options.setType(RedisClientType.SENTINEL).setRole(RedisRole.MASTER)
          .setMasterName(settings.master()).setTopologyCacheTTL(TOPOLOGY_TTL_MS);
      case CLUSTER -> options.setType(RedisClientType.CLUSTER).setUseReplicas(RedisReplicas.NEVER)
          .setHashSlotCacheTTL(TOPOLOGY_TTL_MS);
    }
    return new TimedRedis(Redis.createClient(vertx, options));
  }
}
