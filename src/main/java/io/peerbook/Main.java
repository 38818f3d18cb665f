package io.peerbook;

import io.peerbook.cluster.ClusterView;
import io.peerbook.cluster.Clustering;
import io.peerbook.config.ConfigException;
import io.peerbook.config.ConfigLoader;
import io.peerbook.config.PeerbookConfig;
import io.peerbook.directory.NodeConflictException;
import io.peerbook.metrics.Meters;
import io.peerbook.redis.EmbeddedRedis;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.BindException;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** {@code java -jar peerbook.jar}: reads the configuration, starts Redis if none is configured, deploys, and stops cleanly. */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {
  }

  /** The port is taken: what the HTTP server's listen failed with, wrapped or not. */
  private static BindException bindFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException b) {
        return b;
      }
    }
    return null;
  }

  public static void main(String[] args) throws Exception {
    JsonObject merged;
    PeerbookConfig cfg;
    try {
      merged = ConfigLoader.load(System.getenv());
      cfg = PeerbookConfig.from(merged);
    } catch (ConfigException e) {
      System.err.println("peerbook: configuration error: " + e.getMessage());
      System.exit(2);
      return;
    }
    EmbeddedRedis embedded = null;
    if (cfg.redisUrl() == null) {
      embedded = EmbeddedRedis.start(Path.of(cfg.dataDir()));
      merged.put("redis_url", embedded.url());
    }
    Vertx vertx;
    ClusterView cluster;
    try {
      if (cfg.clustered()) {
        Clustering.Joined joined = Clustering.start(cfg).await(60, TimeUnit.SECONDS);
        vertx = joined.vertx();
        cluster = joined.view();
      } else {
        vertx = Vertx.vertx(Meters.vertxOptions());
        cluster = ClusterView.standalone(UUID.randomUUID().toString());
      }
    } catch (ConfigException e) {
      System.err.println("peerbook: configuration error: " + e.getMessage());
      if (embedded != null) {
        embedded.close();
      }
      System.exit(2);
      return;
    }
    Peerbook peerbook;
    try {
      peerbook = Peerbook.deploy(vertx, merged, cluster).await(60, TimeUnit.SECONDS);
    } catch (NodeConflictException e) {
      // Another live node shares this Redis and prefix outside this node's cluster: the message says what to change.
      System.err.println("peerbook: " + e.getMessage());
      vertx.close();
      if (embedded != null) {
        embedded.close();
      }
      System.exit(2);
      return;
    } catch (Exception e) {
      BindException taken = bindFailure(e);
      if (taken != null) {
        // The one line an operator needs, not Netty's stack: which port, which setting.
        System.err.println("peerbook: cannot listen on " + cfg.httpHost() + ":" + cfg.httpPort() + " ("
            + taken.getMessage() + "): set http_port (PEERBOOK_HTTP_PORT) to a free port, or stop what uses it");
      } else {
        LOG.error("peerbook did not start", e);
      }
      vertx.close();
      if (embedded != null) {
        embedded.close();
      }
      System.exit(taken != null ? 2 : 1);
      return;
    }
    if (cfg.smtpHost() == null) {
      LOG.info("no SMTP host set: approval links are written to this log");
    }
    LOG.info("peerbook node {} started; public URL {}", peerbook.nodeId(), cfg.publicUrl());
    EmbeddedRedis redis = embedded;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("shutting down");
      try {
        peerbook.stop().await(8, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("verticles did not stop in time: {}", e.toString());
      }
      try {
        vertx.close().await(5, TimeUnit.SECONDS);
        if (redis != null) {
          redis.close();
        }
      } catch (Exception e) {
        LOG.warn("shutdown incomplete: {}", e.toString());
      }
    }, "peerbook-shutdown"));
  }
}
