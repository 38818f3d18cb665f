package io.peerbook.redis;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Redis that a one-machine start runs when no {@code PEERBOOK_REDIS_URL} is set: the {@code redis-server} binary
 * shipped inside embedded-redis, on a free loopback port, keeping an append-only file under the data folder.
 */
public final class EmbeddedRedis implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedRedis.class);
  private final RedisServer server;
  private final int port;

  private EmbeddedRedis(RedisServer server, int port) {
    this.server = server;
    this.port = port;
  }

  public static EmbeddedRedis start(Path dataDir) throws IOException {
    Files.createDirectories(dataDir);
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    RedisServer server = RedisServer.newRedisServer()
        .port(port)
        .bind("127.0.0.1")
        .setting("dir " + dataDir.toAbsolutePath())
        .setting("appendonly yes")
        .setting("save \"\"")
        // Stopped by Main's shutdown hook, after the node has cleared its peers' presence: a hook of its own would stop
        // Redis at the same time, and the clearing would fail.
        .onShutdownForceStop(false)
        .build();
    server.start();
    LOG.info("embedded Redis started on 127.0.0.1:{} with its data in {}", port, dataDir.toAbsolutePath());
    return new EmbeddedRedis(server, port);
  }

  public String url() {
    return "redis://127.0.0.1:" + port + "/0";
  }

  @Override
  public void close() throws IOException {
    server.stop();
  }
}
