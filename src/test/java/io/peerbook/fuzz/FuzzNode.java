package io.peerbook.fuzz;

import io.peerbook.Peerbook;
import io.peerbook.config.PeerbookConfig;
import io.peerbook.support.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A node for fuzzing: like TestNode's, but on a Vert.x whose metrics count handlers and sockets, and without SMTP (a
 * mail server in this JVM would keep every mail in memory and spoil the memory check; links go to the log instead).
 */
final class FuzzNode implements AutoCloseable {
  static final String TOKEN = "fuzz-token";
  final Vertx vertx;
  final CountingMetrics metrics;
  final int port;
  private final Peerbook peerbook;

  private FuzzNode(Vertx vertx, CountingMetrics metrics, int port, Peerbook peerbook) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.port = port;
    this.peerbook = peerbook;
  }

  static FuzzNode start() throws Exception {
    int port = TestRedis.freePort();
    JsonObject config = PeerbookConfig.defaults()
        .put("http_host", "127.0.0.1").put("http_port", port).put("public_url", "http://127.0.0.1:" + port)
        .put("redis_url", TestRedis.shared().url()).put("redis_prefix", "fuzz-" + UUID.randomUUID() + ":")
        .put("node_id", UUID.randomUUID().toString()).put("admin_token", TOKEN)
        // On, so every message passes the bucket, but high enough that the fuzz reaches the handlers.
        .put("msg_rate", 1_000_000).put("msg_burst", 1_000_000)
        // The fuzz's X-Forwarded-For headers are believed: their parsing is fuzzed too.
        .put("trusted_proxies", "127.0.0.1");
    CountingMetrics metrics = new CountingMetrics();
    Vertx vertx = Vertx.builder().withMetrics(metrics).build();
    Peerbook peerbook = Peerbook.deploy(vertx, config).await(60, TimeUnit.SECONDS);
    return new FuzzNode(vertx, metrics, port, peerbook);
  }

  @Override
  public void close() throws Exception {
    try {
      peerbook.stop().await(10, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
