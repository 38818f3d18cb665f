package io.peerbook;

import io.peerbook.support.PeerClient;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link RelayTest}'s cases with Alpha and Beta on two gateway instances of one node: every message goes through the
 * relay verticle (route cache, lookup, delivery to the other gateway), where on one instance the gateway writes to
 * the target itself. Both ways must give the same deliveries, codes and order.
 */
class RelayAcrossGatewaysTest extends RelayTest {
  private static final int ATTEMPTS = 8;

  @Override
  Map<String, Object> nodeSettings() {
    return Map.of("instances", new JsonObject().put("gateway", 2).put("relay", 2));
  }

  /** Vert.x hands new connections to the gateway instances in turn: Beta reconnects until it is not with Alpha. */
  @Override
  PeerClient placeBeta(PeerClient connected, Supplier<PeerClient> reconnect) {
    PeerClient beta = connected;
    for (int i = 0; i < ATTEMPTS; i++) {
      Map<String, String> gateways = node.gatewaysOf(EMAIL);
      assertEquals(2, gateways.size(), "Alpha and Beta online: " + gateways);
      if (!gateways.get("alpha").equals(gateways.get("beta"))) {
        return beta;
      }
      PeerClient newer = reconnect.get();
      newer.expectCode(200);
      assertEquals(4409, beta.awaitClose());
      beta = newer;
    }
    return fail("Beta stayed on Alpha's gateway instance after " + ATTEMPTS + " reconnects");
  }
}
