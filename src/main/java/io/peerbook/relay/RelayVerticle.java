package io.peerbook.relay;

import io.peerbook.cluster.ClusterView;
import io.peerbook.config.PeerbookConfig;
import io.peerbook.metrics.Meters;
import io.peerbook.protocol.Address;
import io.peerbook.protocol.Codes;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Forwarding across nodes. Each instance owns some of this node's {@link RelayLinks} (a link per other node); one
 * instance receives what the other nodes send here ({@code peerbook.relay.<node id>}), so that batches from one node
 * are handled in the order they came: their messages are written into the target sockets, and what could not be
 * delivered is answered to the sending node. That instance also keeps the node's {@link RouteCache} in step with the
 * book events and the cluster's members.
 */
public final class RelayVerticle extends VerticleBase {
  private final ClusterView cluster;
  private PeerbookConfig cfg;
  private LocalPeers peers;
  private RelayLinks links;

  public RelayVerticle(ClusterView cluster) {
    this.cluster = cluster;
  }

  @Override
  public Future<?> start() {
    cfg = PeerbookConfig.from(config());
    peers = LocalPeers.of(vertx);
    RouteCache routes = RouteCache.of(vertx, cfg.limits().routeCache());
    links = RelayLinks.of(vertx, cfg.nodeId(), peers, routes);
    links.attach(context);
    boolean receiver = vertx.sharedData().getLocalMap("peerbook.relay").putIfAbsent("receiver", true) == null;
    if (!receiver) {
      return Future.succeededFuture();
    }
    // A node that left holds no peer any more: what follows for them asks the directory where they went.
    cluster.onLeave(routes::evictNode);
    return Future.all(
        vertx.eventBus().<RelayBatch>consumer(Address.relay(cfg.nodeId()), this::receive).completion(),
        vertx.eventBus().<JsonObject>consumer(Address.BOOK_EVENTS.address(), msg -> routes.track(msg.body()))
            .completion());
  }

  private void receive(Message<RelayBatch> msg) {
    RelayBatch batch = msg.body();
    batch.failures().forEach(links::tellSender);
    if (batch.deliveries().isEmpty()) {
      return;
    }
    List<RelayBatch.Failure> failed = new ArrayList<>(0);
    for (RelayBatch.Delivery d : batch.deliveries()) {
      Endpoint target = peers.approved(d.email(), d.targetKey());
      if (target == null || !target.fingerprint().equals(d.targetFingerprint())) {
        // The route was stale: the peer is not on this node any more, or has another identity now.
        failed.add(d.failed(Codes.OFFLINE, d.targetName() + " is not online"));
        continue;
      }
      Future<Void> written = target.deliver(d.text());
      if (written.failed()) {
        failed.add(d.failed(Codes.OFFLINE, written.cause().getMessage()));
        continue;
      }
      Meters.relayed(d.type());
      if (!written.isComplete()) {
        written.onFailure(err -> links.fail(batch.origin(), d.failed(Codes.OFFLINE, target.lostBecause())));
      }
    }
    msg.reply(failed.isEmpty() ? null : RelayBatch.ofFailures(cfg.nodeId(), failed));
  }
}
