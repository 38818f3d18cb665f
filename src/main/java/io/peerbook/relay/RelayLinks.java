package io.peerbook.relay;

import io.peerbook.protocol.Address;
import io.peerbook.protocol.Bus;
import io.peerbook.protocol.Codes;
import io.peerbook.protocol.Identity;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.shareddata.Shareable;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * This node's links to the other nodes: one ordered, pipelined link per node, owned by a relay verticle instance.
 * Gateways of any event loop queue messages on a link; the owner sends what queued up as one batch, without waiting
 * for the previous batch's answer. The answer lists what could not be delivered, and those messages' senders hear the
 * error; a batch that finds no relay at the other end (the node left) or no answer fails as a whole.
 */
public final class RelayLinks implements Shareable {
  /** The most messages one batch carries; under load, what queued up behind travels in the next. */
  static final int MAX_BATCH = 256;
  private static final DeliveryOptions OPTIONS = new DeliveryOptions().setSendTimeout(Bus.TIMEOUT_MS);

  private final Vertx vertx;
  private final String nodeId;
  private final LocalPeers peers;
  private final RouteCache routes;
  private final List<Context> owners = new CopyOnWriteArrayList<>();
  private final ConcurrentHashMap<String, Link> links = new ConcurrentHashMap<>();

  private RelayLinks(Vertx vertx, String nodeId, LocalPeers peers, RouteCache routes) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.peers = peers;
    this.routes = routes;
  }

  static RelayLinks of(Vertx vertx, String nodeId, LocalPeers peers, RouteCache routes) {
    return vertx.sharedData().<String, RelayLinks>getLocalMap("peerbook.relay")
        .computeIfAbsent("links", k -> new RelayLinks(vertx, nodeId, peers, routes));
  }

  /** A relay verticle instance offers its event loop: links are spread over the instances, one owner per link. */
  void attach(Context owner) {
    owners.add(owner);
  }

  /** Queues a message for a socket of {@code node}; any thread. */
  void send(String node, RelayBatch.Delivery delivery) {
    Link link = link(node);
    link.deliveries.add(delivery);
    link.schedule();
  }

  /** Queues the failure of a message that came from {@code node}, for its sender; any thread. */
  void fail(String node, RelayBatch.Failure failure) {
    Link link = link(node);
    link.failures.add(failure);
    link.schedule();
  }

  /** Tells the sender of an undelivered message, if its socket is still here; a 480 also drops the stale route. */
  void tellSender(RelayBatch.Failure f) {
    Endpoint sender = peers.byConn(f.senderConn());
    if (sender == null) {
      return;
    }
    if (f.code() == Codes.OFFLINE && f.echo() != null) {
      routes.evict(sender.email(), Identity.nameKey(f.echo()));
    }
    sender.undelivered(f.id(), f.echo(), f.code(), f.text());
  }

  private Link link(String node) {
    return links.computeIfAbsent(node, n -> new Link(n, owners.get(Math.floorMod(n.hashCode(), owners.size()))));
  }

  private final class Link {
    private final String node;
    private final Context owner;
    private final Queue<RelayBatch.Delivery> deliveries = new ConcurrentLinkedQueue<>();
    private final Queue<RelayBatch.Failure> failures = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    Link(String node, Context owner) {
      this.node = node;
      this.owner = owner;
    }

    void schedule() {
      if (scheduled.compareAndSet(false, true)) {
        owner.runOnContext(v -> flush());
      }
    }

    /** On the owner's event loop: sends what queued up, in order, in batches. */
    private void flush() {
      // Cleared first: what is queued from now on schedules another flush, so nothing is left behind.
      scheduled.set(false);
      List<RelayBatch.Delivery> batch = new ArrayList<>();
      for (RelayBatch.Delivery d = deliveries.poll(); d != null; d = deliveries.poll()) {
        batch.add(d);
        if (batch.size() == MAX_BATCH) {
          sendDeliveries(batch);
          batch = new ArrayList<>();
        }
      }
      if (!batch.isEmpty()) {
        sendDeliveries(batch);
      }
      List<RelayBatch.Failure> failed = new ArrayList<>();
      for (RelayBatch.Failure f = failures.poll(); f != null; f = failures.poll()) {
        failed.add(f);
      }
      if (!failed.isEmpty()) {
        vertx.eventBus().send(Address.relay(node), RelayBatch.ofFailures(nodeId, failed));
      }
    }

    private void sendDeliveries(List<RelayBatch.Delivery> batch) {
      vertx.eventBus().<RelayBatch>request(Address.relay(node), RelayBatch.ofDeliveries(nodeId, batch), OPTIONS)
          .onSuccess(reply -> {
            if (reply.body() != null) {
              reply.body().failures().forEach(RelayLinks.this::tellSender);
            }
          })
          .onFailure(err -> {
            boolean gone = err instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS;
            if (gone) {
              routes.evictNode(node);
            }
            for (RelayBatch.Delivery d : batch) {
              tellSender(d.failed(gone ? Codes.OFFLINE : Codes.UNAVAILABLE,
                  gone ? d.targetName() + " is not online" : "service unavailable, try again"));
            }
          });
    }
  }
}
