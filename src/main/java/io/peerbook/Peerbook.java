package io.peerbook;

import io.peerbook.cluster.ClusterView;
import io.peerbook.config.PeerbookConfig;
import io.peerbook.directory.DirectoryVerticle;
import io.peerbook.gateway.GatewayVerticle;
import io.peerbook.mailer.MailerVerticle;
import io.peerbook.relay.RelayBatchCodec;
import io.peerbook.relay.RelayVerticle;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Deploys peerbook's verticles on one Vert.x instance, with the instance counts of the configuration: the services
 * first, the gateway last, so no socket is accepted before its requests have somewhere to go. Undeploys in the
 * reverse order, so the gateway can still clear its peers' presence while it closes their sockets.
 */
public final class Peerbook {
  private static final Logger LOG = LoggerFactory.getLogger(Peerbook.class);
  private final Vertx vertx;
  private final List<String> deployments;
  private final String nodeId;

  private Peerbook(Vertx vertx, List<String> deployments, String nodeId) {
    this.vertx = vertx;
    this.deployments = deployments;
    this.nodeId = nodeId;
  }

  /** This node's id: its cluster member id when clustered. */
  public String nodeId() {
    return nodeId;
  }

  /** An unclustered node: a cluster of one, known by the configuration's {@code node_id} or a fresh one. */
  public static Future<Peerbook> deploy(Vertx vertx, JsonObject given) {
    String id = given.getString("node_id");
    return deploy(vertx, given, ClusterView.standalone(id == null ? UUID.randomUUID().toString() : id));
  }

  /**
   * Deploys on a node of {@code cluster}. The node id is decided here, once, and put into the configuration every
   * verticle instance reads: instances that each made up their own would take one another's records for a dead
   * node's.
   */
  public static Future<Peerbook> deploy(Vertx vertx, JsonObject given, ClusterView cluster) {
    JsonObject config = given.copy().put("node_id", cluster.nodeId());
    PeerbookConfig cfg = PeerbookConfig.from(config);
    if (vertx.exceptionHandler() == null) {
      // What a handler throws and nobody caught: Vert.x keeps the verticle running; this logs it once, with its cause.
      vertx.exceptionHandler(err -> LOG.error("unexpected error in a handler; the node keeps running", err));
    }
    RelayBatchCodec.register(vertx.eventBus());
    List<String> ids = new ArrayList<>();
    return deploy(vertx, config, cfg, "directory", () -> new DirectoryVerticle(cluster), ids)
        .compose(v -> deploy(vertx, config, cfg, "mailer", MailerVerticle::new, ids))
        .compose(v -> deploy(vertx, config, cfg, "relay", () -> new RelayVerticle(cluster), ids))
        .compose(v -> deploy(vertx, config, cfg, "gateway", () -> new GatewayVerticle(cluster), ids))
        .map(v -> new Peerbook(vertx, ids, cluster.nodeId()));
  }

  private static Future<Void> deploy(Vertx vertx, JsonObject config, PeerbookConfig cfg, String name,
                                     Supplier<? extends Deployable> verticle, List<String> ids) {
    DeploymentOptions options = new DeploymentOptions().setConfig(config).setInstances(cfg.instances().get(name));
    return vertx.deployVerticle(verticle, options).onSuccess(ids::add).mapEmpty();
  }

  /** Undeploys gateway first (sockets closed with 1001, presence cleared), then the services. */
  public Future<Void> stop() {
    List<String> reversed = new ArrayList<>(deployments);
    Collections.reverse(reversed);
    Future<Void> chain = Future.succeededFuture();
    for (String id : reversed) {
      chain = chain.compose(v -> vertx.undeploy(id).otherwiseEmpty());
    }
    return chain;
  }
}
