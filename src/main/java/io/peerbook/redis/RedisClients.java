package io.peerbook.redis;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;

/** One way to build the Redis pool, so every verticle that owns one uses the same limits. */
public final class RedisClients {
  private RedisClients() {
  }

  public static Redis create(Vertx vertx, String url) {
    RedisOptions options = new RedisOptions()
        .setConnectionString(url)
        .setMaxPoolSize(8)
        .setMaxPoolWaiting(1024)
        .setMaxWaitingHandlers(4096)
        // A connect during an outage must fail within the 2 s the protocol allows, not hang on a SYN.
        .setNetClientOptions(new NetClientOptions().setConnectTimeout(1000).setTcpNoDelay(true).setTcpKeepAlive(true));
    return new TimedRedis(Redis.createClient(vertx, options));
  }
}
