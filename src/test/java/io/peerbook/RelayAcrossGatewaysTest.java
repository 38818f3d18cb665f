package io.peerbook;

import io.peerbook.support.PeerClient;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.function.Supplier;

/**
 * {@link RelayTest}'s cases with Alpha and Beta on two gateway instances of one node: each message goes to the other
 * gateway instance along the route the sender's gateway cached from the book events (and through the relay when that
 * route turns out stale), where on one instance the gateway writes to the target itself. Every way must give the
 * same deliveries, codes and order.
 */
class RelayAcrossGatewaysTest extends RelayTest {
  @Override
  Map<String, Object> nodeSettings() {
    return Map.of("instances", new JsonObject().put("gateway", 2).put("relay", 2));
  }

  @Override
  PeerClient placeBeta(PeerClient connected, Supplier<PeerClient> reconnect) {
    return SocketKit.apart(node, EMAIL, "Alpha", "Beta", connected, reconnect);
  }
}
