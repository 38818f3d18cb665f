package io.peerbook;

import io.peerbook.support.PeerClient;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.function.Supplier;

/**
 * {@link RelayTest}'s cases with Alpha and Beta on two gateway instances of one node: the sender's gateway writes
 * into a socket of the other instance, handed to that socket's event loop. Every way must give the same deliveries,
 * codes and order.
 */
class RelayAcrossGatewaysTest extends RelayTest {
  @Override
  Map<String, Object> nodeSettings() {
    return Map.of("instances", new JsonObject().put("gateway", 2).put("relay", 2));
  }

  @Override
  PeerClient placeBeta(PeerClient connected, Supplier<PeerClient> reconnect) {
    return SocketKit.apart(node, email, "Alpha", "Beta", connected, reconnect);
  }
}
